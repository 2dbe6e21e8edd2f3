/**
 * A provider that fails on purpose (failover tests): each request gets the next scripted action:
 * an HTTP error with headers, a reset before any header, or no answer at all. It records what it
 * was sent. Plain http, or https with a given key and certificate.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export type Action =
  | { readonly status: number; readonly headers?: Record<string, string>; readonly body?: string }
  /** Destroy the connection before any response byte. */
  | { readonly reset: true }
  /** Never answer (a per-try timeout). */
  | { readonly hang: true }
  /** A 200 event stream: the first event, a pause, then the rest. */
  | { readonly sse: readonly string[]; readonly pauseMs?: number };

export interface Seen {
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** TLS: the server name the client asked for (SNI). */
  readonly servername?: string;
}

export interface ScriptedUpstream {
  readonly port: number;
  readonly seen: Seen[];
  close(): Promise<void>;
}

export async function startScripted(
  next: (n: number) => Action,
  tls?: { readonly key: string; readonly cert: string },
): Promise<ScriptedUpstream> {
  const seen: Seen[] = [];
  const hanging = new Set<http.ServerResponse>();
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const sni = (req.socket as { servername?: unknown }).servername;
      seen.push({
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        ...(typeof sni === 'string' ? { servername: sni } : {}),
      });
      const a = next(seen.length);
      if ('reset' in a) {
        req.socket.destroy();
        return;
      }
      if ('hang' in a) {
        hanging.add(res);
        return;
      }
      if ('sse' in a) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(a.sse[0] ?? '');
        setTimeout(() => {
          for (const e of a.sse.slice(1)) res.write(e);
          res.end();
        }, a.pauseMs ?? 0);
        return;
      }
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
      res.end(a.body ?? JSON.stringify({ error: { message: `scripted ${a.status}`, type: 'scripted' } }));
    });
  };
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** An OpenAI-style 429 that asks for 30 s. */
export const RATE_LIMITED: Action = {
  status: 429,
  headers: { 'retry-after': '30' },
  body: JSON.stringify({ error: { message: 'slow down', type: 'requests', code: 'rate_limit_exceeded' } }),
};

/**
 * A local guardrails webhook (webhooks-openapi.yaml) for unit and end-to-end tests.
 *
 *   POST /request   {"body":{"messages":[...]}}  → GuardrailsPromptResponse
 *   POST /response  {"body":{"choices":[...]}}   → GuardrailsResponseResponse
 *   GET  /health    → {}   (not recorded)
 *
 * Without a `handler`, a small rule engine answers (see {@link defaultWebhookHandler}):
 *   request phase:  any message containing "reject-me" → Reject 403 "Rejected by webhook";
 *                   else any containing "mask-me"       → Mask, every "mask-me" → "<MASKED>";
 *                   else Pass.
 *                   The OpenAPI's test headers also work (when forwarded): `x-action: reject` rejects with
 *                   `x-status-code` (default 403) and `x-response-message` (default "Rejected by webhook");
 *                   `x-action: pass` passes.
 *   response phase: any choice containing "secret-word" → Mask, every "secret-word" → "<REDACTED>"; else Pass.
 * A body that is not a valid request for the phase gets 422 (FastAPI's validation error), like the sample app.
 *
 * `tls: true` serves https with a self-signed certificate (CN/SAN localhost, 127.0.0.1, ::1) made with the
 * `openssl` CLI at test time. When `openssl` is missing, {@link startWebhookServer} throws
 * {@link TlsUnavailableError}; check {@link opensslAvailable} first and skip.
 */
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export type WebhookPhase = 'request' | 'response';

export type WebhookReply =
  | { status?: number; json: unknown; headers?: Record<string, string> }
  /** Send these bytes as-is (for non-JSON replies). */
  | { status?: number; raw: string | Uint8Array; headers?: Record<string, string> };

export type WebhookHandler = (
  phase: WebhookPhase,
  body: unknown,
  headers: Record<string, string>,
) => WebhookReply | Promise<WebhookReply>;

export interface WebhookServerOptions {
  tls?: boolean;
  handler?: WebhookHandler;
  /** Listen address. Default 127.0.0.1. */
  host?: string;
}

export interface RecordedWebhookCall {
  phase: WebhookPhase;
  /** Lower-cased names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The parsed body (undefined if it was not JSON). */
  json: unknown;
  raw: string;
}

export interface WebhookServer {
  /** e.g. `https://127.0.0.1:41234` (no trailing slash). */
  url: string;
  host: string;
  port: number;
  tls: boolean;
  /** The PEM certificate when `tls` (self-signed: it is its own CA). */
  cert: string | undefined;
  /** Every /request and /response call, in arrival order. */
  requests: RecordedWebhookCall[];
  close(): Promise<void>;
}

export class TlsUnavailableError extends Error {
  constructor() {
    super('the openssl CLI is not available, so no self-signed certificate can be made');
  }
}

// -------------------------------------------------------------------------------------------------------------
// Certificates

let opensslChecked: boolean | undefined;
export function opensslAvailable(): boolean {
  if (opensslChecked === undefined) {
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' });
      opensslChecked = true;
    } catch {
      opensslChecked = false;
    }
  }
  return opensslChecked;
}

let cachedCert: { key: string; cert: string } | undefined;
/** A self-signed EC P-256 certificate for localhost / 127.0.0.1 / ::1, made once per process. */
export function selfSignedCert(): { key: string; cert: string } {
  if (cachedCert) return cachedCert;
  if (!opensslAvailable()) throw new TlsUnavailableError();
  const dir = mkdtempSync(path.join(tmpdir(), 'webhook-cert-'));
  try {
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:0:0:0:0:0:0:0:1',
      ],
      { stdio: 'ignore' },
    );
    cachedCert = { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
    return cachedCert;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// -------------------------------------------------------------------------------------------------------------
// Default rules

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
interface Msg {
  role: string;
  content: string;
}
const isMsg = (v: unknown): v is Msg =>
  isObj(v) && typeof v.role === 'string' && typeof v.content === 'string';

function validation(msg: string): WebhookReply {
  return { status: 422, json: { detail: [{ loc: ['body'], msg, type: 'value_error' }] } };
}

/** The default rule engine (exported so a custom handler can fall back to it). */
export function defaultWebhookHandler(
  phase: WebhookPhase,
  body: unknown,
  headers: Record<string, string>,
): WebhookReply {
  const inner = isObj(body) ? body.body : undefined;
  if (phase === 'request') {
    const messages = isObj(inner) ? inner.messages : undefined;
    if (!Array.isArray(messages) || !messages.every(isMsg))
      return validation('body.messages must be messages');
    const action = headers['x-action']?.toLowerCase();
    if (action === 'pass') return { json: { action: { reason: 'x-action: pass' } } };
    if (action === 'reject' || messages.some((m) => m.content.includes('reject-me'))) {
      const code = Number(headers['x-status-code'] ?? 403);
      return {
        json: {
          action: {
            body: headers['x-response-message'] ?? 'Rejected by webhook',
            status_code: Number.isInteger(code) ? code : 403,
            reason: action === 'reject' ? 'x-action: reject' : 'found reject-me',
          },
        },
      };
    }
    if (messages.some((m) => m.content.includes('mask-me'))) {
      return {
        json: {
          action: {
            body: {
              messages: messages.map((m) => ({
                role: m.role,
                content: m.content.replaceAll('mask-me', '<MASKED>'),
              })),
            },
            reason: 'masked mask-me',
          },
        },
      };
    }
    return { json: { action: { reason: 'nothing found' } } };
  }
  const choices = isObj(inner) ? inner.choices : undefined;
  if (!Array.isArray(choices) || !choices.every((c) => isObj(c) && isMsg(c.message)))
    return validation('body.choices must be choices');
  const msgs = choices.map((c) => (c as { message: Msg }).message);
  if (msgs.some((m) => m.content.includes('secret-word'))) {
    return {
      json: {
        action: {
          body: {
            choices: msgs.map((m) => ({
              message: { role: m.role, content: m.content.replaceAll('secret-word', '<REDACTED>') },
            })),
          },
          reason: 'redacted secret-word',
        },
      },
    };
  }
  return { json: { action: { reason: 'nothing found' } } };
}

// -------------------------------------------------------------------------------------------------------------
// Server

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers))
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

export async function startWebhookServer(opts: WebhookServerOptions = {}): Promise<WebhookServer> {
  const tls = opts.tls === true;
  const handler = opts.handler ?? defaultWebhookHandler;
  const requests: RecordedWebhookCall[] = [];
  const pem = tls ? selfSignedCert() : undefined;

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const url = (req.url ?? '/').split('?')[0];
        if (req.method === 'GET' && url === '/health') {
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
          return;
        }
        const phase: WebhookPhase | undefined =
          url === '/request' ? 'request' : url === '/response' ? 'response' : undefined;
        if (req.method !== 'POST' || phase === undefined) {
          res.writeHead(404, { 'content-type': 'application/json' }).end('{"detail":"Not Found"}');
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(raw);
        } catch {
          json = undefined;
        }
        const headers = flatHeaders(req);
        requests.push({ phase, headers, json, raw });
        let reply: WebhookReply;
        try {
          reply = await handler(phase, json, headers);
        } catch (e) {
          reply = { status: 500, json: { detail: String(e) } };
        }
        if (res.destroyed || res.writableEnded) return;
        const r = reply;
        const isRaw = 'raw' in r;
        const payload = isRaw ? r.raw : JSON.stringify(r.json);
        res.writeHead(r.status ?? 200, {
          'content-type': isRaw ? 'text/plain' : 'application/json',
          ...r.headers,
        });
        res.end(payload);
      })();
    });
  };

  const server = pem
    ? https.createServer({ key: pem.key, cert: pem.cert }, onRequest)
    : http.createServer(onRequest);
  const host = opts.host ?? '127.0.0.1';
  server.listen(0, host);
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `${tls ? 'https' : 'http'}://${urlHost}:${port}`,
    host,
    port,
    tls,
    cert: pem?.cert,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

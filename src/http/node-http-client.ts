/**
 * The production {@link HttpClient}: node:http / node:https with keep-alive agents.
 *
 * - One agent per (scheme, host, port, tls-verify) key, so a verifying and a non-verifying call to the same
 *   host never share a TLS session. The agent map is an LRU bounded by `maxAgents`; an evicted agent is
 *   destroyed once its in-flight requests finish.
 * - Idle keep-alive sockets are closed after `idleSocketTimeoutMs` (default 4 s, below the 5 s keep-alive
 *   timeout of common servers such as Node and uvicorn, so we rarely write to a socket the server is closing).
 *   If a request on a reused socket still fails with ECONNRESET/EPIPE before any response byte, it is retried
 *   once on a fresh socket (the standard stale keep-alive race).
 * - `timeoutMs` bounds the whole exchange; `signal` aborts it. Both reject with {@link HttpClientError}.
 * - Response bodies are capped at `maxResponseBytes` (default 16 MiB).
 * - Error messages name the endpoint (scheme, host, port, path) but never headers or bodies.
 */
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { HttpClientError } from '../guards/http-client.js';
import type { HttpClient, HttpRequest, HttpResponse } from '../guards/http-client.js';

export interface NodeHttpClientOptions {
  /** Upper bound on cached agents (distinct scheme/host/port/verify keys). Default 64. */
  readonly maxAgents?: number;
  /** Max concurrent sockets per agent. Default 128. */
  readonly maxSocketsPerAgent?: number;
  /** Max idle keep-alive sockets kept per agent. Default 32. */
  readonly maxFreeSocketsPerAgent?: number;
  /** Idle keep-alive sockets are closed after this long. Default 4000 ms. */
  readonly idleSocketTimeoutMs?: number;
  /** Response bodies larger than this reject with kind `too_large`. Default 16 MiB. */
  readonly maxResponseBytes?: number;
  /** Extra trusted CA certificates (PEM) for verifying https agents. Default: Node's bundled roots. */
  readonly ca?: string | Buffer | ReadonlyArray<string | Buffer>;
}

interface AgentEntry {
  readonly agent: http.Agent;
  inFlight: number;
  evicted: boolean;
}

const RETRYABLE_STALE_SOCKET = new Set(['ECONNRESET', 'EPIPE']);

export class NodeHttpClient implements HttpClient {
  readonly #agents = new Map<string, AgentEntry>();
  readonly #maxAgents: number;
  readonly #maxSockets: number;
  readonly #maxFreeSockets: number;
  readonly #idleMs: number;
  readonly #maxBytes: number;
  readonly #ca: string | Buffer | Array<string | Buffer> | undefined;
  #closed = false;

  constructor(opts: NodeHttpClientOptions = {}) {
    this.#maxAgents = Math.max(1, opts.maxAgents ?? 64);
    this.#maxSockets = Math.max(1, opts.maxSocketsPerAgent ?? 128);
    this.#maxFreeSockets = Math.max(0, opts.maxFreeSocketsPerAgent ?? 32);
    this.#idleMs = Math.max(1, opts.idleSocketTimeoutMs ?? 4000);
    this.#maxBytes = Math.max(1, opts.maxResponseBytes ?? 16 * 1024 * 1024);
    this.#ca = isList(opts.ca) ? [...opts.ca] : opts.ca;
  }

  /** Number of cached agents (for tests and diagnostics). */
  get agentCount(): number {
    return this.#agents.size;
  }

  /** Destroys every agent and its sockets. Later requests reject. */
  close(): void {
    this.#closed = true;
    for (const e of this.#agents.values()) e.agent.destroy();
    this.#agents.clear();
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    if (this.#closed) throw new HttpClientError('network', 'http client is closed');
    let url: URL;
    try {
      url = new URL(req.url);
    } catch (e) {
      throw new HttpClientError('bad_request', 'invalid URL', { cause: e });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new HttpClientError('bad_request', `unsupported scheme ${url.protocol}`);
    const endpoint = `${url.protocol}//${url.host}${url.pathname}`;
    if (req.signal?.aborted) throw new HttpClientError('aborted', `${endpoint}: aborted before sending`);

    const deadline = Date.now() + Math.max(0, req.timeoutMs);
    const entry = this.#acquire(url, req.insecureSkipVerify === true);
    try {
      try {
        return await this.#attempt(url, endpoint, req, entry.agent, deadline);
      } catch (e) {
        if (!(e instanceof StaleSocketError)) throw e;
        // A reused keep-alive socket was closed by the server under us; nothing was processed. Retry once.
        return await this.#attempt(url, endpoint, req, entry.agent, deadline, true);
      }
    } finally {
      this.#release(entry);
    }
  }

  #acquire(url: URL, insecure: boolean): AgentEntry {
    const https = url.protocol === 'https:';
    const verify = https ? (insecure ? 'insecure' : 'verify') : 'plain';
    const port = url.port || (https ? '443' : '80');
    const key = `${url.protocol}//${url.hostname}:${port}|${verify}`;
    let entry = this.#agents.get(key);
    if (entry) {
      // LRU: move to the end.
      this.#agents.delete(key);
    } else {
      entry = { agent: this.#newAgent(https, verify === 'insecure'), inFlight: 0, evicted: false };
      while (this.#agents.size >= this.#maxAgents) {
        const oldest = this.#agents.keys().next();
        if (oldest.done === true) break;
        const victim = this.#agents.get(oldest.value);
        this.#agents.delete(oldest.value);
        if (victim) {
          victim.evicted = true;
          if (victim.inFlight === 0) victim.agent.destroy();
        }
      }
    }
    this.#agents.set(key, entry);
    entry.inFlight++;
    return entry;
  }

  #release(entry: AgentEntry): void {
    entry.inFlight--;
    if (entry.evicted && entry.inFlight === 0) entry.agent.destroy();
  }

  #newAgent(isHttps: boolean, insecure: boolean): http.Agent {
    const common = {
      keepAlive: true,
      keepAliveMsecs: 1000,
      maxSockets: this.#maxSockets,
      maxFreeSockets: this.#maxFreeSockets,
      // For sockets in the free list, Node's agent destroys them on this socket timeout.
      timeout: this.#idleMs,
      scheduling: 'lifo' as const,
    };
    if (!isHttps) return new http.Agent(common);
    return new https.Agent({
      ...common,
      rejectUnauthorized: !insecure,
      ...(this.#ca !== undefined && !insecure ? { ca: this.#ca } : {}),
    });
  }

  #attempt(
    url: URL,
    endpoint: string,
    req: HttpRequest,
    agent: http.Agent,
    deadline: number,
    isRetry = false,
  ): Promise<HttpResponse> {
    return new Promise<HttpResponse>((resolve, reject) => {
      const mod = url.protocol === 'https:' ? https : http;
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        const lk = k.toLowerCase();
        if (lk === 'content-length' || lk === 'transfer-encoding' || lk === 'host' || lk === 'connection')
          continue;
        headers[k] = v;
      }
      headers['content-length'] = String(req.body.byteLength);

      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        reject(new HttpClientError('timeout', `${endpoint}: timed out after ${req.timeoutMs} ms`));
        return;
      }

      let settled = false;
      let responseStarted = false;
      const onAbort = (): void => {
        fail(new HttpClientError('aborted', `${endpoint}: aborted (deadline)`));
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
      };
      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        cleanup();
        reject(err);
        creq.destroy();
      };
      const succeed = (res: HttpResponse): void => {
        if (settled) return;
        settled = true;
        cleanup();
        resolve(res);
      };

      let creq: http.ClientRequest;
      try {
        creq = mod.request({
          protocol: url.protocol,
          hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
          port: url.port || undefined,
          path: `${url.pathname}${url.search}`,
          method: req.method,
          headers,
          agent,
        });
      } catch (e) {
        // e.g. ERR_INVALID_CHAR in a header value (Node's message names the header, not the value).
        settled = true;
        reject(new HttpClientError('bad_request', `${endpoint}: ${(e as Error).message}`, { cause: e }));
        return;
      }

      const timer = setTimeout(
        () => fail(new HttpClientError('timeout', `${endpoint}: timed out after ${req.timeoutMs} ms`)),
        remaining,
      );
      req.signal?.addEventListener('abort', onAbort, { once: true });
      if (req.signal?.aborted) onAbort();

      creq.on('error', (err: NodeJS.ErrnoException) => {
        if (settled) return;
        const code = err.code ?? '';
        if (!isRetry && !responseStarted && creq.reusedSocket && RETRYABLE_STALE_SOCKET.has(code)) {
          settled = true;
          cleanup();
          reject(new StaleSocketError());
          return;
        }
        fail(
          new HttpClientError('network', `${endpoint}: ${code ? `${code} ` : ''}${err.message}`, {
            cause: err,
          }),
        );
      });

      creq.on('response', (res: IncomingMessage) => {
        responseStarted = true;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.#maxBytes) {
            fail(new HttpClientError('too_large', `${endpoint}: response body over ${this.#maxBytes} bytes`));
            res.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          succeed({
            status: res.statusCode ?? 0,
            headers: flattenHeaders(res),
            body: Buffer.concat(chunks, size),
          });
        });
        res.on('error', (err) => {
          fail(new HttpClientError('network', `${endpoint}: response error: ${err.message}`, { cause: err }));
        });
        res.on('close', () => {
          if (!res.complete)
            fail(new HttpClientError('network', `${endpoint}: connection closed before the response ended`));
        });
      });

      creq.end(req.body);
    });
  }
}

class StaleSocketError extends Error {}

function isList(v: NodeHttpClientOptions['ca']): v is ReadonlyArray<string | Buffer> {
  return Array.isArray(v);
}

function flattenHeaders(res: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/**
 * The MCP gateway endpoint (MCP_ADDR): Streamable HTTP through the official v2 SDK's
 * createMcpHandler. 2026-07-28 requests are served statelessly, 2025 requests by the SDK's stateless
 * legacy serving (initialize answers with no Mcp-Session-Id; GET and DELETE get 405), so no session
 * lives in this process and a restart loses nothing a client holds. Each request gets its own
 * federation server (federation-server.ts) knowing who the caller is (identifyClient, the same
 * resolution the AI routes use). Bodies are bounded; a request off the configured path gets 404.
 */
import http from 'node:http';
import { AsyncLocalStorage } from 'node:async_hooks';
import { createMcpHandler } from '@modelcontextprotocol/server';
import type { McpHttpHandler } from '@modelcontextprotocol/server';
import { identifyClient } from '../config/identify-client.js';
import type { ListenAddress } from '../config/listen-address.js';
import type { McpGatewayConfig } from '../config/standalone/mcp-gateway.js';
import type { Logger } from '../logging/logger.js';
import type { ExchangeTracer } from '../pipeline/tracer.js';
import { buildFederationServer, errText } from './federation-server.js';
import type { GatewayObserver, RequestFacts } from './federation-server.js';
import { UpstreamPool } from './upstream.js';

export interface GatewayDeps {
  /** The live config's gateway section (undefined: endpoint answers 404 until a config has one). */
  readonly config: () => McpGatewayConfig | undefined;
  readonly observer: GatewayObserver & { request(method: string, result: string, seconds: number): void };
  readonly tracer: ExchangeTracer;
  readonly log: Logger;
}

interface RequestState {
  readonly config: McpGatewayConfig;
  readonly headers: ReadonlyMap<string, string>;
  readonly client: string | undefined;
  readonly facts: RequestFacts;
  readonly span: ReturnType<ExchangeTracer['phase']>;
}

const MAX_HEADER_VALUE = 8192;

export class McpGateway {
  private readonly pool = new UpstreamPool();
  private readonly state = new AsyncLocalStorage<RequestState>();
  private readonly handler: McpHttpHandler;
  private server: http.Server | undefined;
  private synced: McpGatewayConfig | undefined;

  constructor(private readonly deps: GatewayDeps) {
    this.handler = createMcpHandler(
      () => {
        const s = this.state.getStore();
        if (!s) throw new Error('MCP gateway request without its state');
        return buildFederationServer({
          config: s.config,
          pool: this.pool,
          observer: deps.observer,
          identity: { client: s.client },
          headers: s.headers,
          span: s.span,
          facts: s.facts,
          warn: (o, m) => deps.log.warn(o, m),
        });
      },
      {
        legacy: 'stateless',
        responseMode: 'auto',
        keepAliveMs: 0,
        onerror: (err) => deps.log.debug({ err: errText(err) }, 'MCP gateway request rejected'),
      },
    );
  }

  async listen(addr: ListenAddress): Promise<string> {
    const server = http.createServer((req, res) => void this.serve(req, res));
    server.headersTimeout = 10_000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      const done = () => {
        server.off('error', reject);
        resolve();
      };
      if (addr.kind === 'tcp') server.listen(addr.port, addr.host, done);
      else if (addr.kind === 'unix') server.listen(addr.path, done);
      else server.listen(`\0${addr.name}`, done);
    });
    const a = server.address();
    return typeof a === 'string' || a === null ? String(a) : `${a.address}:${a.port}`;
  }

  get port(): number {
    const a = this.server?.address();
    return typeof a === 'object' && a !== null ? a.port : 0;
  }

  async close(): Promise<void> {
    const s = this.server;
    if (s) {
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      });
    }
    await this.handler.close();
    await this.pool.close();
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const config = this.deps.config();
    const url = req.url ?? '/';
    const path = url.split('?')[0] ?? '/';
    if (!config || (path !== config.path && path !== `${config.path}/`)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('no MCP gateway here\n');
      return;
    }
    if (this.synced !== config) {
      this.pool.sync(config.servers);
      this.synced = config;
    }
    const headers = new Map<string, string>();
    for (const [k, v] of Object.entries(req.headers))
      if (typeof v === 'string' && v.length <= MAX_HEADER_VALUE) headers.set(k, v);
    const who = identifyClient(headers, config.clients, true);
    if (!who.client && config.requireClient) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          jsonrpc: '2.0',
          id: null,
          error: {
            code: -32001,
            message: who.presentedKey ? 'Unknown client key' : 'This endpoint requires a client key',
          },
        }),
      );
      return;
    }
    const body = req.method === 'POST' ? await readBounded(req, config.maxBodyBytes) : '';
    if (body === undefined) {
      res.writeHead(413, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          jsonrpc: '2.0',
          id: null,
          error: { code: -32600, message: 'Request body too large' },
        }),
      );
      return;
    }
    const facts: RequestFacts = { method: '', server: '', tool: '', result: '', leftOut: [] };
    const span = this.deps.tracer.phase('mcp_gateway', {
      traceparent: headers.get('traceparent'),
      tracestate: headers.get('tracestate'),
    });
    const state: RequestState = { config, headers, client: who.client?.name, facts, span };
    let status = 0;
    try {
      const fwd = new Headers();
      for (const [k, v] of headers) fwd.set(k, v);
      const request = new Request(`http://gateway${url}`, {
        method: req.method ?? 'GET',
        headers: fwd,
        ...(body ? { body } : {}),
      });
      const response = await this.state.run(state, () => this.handler.fetch(request));
      status = response.status;
      await send(res, response);
    } catch (err) {
      status = 500;
      this.deps.log.error({ err: errText(err) }, 'MCP gateway request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end();
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const result = facts.result || (status >= 400 ? 'rejected' : status === 0 ? 'failed' : 'ok');
      this.deps.observer.request(facts.method || req.method || '', result, seconds);
      span.setAttributes({
        'mcp.method': facts.method,
        'mcp.server': facts.server || undefined,
        'mcp.tool': facts.tool || undefined,
        'mcp.client': state.client,
        'http.response.status_code': status,
      });
      span.end();
      this.deps.log.info(
        {
          client: state.client,
          http: req.method,
          method: facts.method || undefined,
          server: facts.server || undefined,
          tool: facts.tool.slice(0, 128) || undefined,
          result,
          status,
          leftOut: facts.leftOut.length ? facts.leftOut : undefined,
          ms: Math.round(seconds * 1e6) / 1e3,
        },
        'mcp gateway summary',
      );
    }
  }
}

/** The body as text, or undefined when it is larger than `max` bytes. */
async function readBounded(req: http.IncomingMessage, max: number): Promise<string | undefined> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > max) {
    req.resume();
    return undefined;
  }
  const parts: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > max) {
      req.resume();
      return undefined;
    }
    parts.push(c as Buffer);
  }
  return Buffer.concat(parts).toString('utf8');
}

async function send(res: http.ServerResponse, r: Response): Promise<void> {
  const headers: Record<string, string> = {};
  r.headers.forEach((v, k) => (headers[k] = v));
  res.writeHead(r.status, headers);
  if (r.body) {
    const reader: ReadableStreamDefaultReader<Uint8Array> = r.body.getReader();
    // A client that goes away cancels the answer (and the upstream calls behind it).
    res.once('close', () => void reader.cancel().catch(() => undefined));
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      res.write(next.value);
    }
  }
  res.end();
}

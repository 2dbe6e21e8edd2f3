/**
 * The MCP gateway endpoint (MCP_ADDR): Streamable HTTP through the official v2 SDK. 2026-07-28
 * requests are served statelessly by createMcpHandler (a federation server per request, list
 * changes on subscriptions/listen streams); 2025 clients get sessions (sessions.ts): initialize
 * issues a sealed Mcp-Session-Id, and every request carrying one is served by that session's
 * server and the SDK's sessionful transport (GET stream, DELETE). Resource subscriptions:
 * subscriptions.ts (sessions) and listen-subscriptions.ts (2026-07-28). Every request knows who the
 * caller is (identifyClient, the same resolution the AI routes use). Bodies are bounded; a request
 * off the configured path gets 404.
 */
import http from 'node:http';
import { AsyncLocalStorage } from 'node:async_hooks';
import { createMcpHandler, isLegacyRequest } from '@modelcontextprotocol/server';
import type { McpHttpHandler } from '@modelcontextprotocol/server';
import { identifyClient } from '../config/identify-client.js';
import type { ListenAddress } from '../config/listen-address.js';
import type { McpGatewayConfig } from '../config/standalone/mcp-gateway.js';
import type { Logger } from '../logging/logger.js';
import type { GuardRunner } from '../pipeline/guard-runner.js';
import type { ExchangeTracer } from '../pipeline/tracer.js';
import { isObj } from '../json.js';
import { buildFederationServer, errText, namesOf } from './federation-server.js';
import type { GatewayObserver, RequestFacts, RequestScope, Upstreams } from './federation-server.js';
import { SessionSealer } from './session-token.js';
import { SessionRegistry, httpError } from './sessions.js';
import { ListenSubscriptions, listenedUris } from './listen-subscriptions.js';
import { SharedSubscriptions } from './subscriptions.js';
import type { SessionSubscriptions } from './subscriptions.js';
import { UpstreamPool } from './upstream.js';

export interface GatewayDeps {
  /** The live config's gateway section (undefined: endpoint answers 404 until a config has one). */
  readonly config: () => McpGatewayConfig | undefined;
  readonly observer: GatewayObserver & { request(method: string, result: string, seconds: number): void };
  readonly tracer: ExchangeTracer;
  readonly log: Logger;
  readonly guards: GuardRunner;
}

const MAX_HEADER_VALUE = 8192;

export class McpGateway {
  private readonly pool = new UpstreamPool();
  private readonly state = new AsyncLocalStorage<RequestScope>();
  private readonly handler: McpHttpHandler;
  private readonly sessions: SessionRegistry;
  private readonly shared = new SharedSubscriptions(this.pool);
  private readonly listens: ListenSubscriptions;
  private server: http.Server | undefined;
  private synced: McpGatewayConfig | undefined;
  private sealer: { key: string | undefined; sealer: SessionSealer } | undefined;

  constructor(private readonly deps: GatewayDeps) {
    const scope = (): RequestScope => {
      const s = this.state.getStore();
      if (!s) throw new Error('MCP gateway request without its state');
      return s;
    };
    const build = (
      upstreams: Upstreams,
      relay: { sampling: boolean; elicitation: boolean } | undefined,
      subs: { subscribe: boolean; subscriptions?: SessionSubscriptions },
    ) =>
      buildFederationServer({
        scope,
        upstreams,
        observer: deps.observer,
        guards: deps.guards,
        warn: (o, m) => deps.log.warn(o, m),
        ...(relay ? { relay } : {}),
        ...subs,
      });
    this.sessions = new SessionRegistry({
      sealer: () => this.sealerFor(deps.config()?.sessions.key),
      pool: this.pool,
      servers: () => deps.config()?.servers ?? [],
      build,
      shared: this.shared,
      showUri: (server, uri) => {
        const config = deps.config();
        return config ? namesOf(config).showUri(server, uri) : uri;
      },
      debug: (o, m) => deps.log.debug(o, m),
    });
    this.pool.onResourceUpdated = (server, uri) => this.shared.dispatch(server, uri);
    this.listens = new ListenSubscriptions(
      this.pool,
      this.shared,
      (uri) => this.handler.notify.resourceUpdated(uri),
      deps.config,
    );
    // A server's list change: to every 2026-07-28 listen stream, and to the sessions that reach
    // that server through the shared client (2025 servers tell each session's own upstream session).
    this.pool.onListChanged = (_server, kind, modern) => {
      const n = this.handler.notify;
      if (kind === 'tools') n.toolsChanged();
      else if (kind === 'prompts') n.promptsChanged();
      else n.resourcesChanged();
      if (modern) this.sessions.broadcast(kind);
    };
    // `resources.subscribe` as the servers said when they connected (a first connect is waited for).
    this.handler = createMcpHandler(
      async () => build(this.pool, undefined, { subscribe: await this.pool.anySubscribable() }),
      {
        legacy: 'reject',
        responseMode: 'auto',
        keepAliveMs: 0,
        onerror: (err) => deps.log.debug({ err: errText(err) }, 'MCP gateway request rejected'),
      },
    );
    const key = deps.config()?.sessions.key;
    if (key === undefined)
      deps.log.info({}, 'MCP gateway session ids sealed with a random key: sessions end with this process');
  }

  /** The sealer of the configured key (a random one when none is configured), made once per key. */
  private sealerFor(key: string | undefined): SessionSealer {
    if (this.sealer?.key !== key || !this.sealer) this.sealer = { key, sealer: new SessionSealer(key) };
    return this.sealer.sealer;
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
    await this.sessions.close();
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
    const facts: RequestFacts = { method: '', server: '', tool: '', result: '', leftOut: [], guards: [] };
    const span = this.deps.tracer.phase('mcp_gateway', {
      traceparent: headers.get('traceparent'),
      tracestate: headers.get('tracestate'),
    });
    const client = who.client?.name;
    const state: RequestScope = { config, headers, identity: { client }, facts, span };
    let status = 0;
    try {
      const fwd = new Headers();
      for (const [k, v] of headers) fwd.set(k, v);
      const request = new Request(`http://gateway${url}`, {
        method: req.method ?? 'GET',
        headers: fwd,
        ...(body ? { body } : {}),
      });
      const response = await this.state.run(state, () => this.route(request, body, client, config));
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
        'mcp.client': client,
        'http.response.status_code': status,
      });
      span.end();
      this.deps.log.info(
        {
          client,
          http: req.method,
          method: facts.method || undefined,
          server: facts.server || undefined,
          tool: facts.tool.slice(0, 128) || undefined,
          result,
          status,
          leftOut: facts.leftOut.length ? facts.leftOut : undefined,
          guards: facts.guards.length ? facts.guards : undefined,
          session: headers.has('mcp-session-id') || undefined,
          ms: Math.round(seconds * 1e6) / 1e3,
        },
        'mcp gateway summary',
      );
    }
  }

  /** Session requests to their session, a 2025 initialize to a new one, the rest to the stateless handler. */
  private async route(
    request: Request,
    body: string,
    client: string | undefined,
    config: McpGatewayConfig,
  ): Promise<Response> {
    let parsed: unknown;
    try {
      parsed = body ? JSON.parse(body) : undefined;
    } catch {
      parsed = undefined;
    }
    const token = request.headers.get('mcp-session-id');
    if (token !== null) return this.sessions.serve(request, parsed, token, client, config);
    if (isObj(parsed) && parsed.method === 'initialize' && 'id' in parsed)
      return this.sessions.initialize(request, parsed, client, config);
    if (request.method === 'POST' && parsed !== undefined && (await isLegacyRequest(request.clone(), parsed)))
      return httpError(400, -32600, 'Bad Request: Mcp-Session-Id header is required');
    const uris = listenedUris(parsed);
    if (uris && isObj(parsed))
      return this.listens.serve(parsed, uris, { client }, config, (body) =>
        this.handler.fetch(request, { parsedBody: body }),
      );
    return this.handler.fetch(request, parsed === undefined ? {} : { parsedBody: parsed });
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

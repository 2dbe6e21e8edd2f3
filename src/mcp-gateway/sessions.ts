/**
 * Sessions of 2025-06-18 / 2025-11-25 clients. The client holds one Mcp-Session-Id: the sealed
 * SessionClaims (session-token.ts), which carry everything needed to serve the session again, so
 * the state held here is only a bounded cache of live sessions (the SDK's sessionful transport and
 * one federation server each, their GET streams, the upstream connections). A session not in the
 * cache (evicted, or after a restart with the same key) is rebuilt from its id: the SDK transport
 * gets a replayed initialize with the protocol version and capabilities the id carries, and the
 * upstream sessions are resumed by their ids. DELETE ends a session: its upstream sessions are
 * ended and its id is refused until it expires (that refusal is held in memory, bounded). A rebuilt
 * session resumes its upstream sessions at once, so their GET streams are open again.
 */
import crypto from 'node:crypto';
import type { Server } from '@modelcontextprotocol/server';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import type { McpGatewayConfig, McpUpstreamServer } from '../config/standalone/mcp-gateway.js';
import { isObj } from '../json.js';
import type { Upstreams } from './federation-server.js';
import { SessionUpstreams } from './session-upstreams.js';
import { SessionSubscriptions } from './subscriptions.js';
import type { SharedSubscriptions } from './subscriptions.js';
import type { SessionClaims, SessionSealer } from './session-token.js';
import type { ListChangedKind, UpstreamPool } from './upstream.js';

export interface SessionDeps {
  /** The live config's sealer (a new key makes a new one). */
  readonly sealer: () => SessionSealer;
  readonly pool: UpstreamPool;
  /** The live config's servers (a reload reaches sessions already open). */
  readonly servers: () => readonly McpUpstreamServer[];
  /** A federation server for one session (its handlers read the request in progress themselves). */
  readonly build: (
    upstreams: Upstreams,
    relay: { sampling: boolean; elicitation: boolean },
    subs: { subscribe: boolean; subscriptions: SessionSubscriptions },
  ) => Server;
  /** Subscriptions held through the shared clients (2026-07-28 servers). */
  readonly shared: SharedSubscriptions;
  /** A server's resource URI as clients see it (the live config's names). */
  readonly showUri: (server: string, uri: string) => string;
  readonly debug: (obj: Record<string, unknown>, msg: string) => void;
}

interface Live {
  readonly claims: SessionClaims;
  readonly transport: WebStandardStreamableHTTPServerTransport;
  readonly server: Server;
  readonly upstreams: SessionUpstreams;
  readonly subscriptions: SessionSubscriptions;
}

/** The session's server, once built (its upstreams' list changes go to it). */
interface Holder {
  server?: Server;
}

const MAX_VERSION_CHARS = 32;
const JSON_HEADERS = { 'content-type': 'application/json' };

/** A JSON-RPC error as an HTTP answer (no id: it is about the HTTP request, not a message). */
export function httpError(status: number, code: number, message: string): Response {
  return new Response(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code, message } }), {
    status,
    headers: JSON_HEADERS,
  });
}

/** The spec's answer to an id we cannot serve: 404, and the client starts a new session. */
const notFound = () => httpError(404, -32001, 'Session not found');

export class SessionRegistry {
  /** sid → live session; Map order is recency (least recently used first). */
  private readonly live = new Map<string, Live>();
  private readonly rebuilding = new Map<string, Promise<Live>>();
  /** Ended sessions (sid → expiry ms), refused until their ids expire. */
  private readonly ended = new Map<string, number>();

  constructor(private readonly d: SessionDeps) {}

  /** A client's initialize: upstream sessions opened, the sealed id issued with the SDK's answer. */
  async initialize(
    request: Request,
    message: Record<string, unknown>,
    client: string | undefined,
    config: McpGatewayConfig,
  ): Promise<Response> {
    const params = isObj(message.params) ? message.params : {};
    const caps = isObj(params.capabilities) ? params.capabilities : {};
    const pv =
      typeof params.protocolVersion === 'string' ? params.protocolVersion.slice(0, MAX_VERSION_CHARS) : '';
    const base = {
      sid: crypto.randomBytes(16).toString('base64url'),
      pv,
      client,
      sampling: isObj(caps.sampling),
      elicitation: isObj(caps.elicitation),
      exp: Math.floor(Date.now() / 1000) + config.sessions.ttlSeconds,
    };
    const holder: Holder = {};
    const upstreams = this.upstreamsFor({ ...base, up: {} }, holder);
    const claims: SessionClaims = { ...base, up: await upstreams.openAll() };
    const token = this.d.sealer().seal(claims);
    const live = await this.start(claims, token, upstreams, holder, config);
    const res = await live.transport.handleRequest(request, { parsedBody: message });
    if (res.status !== 200) {
      // The SDK refused the handshake: nothing to keep, and the upstream sessions end now.
      this.live.delete(claims.sid);
      void this.dispose(live, true);
    }
    return res;
  }

  /** A request carrying a session id: served by its session (rebuilt if need be), or 404. */
  async serve(
    request: Request,
    parsedBody: unknown,
    token: string,
    client: string | undefined,
    config: McpGatewayConfig,
  ): Promise<Response> {
    const claims = this.d.sealer().open(token);
    // Forged, altered, sealed with another key, expired, ended, or another caller's: all 404.
    if (!claims || this.ended.has(claims.sid) || claims.client !== client) {
      this.d.debug({ valid: claims !== undefined }, 'MCP session id refused');
      return notFound();
    }
    let live = this.live.get(claims.sid);
    if (live) {
      this.live.delete(claims.sid);
      this.live.set(claims.sid, live);
    } else {
      let p = this.rebuilding.get(claims.sid);
      if (!p) {
        p = this.rebuild(claims, token, config).finally(() => this.rebuilding.delete(claims.sid));
        this.rebuilding.set(claims.sid, p);
      }
      live = await p;
    }
    return live.transport.handleRequest(request, parsedBody === undefined ? {} : { parsedBody });
  }

  /** A list change from a server the sessions reach through the shared pool (2026-07-28 servers). */
  broadcast(kind: ListChangedKind): void {
    for (const l of this.live.values()) void sendListChanged(l.server, kind);
  }

  async close(): Promise<void> {
    const all = [...this.live.values()];
    this.live.clear();
    await Promise.all(all.map((l) => this.dispose(l, false)));
  }

  private upstreamsFor(claims: SessionClaims, holder: Holder): SessionUpstreams {
    return new SessionUpstreams({
      pool: this.d.pool,
      servers: this.d.servers,
      sampling: claims.sampling,
      elicitation: claims.elicitation,
      refs: claims.up,
      // Only this session's own upstream sessions: the change goes to this client alone.
      onListChanged: (kind) => {
        if (holder.server) void sendListChanged(holder.server, kind);
      },
      onResourceUpdated: (server, uri) => this.sendUpdated(holder, server, uri),
      // Server requests and log messages outside a call: on the client's GET stream.
      outOfCall: {
        notify: async (n) => {
          await holder.server?.notification(n).catch(() => undefined);
        },
        sample: async (p) => {
          if (!holder.server) throw new Error('session closed');
          return await holder.server.createMessage(p);
        },
        elicit: async (p) => {
          if (!holder.server) throw new Error('session closed');
          return holder.server.elicitInput(p);
        },
      },
    });
  }

  private async start(
    claims: SessionClaims,
    token: string,
    upstreams: SessionUpstreams,
    holder: Holder,
    config: McpGatewayConfig,
  ): Promise<Live> {
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => token,
      onsessionclosed: () => void this.end(claims),
    });
    const subscriptions = new SessionSubscriptions(this.d.shared, this.d.pool, (server, uri) =>
      this.sendUpdated(holder, server, uri),
    );
    const subscribe = await this.d.pool.anySubscribable();
    const relay = { sampling: claims.sampling, elicitation: claims.elicitation };
    const server = this.d.build(upstreams, relay, { subscribe, subscriptions });
    holder.server = server;
    await server.connect(transport);
    const live: Live = { claims, transport, server, upstreams, subscriptions };
    this.live.set(claims.sid, live);
    this.evict(config.sessions.maxSessions);
    return live;
  }

  /** The session again from its id: its transport initialized as the client once did. */
  private async rebuild(claims: SessionClaims, token: string, config: McpGatewayConfig): Promise<Live> {
    const holder: Holder = {};
    const live = await this.start(claims, token, this.upstreamsFor(claims, holder), holder, config);
    const init = {
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: claims.pv,
        capabilities: {
          ...(claims.sampling ? { sampling: {} } : {}),
          ...(claims.elicitation ? { elicitation: {} } : {}),
        },
        clientInfo: { name: 'resumed-session', version: '0' },
      },
    };
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const r = await live.transport.handleRequest(
      new Request('http://gateway/', { method: 'POST', headers, body: JSON.stringify(init) }),
      { parsedBody: init },
    );
    await r.text();
    const pv = r.headers.get('mcp-protocol-version') ?? claims.pv;
    const done = { jsonrpc: '2.0', method: 'notifications/initialized' };
    const r2 = await live.transport.handleRequest(
      new Request('http://gateway/', {
        method: 'POST',
        headers: { ...headers, 'mcp-session-id': token, 'mcp-protocol-version': pv },
        body: JSON.stringify(done),
      }),
      { parsedBody: done },
    );
    await r2.text();
    // The upstream sessions now (not on first use), so their GET streams are open again.
    await live.upstreams.resumeAll();
    return live;
  }

  /** A subscribed resource changed: the client is told on its GET stream, with the URI it knows. */
  private sendUpdated(holder: Holder, server: string, uri: string): void {
    void holder.server?.sendResourceUpdated({ uri: this.d.showUri(server, uri) }).catch(() => undefined);
  }

  /** Least recently used sessions closed (their ids still work: they are rebuilt on use). */
  private evict(max: number): void {
    while (this.live.size > max) {
      const [sid, l] = this.live.entries().next().value as [string, Live];
      this.live.delete(sid);
      void this.dispose(l, false);
    }
    const now = Date.now();
    for (const [sid, exp] of this.ended) if (exp <= now) this.ended.delete(sid);
    // Bounded too: past this many, the oldest refusals go (their ids expire anyway).
    while (this.ended.size > max) this.ended.delete(this.ended.keys().next().value as string);
  }

  /** The client's DELETE: upstream sessions ended, the id refused from now on. */
  private async end(claims: SessionClaims): Promise<void> {
    this.ended.set(claims.sid, claims.exp * 1000);
    const l = this.live.get(claims.sid);
    this.live.delete(claims.sid);
    if (l) await this.dispose(l, true);
  }

  private async dispose(l: Live, terminate: boolean): Promise<void> {
    await l.subscriptions.close();
    await (terminate ? l.upstreams.terminate() : l.upstreams.close());
    await l.server.close().catch(() => undefined);
  }
}

function sendListChanged(server: Server, kind: ListChangedKind): Promise<void> {
  const p =
    kind === 'tools'
      ? server.sendToolListChanged()
      : kind === 'prompts'
        ? server.sendPromptListChanged()
        : server.sendResourceListChanged();
  return p.catch(() => undefined);
}

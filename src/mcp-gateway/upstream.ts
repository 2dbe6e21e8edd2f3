/**
 * Connections from the gateway to its upstream MCP servers. The pool holds one shared official v2
 * client per server, connected with version negotiation (2026-07-28 stateless, or the 2025
 * handshake with a session of its own), used by stateless clients and, for 2026-07-28 servers, by
 * everyone. A 2025 session client gets sessions of its own on 2025 servers (session-upstreams.ts),
 * made here by openClient. Calls go straight from this process (fetch verifies TLS against Node's
 * CAs). The gateway's credentials are set here; a client's own headers pass only when the server's
 * config names them (forwardHeaders).
 *
 * Notifications and server requests a server sends while answering a call reach the call that
 * caused them through AsyncLocalStorage: the client reads a POST's SSE answer inside that call's
 * context. List-changed notifications go to `onListChanged` (relayed to every client), resource
 * updates to `onResourceUpdated`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  Client,
  ProtocolError,
  SdkHttpError,
  StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client';
import type {
  ClientCapabilities,
  CreateMessageRequest,
  CreateMessageResult,
  ElicitRequest,
  ElicitResult,
  FetchLike,
  Notification,
  Transport,
} from '@modelcontextprotocol/client';
import type { McpUpstreamServer } from '../config/standalone/mcp-gateway.js';
import { openStdioTransport } from './stdio-upstream.js';

/** What one downstream request lends the upstream calls it makes. */
export interface CallContext {
  /** Client headers (lower case) a server may receive (its forwardHeaders pick from these). */
  readonly headers: ReadonlyMap<string, string>;
  /** Relays a server notification to the downstream client (undefined: nowhere to send it). */
  readonly notify: ((n: Notification) => Promise<void>) | undefined;
  /** Relays a server's sampling request to the downstream client (session clients that declared it). */
  readonly sample?: (params: CreateMessageRequest['params']) => Promise<CreateMessageResult>;
  /** Relays a server's elicitation request (session clients that declared it). */
  readonly elicit?: (params: ElicitRequest['params']) => Promise<ElicitResult>;
}

export type ListChangedKind = 'tools' | 'prompts' | 'resources';

const context = new AsyncLocalStorage<CallContext>();

export const GATEWAY_CLIENT_INFO = { name: 'ai-extproc-mcp-gateway', version: '0.1.0' } as const;

/** A 2026-07-28 (or later) protocol version: stateless, no session to keep. */
export const isModern = (version: string | undefined): boolean => version !== undefined && version >= '2026';

const LIST_CHANGED: Readonly<Record<string, ListChangedKind>> = {
  'notifications/tools/list_changed': 'tools',
  'notifications/prompts/list_changed': 'prompts',
  'notifications/resources/list_changed': 'resources',
};

const UNDECLARED: Readonly<Record<string, string>> = {
  'sampling/createMessage': 'sampling',
  'elicitation/create': 'elicitation',
  'roots/list': 'roots',
};

export interface OpenOptions {
  /** Capabilities the gateway declares (a session client's sampling and elicitation). */
  readonly capabilities: ClientCapabilities;
  /** 'auto': negotiate; 'legacy': the 2025 handshake (a known 2025 server). */
  readonly mode: 'auto' | 'legacy';
  /** An upstream session to continue instead of a handshake. */
  readonly resume?: { readonly id: string; readonly pv: string };
  readonly onListChanged: (kind: ListChangedKind) => void;
  /** A subscribed resource changed (`notifications/resources/updated`, the server's own URI). */
  readonly onResourceUpdated?: (uri: string) => void;
  /**
   * Where server requests and log messages go when they arrive outside a call (a server may send
   * them on its standalone GET stream): a session's own server, toward the client's GET stream.
   */
  readonly outOfCall?: Pick<CallContext, 'notify' | 'sample' | 'elicit'>;
}

export interface OpenClient {
  readonly client: Client;
  readonly transport: Transport;
  /** The server's session id (2025 HTTP servers), for the client's sealed session id. */
  readonly sessionId: string | undefined;
  readonly protocolVersion: string | undefined;
}

function httpTransport(s: McpUpstreamServer & { url: URL }, resume: OpenOptions['resume']) {
  const own = new Map(s.headers);
  const forwarded = s.forwardHeaders;
  const fetchWith: FetchLike = (url, init) => {
    const headers = new Headers(init?.headers);
    const ctx = context.getStore();
    if (ctx)
      for (const h of forwarded) {
        const v = ctx.headers.get(h);
        if (v !== undefined) headers.set(h, v);
      }
    // The gateway's own credentials last: a forwarded header never replaces them.
    for (const [k, v] of own) headers.set(k, v);
    return fetch(url, { ...init, headers });
  };
  return new StreamableHTTPClientTransport(s.url, {
    fetch: fetchWith,
    redirectPolicy: 'same-origin',
    ...(resume ? { sessionId: resume.id, protocolVersion: resume.pv } : {}),
  });
}

/** A connected client to one server (throws when it cannot connect in the server's timeout). */
export async function openClient(s: McpUpstreamServer, o: OpenOptions): Promise<OpenClient> {
  const client = new Client(GATEWAY_CLIENT_INFO, {
    versionNegotiation: { mode: o.mode },
    capabilities: o.capabilities,
  });
  // Log messages for the call in progress go to its caller (progress goes through onprogress).
  const relayOf = () => context.getStore() ?? o.outOfCall;
  client.setNotificationHandler('notifications/message', async (n) => {
    await relayOf()?.notify?.(n);
  });
  for (const [method, kind] of Object.entries(LIST_CHANGED))
    client.setNotificationHandler(method as 'notifications/tools/list_changed', () => o.onListChanged(kind));
  client.setNotificationHandler('notifications/resources/updated', (n) =>
    o.onResourceUpdated?.(n.params.uri),
  );
  if (o.capabilities.sampling)
    client.setRequestHandler('sampling/createMessage', async (req) => {
      const relay = relayOf()?.sample;
      if (!relay) throw new ProtocolError(-32601, 'No client call to relay sampling to');
      return await relay(req.params);
    });
  if (o.capabilities.elicitation)
    client.setRequestHandler('elicitation/create', async (req) => {
      const relay = relayOf()?.elicit;
      if (!relay) throw new ProtocolError(-32601, 'No client call to relay elicitation to');
      return relay(req.params);
    });
  // A server that asks what the client did not declare gets a plain reason, not just "not found".
  client.fallbackRequestHandler = (req) => {
    const what = UNDECLARED[req.method];
    throw new ProtocolError(
      -32601,
      what ? `The client behind the MCP gateway did not declare the ${what} capability` : 'Method not found',
    );
  };
  const transport = s.url
    ? httpTransport(s as McpUpstreamServer & { url: URL }, o.resume)
    : openStdioTransport(s);
  try {
    await client.connect(transport, {
      timeout: s.timeoutMs,
      ...(o.resume ? { prior: { kind: 'legacy' } as const } : {}),
    });
  } catch (err) {
    await client.close().catch(() => undefined);
    throw err;
  }
  if (o.resume && transport instanceof StreamableHTTPClientTransport)
    await reopenGetStream(client, transport, s.timeoutMs);
  const pv = o.resume?.pv ?? client.getNegotiatedProtocolVersion();
  if (isModern(pv)) {
    // 2026-07-28: list changes come on a subscriptions/listen stream (2025: on the session's GET stream).
    await client
      .listen({ toolsListChanged: true, promptsListChanged: true, resourcesListChanged: true })
      .catch(() => undefined);
  }
  const sid = transport instanceof StreamableHTTPClientTransport ? transport.sessionId : undefined;
  return { client, transport, sessionId: sid, protocolVersion: pv };
}

/** The server forgot the upstream session we resumed (its GET answered 404). */
export class UpstreamSessionGone extends Error {}

/**
 * A resumed session's standalone GET stream, which the SDK opens only after sending
 * `notifications/initialized` (a resume sends none). `resumeStream` with no event id is the same
 * GET the SDK sends then (no Last-Event-ID), with the same headers, auth and reconnection. It runs
 * outside any call's context, so what the server sends on it goes to the session, not to the call
 * that happened to resume it. 405 (no GET stream on that server): nothing to reopen. 409 (the
 * server still holds the stream of the process before us): tried again, 0.1 s then doubling. All
 * within `timeoutMs` (the stream is open once its answer's headers are in).
 */
async function reopenGetStream(client: Client, t: StreamableHTTPClientTransport, timeoutMs: number) {
  const until = Date.now() + timeoutMs;
  for (let wait = 100; ; wait *= 2) {
    const status = await openGetOnce(t, until - Date.now());
    if (status === 404) {
      await client.close().catch(() => undefined);
      throw new UpstreamSessionGone('upstream session not found');
    }
    // Anything else (open, 405, down, 5xx): calls still work; the SDK does no more for a new session.
    if (status !== 409 || Date.now() + wait >= until) return;
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/** One GET: 200 when open (or still opening at `ms`), else the failing HTTP status (0: no answer). */
async function openGetOnce(t: StreamableHTTPClientTransport, ms: number): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<number>((resolve) => (timer = setTimeout(() => resolve(200), ms)));
  try {
    const opened = context.exit(() => t.resumeStream('')).then(() => 200);
    return await Promise.race([opened, bound]);
  } catch (err) {
    return err instanceof SdkHttpError ? err.status : 0;
  } finally {
    clearTimeout(timer);
  }
}

/** Restart backoff: the first retry at once, then 0.5 s doubling to 30 s while it keeps failing. */
export const BACKOFF_FIRST_MS = 500;
export const BACKOFF_MAX_MS = 30_000;

/** A connection that lasted this long was healthy: its loss restarts the backoff from the start. */
const STABLE_MS = 10_000;

export function backoffMs(failures: number): number {
  return failures <= 1 ? 0 : Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** (failures - 2));
}

class Upstream {
  private open: Promise<OpenClient> | undefined;
  /** Failures (connect failures and lost connections) since the last good connect. */
  private failures = 0;
  private notBefore = 0;
  private restart: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    readonly server: McpUpstreamServer,
    private readonly onListChanged: (server: string, kind: ListChangedKind) => void,
    private readonly onResourceUpdated: (server: string, uri: string) => void,
  ) {}

  /** What the server said of subscriptions when last connected (undefined: never connected). */
  private subscribe: boolean | undefined;

  /**
   * Whether the server supports resource subscriptions: as it said when last connected (a server
   * never connected yet is waited for, as far as a connect in progress goes; none: false).
   */
  async subscribable(): Promise<boolean> {
    if (this.subscribe !== undefined) return this.subscribe;
    await this.open?.catch(() => undefined);
    return this.subscribe ?? false;
  }

  /** The connected client (a failed connect is forgotten, so a later call tries again, after the backoff). */
  connect(): Promise<OpenClient> {
    if (this.open) return this.open;
    if (Date.now() < this.notBefore)
      return Promise.reject(new Error(`MCP server ${this.server.name} is being restarted`));
    const p = openClient(this.server, {
      capabilities: {},
      mode: 'auto',
      onListChanged: (kind) => this.onListChanged(this.server.name, kind),
      onResourceUpdated: (uri) => this.onResourceUpdated(this.server.name, uri),
    });
    this.open = p;
    p.then(
      (o) => {
        this.subscribe = o.client.getServerCapabilities()?.resources?.subscribe === true;
        const up = Date.now();
        o.client.onclose = () => {
          if (this.open !== p) return;
          this.open = undefined;
          // A connection that lived a while starts the count again (one that dies at once does not).
          if (Date.now() - up > STABLE_MS) this.failures = 0;
          this.failed();
        };
      },
      () => {
        if (this.open !== p) return;
        this.open = undefined;
        this.failed();
      },
    );
    return p;
  }

  /** Counts a failure; a server we start (stdio) is started again after the backoff. */
  private failed(): void {
    this.failures++;
    const wait = backoffMs(this.failures);
    this.notBefore = Date.now() + wait;
    if (this.server.stdio && !this.closed && !this.restart) {
      this.restart = setTimeout(() => {
        this.restart = undefined;
        if (!this.closed) this.connect().catch(() => undefined);
      }, wait);
      this.restart.unref();
    }
  }

  /** Drops the connection (after a transport failure: the next call reconnects). */
  async reset(): Promise<void> {
    const p = this.open;
    this.open = undefined;
    const c = await p?.catch(() => undefined);
    await c?.client.close().catch(() => undefined);
  }

  /** For good (config change, shutdown): no restart. */
  async dispose(): Promise<void> {
    this.closed = true;
    clearTimeout(this.restart);
    await this.reset();
  }
}

export class UpstreamPool {
  private readonly byName = new Map<string, Upstream>();
  /** Set by the gateway: where list-changed notifications from the shared clients go. */
  onListChanged: (server: string, kind: ListChangedKind, modern: boolean) => void = () => undefined;
  /** Set by the gateway: resource updates heard by the shared clients (server's own URI). */
  onResourceUpdated: (server: string, uri: string) => void = () => undefined;

  /** Follows the config: a server whose URL or credentials changed gets a new connection. */
  sync(servers: readonly McpUpstreamServer[]): void {
    const keep = new Set<string>();
    for (const s of servers) {
      keep.add(s.name);
      const u = this.byName.get(s.name);
      if (u?.server.fingerprint === s.fingerprint) continue;
      void u?.dispose();
      const fresh = new Upstream(
        s,
        (name, kind) => {
          void this.era(name).then((era) => this.onListChanged(name, kind, era === 'modern'));
        },
        (name, uri) => this.onResourceUpdated(name, uri),
      );
      this.byName.set(s.name, fresh);
      // Connected now, so list changes are heard before the first call (failures retried on use).
      fresh.connect().catch(() => undefined);
    }
    for (const [name, u] of this.byName)
      if (!keep.has(name)) {
        void u.dispose();
        this.byName.delete(name);
      }
  }

  /** The protocol generation the shared client speaks with `server` (connecting if need be). */
  async era(server: string): Promise<'modern' | 'legacy'> {
    const u = this.byName.get(server);
    if (!u) throw new Error(`unknown MCP server ${server}`);
    const o = await u.connect();
    return isModern(o.protocolVersion) ? 'modern' : 'legacy';
  }

  /** Whether `server` supports resource subscriptions, as far as its shared connection tells. */
  async subscribable(server: string): Promise<boolean> {
    return (await this.byName.get(server)?.subscribable()) ?? false;
  }

  /** Whether any server does (what the gateway advertises). */
  async anySubscribable(): Promise<boolean> {
    const each = await Promise.all([...this.byName.values()].map((u) => u.subscribable()));
    return each.includes(true);
  }

  /**
   * A subscription to one resource on the shared client of `server`: `resources/subscribe` on a
   * 2025 server, a `subscriptions/listen` stream for that URI on a 2026-07-28 server. Its updates
   * go to onResourceUpdated; the returned function ends it. It lasts as long as the connection.
   */
  async subscribeShared(server: string, uri: string, timeout: number): Promise<() => Promise<void>> {
    const u = this.byName.get(server);
    if (!u) throw new Error(`unknown MCP server ${server}`);
    const { client, protocolVersion } = await u.connect();
    if (isModern(protocolVersion)) {
      const sub = await client.listen({ resourceSubscriptions: [uri] }, { timeout });
      if (!sub.honoredFilter.resourceSubscriptions?.includes(uri)) {
        await sub.close();
        throw new ProtocolError(-32601, `MCP server ${server} does not support resource subscriptions`);
      }
      return () => sub.close();
    }
    await client.subscribeResource({ uri }, { timeout });
    return async () => {
      await client.unsubscribeResource({ uri }, { timeout }).catch(() => undefined);
    };
  }

  /** Runs `fn` with the shared client of `server`, in the downstream request's context. */
  async with<T>(server: string, ctx: CallContext, fn: (c: Client) => Promise<T>): Promise<T> {
    const u = this.byName.get(server);
    if (!u) throw new Error(`unknown MCP server ${server}`);
    return withClient(
      ctx,
      () => u.connect().then((o) => o.client),
      fn,
      () => u.reset(),
    );
  }

  async close(): Promise<void> {
    await Promise.all([...this.byName.values()].map((u) => u.dispose()));
    this.byName.clear();
  }
}

/** Runs `fn` in the call's context; a failure that is not a JSON-RPC answer drops the connection. */
export function withClient<T>(
  ctx: CallContext,
  connect: () => Promise<Client>,
  fn: (c: Client) => Promise<T>,
  reset: () => Promise<void>,
): Promise<T> {
  return context.run(ctx, async () => {
    const c = await connect();
    try {
      return await fn(c);
    } catch (err) {
      if (!isRpcError(err)) await reset();
      throw err;
    }
  });
}

/** A JSON-RPC error answer (the server spoke), as opposed to a transport or timeout failure. */
export function isRpcError(err: unknown): err is ProtocolError {
  return err instanceof ProtocolError;
}

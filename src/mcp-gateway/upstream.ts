/**
 * Connections from the gateway to its upstream MCP servers: one official v2 client per server,
 * connected on first use with version negotiation (2026-07-28 stateless, or the 2025 handshake with
 * a session the gateway keeps), reconnected after a failure. Calls go straight from this process
 * (fetch verifies TLS against Node's CAs). The gateway's credentials are set here; a client's own
 * headers pass only when the server's config names them (forwardHeaders).
 *
 * Notifications a server sends while answering a call (log messages) reach the call that caused
 * them through AsyncLocalStorage: the client reads a POST's SSE answer inside that call's context.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Client, ProtocolError, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { FetchLike, Notification } from '@modelcontextprotocol/client';
import type { McpUpstreamServer } from '../config/standalone/mcp-gateway.js';

/** What one downstream request lends the upstream calls it makes. */
export interface CallContext {
  /** Client headers (lower case) a server may receive (its forwardHeaders pick from these). */
  readonly headers: ReadonlyMap<string, string>;
  /** Relays a server notification to the downstream client (undefined: nowhere to send it). */
  readonly notify: ((n: Notification) => Promise<void>) | undefined;
}

const context = new AsyncLocalStorage<CallContext>();

export const GATEWAY_CLIENT_INFO = { name: 'ai-extproc-mcp-gateway', version: '0.1.0' } as const;

class Upstream {
  private client: Promise<Client> | undefined;

  constructor(readonly server: McpUpstreamServer) {}

  /** The connected client (a failed connect is forgotten, so the next call tries again). */
  connect(): Promise<Client> {
    if (this.client) return this.client;
    const s = this.server;
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
    const client = new Client(GATEWAY_CLIENT_INFO, {
      versionNegotiation: { mode: 'auto' },
      capabilities: {},
    });
    // Log messages for the call in progress go to its caller (the only related notification
    // besides progress, which the call's onprogress relays).
    client.setNotificationHandler('notifications/message', async (n) => {
      await context.getStore()?.notify?.(n);
    });
    const transport = new StreamableHTTPClientTransport(s.url, {
      fetch: fetchWith,
      redirectPolicy: 'same-origin',
    });
    const p = client
      .connect(transport, { timeout: s.timeoutMs })
      .then(() => client)
      .catch(async (err: unknown) => {
        if (this.client === p) this.client = undefined;
        await client.close().catch(() => undefined);
        throw err;
      });
    client.onclose = () => {
      if (this.client === p) this.client = undefined;
    };
    this.client = p;
    return p;
  }

  /** Drops the connection (after a transport failure: the next call reconnects). */
  async reset(): Promise<void> {
    const p = this.client;
    this.client = undefined;
    const c = await p?.catch(() => undefined);
    await c?.close().catch(() => undefined);
  }
}

export class UpstreamPool {
  private readonly byName = new Map<string, Upstream>();

  /** Follows the config: a server whose URL or credentials changed gets a new connection. */
  sync(servers: readonly McpUpstreamServer[]): void {
    const keep = new Set<string>();
    for (const s of servers) {
      keep.add(s.name);
      const u = this.byName.get(s.name);
      if (u?.server.fingerprint === s.fingerprint) continue;
      void u?.reset();
      this.byName.set(s.name, new Upstream(s));
    }
    for (const [name, u] of this.byName)
      if (!keep.has(name)) {
        void u.reset();
        this.byName.delete(name);
      }
  }

  /** Runs `fn` with a connected client of `server`, in the downstream request's context. */
  async with<T>(server: string, ctx: CallContext, fn: (c: Client) => Promise<T>): Promise<T> {
    const u = this.byName.get(server);
    if (!u) throw new Error(`unknown MCP server ${server}`);
    return context.run(ctx, async () => {
      const c = await u.connect();
      try {
        return await fn(c);
      } catch (err) {
        // A JSON-RPC error is the server's answer; anything else may be a dead connection.
        if (!isRpcError(err)) await u.reset();
        throw err;
      }
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.byName.values()].map((u) => u.reset()));
    this.byName.clear();
  }
}

/** A JSON-RPC error answer (the server spoke), as opposed to a transport or timeout failure. */
export function isRpcError(err: unknown): err is ProtocolError {
  return err instanceof ProtocolError;
}

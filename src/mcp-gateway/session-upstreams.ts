/**
 * A 2025 session client's own sessions on the upstream servers that speak 2025 (a 2026-07-28
 * server is stateless: its calls go through the shared pool). Each is opened with the capabilities
 * the client declared (sampling, elicitation), so a server asks only what the client can answer,
 * and its list-changed notifications reach this session alone. Opened at the client's initialize
 * (their ids go into the sealed session id), or resumed from that id after a restart or eviction:
 * a resumed session the server no longer knows is replaced by a new one, once, transparently.
 * Resumed sessions reopen their GET stream to the server (upstream.ts), so what the server sends
 * there (list changes, resource updates) is heard again.
 */
import type { Client } from '@modelcontextprotocol/client';
import type { McpUpstreamServer } from '../config/standalone/mcp-gateway.js';
import type { Upstreams } from './federation-server.js';
import { MAX_UPSTREAM_ID_CHARS } from './session-token.js';
import type { UpstreamSessionRef } from './session-token.js';
import type { CallContext, ListChangedKind, OpenClient, OpenOptions, UpstreamPool } from './upstream.js';
import { UpstreamSessionGone, isRpcError, openClient, withClient } from './upstream.js';

interface Own {
  readonly server: McpUpstreamServer;
  open: Promise<OpenClient> | undefined;
  /** The upstream session to continue on first use (cleared once it failed). */
  resume: UpstreamSessionRef | undefined;
}

export interface SessionUpstreamsOptions {
  readonly pool: UpstreamPool;
  /** The live config's servers. */
  readonly servers: () => readonly McpUpstreamServer[];
  readonly sampling: boolean;
  readonly elicitation: boolean;
  readonly refs: Readonly<Record<string, UpstreamSessionRef>>;
  readonly onListChanged: (kind: ListChangedKind) => void;
  /** A resource this session subscribed to changed on `server` (the server's own URI). */
  readonly onResourceUpdated: (server: string, uri: string) => void;
  readonly outOfCall: NonNullable<OpenOptions['outOfCall']>;
}

export class SessionUpstreams implements Upstreams {
  private readonly own = new Map<string, Own>();

  constructor(private readonly o: SessionUpstreamsOptions) {
    for (const [name, ref] of Object.entries(o.refs)) {
      const server = o.servers().find((s) => s.name === name);
      if (server) this.own.set(name, { server, open: undefined, resume: ref });
    }
  }

  /** Opens a session on every 2025 server now (a server that is down is left for later use). */
  async openAll(): Promise<Record<string, UpstreamSessionRef>> {
    const refs: Record<string, UpstreamSessionRef> = {};
    await Promise.all(
      this.o.servers().map(async (s) => {
        try {
          if ((await this.o.pool.era(s.name)) === 'modern') return;
          const entry = this.entry(s);
          const c = await this.connect(entry);
          if (c.sessionId && c.protocolVersion && c.sessionId.length <= MAX_UPSTREAM_ID_CHARS)
            refs[s.name] = { id: c.sessionId, pv: c.protocolVersion };
        } catch {
          // Down now: its session is opened on first use (held in memory only).
        }
      }),
    );
    return refs;
  }

  /**
   * Resumes every upstream session the id names now (a rebuilt session), so their GET streams are
   * open before the client's own requests are served; a server that is down is left for later use.
   */
  async resumeAll(): Promise<void> {
    await Promise.all([...this.own.values()].map((e) => this.connect(e).catch(() => undefined)));
  }

  private entry(server: McpUpstreamServer): Own {
    let e = this.own.get(server.name);
    if (e && e.server.fingerprint !== server.fingerprint) {
      void this.drop(e);
      e = undefined;
    }
    if (!e) {
      e = { server, open: undefined, resume: undefined };
      this.own.set(server.name, e);
    }
    return e;
  }

  private connect(e: Own): Promise<OpenClient> {
    if (e.open) return e.open;
    const p = this.openOwn(e).catch((err: unknown) => {
      if (!(err instanceof UpstreamSessionGone)) throw err;
      // The server forgot the session we resumed: a new one (with its own GET stream).
      e.resume = undefined;
      return this.openOwn(e);
    });
    e.open = p;
    p.catch(() => {
      if (e.open === p) e.open = undefined;
    });
    return p;
  }

  private openOwn(e: Own): Promise<OpenClient> {
    return openClient(e.server, {
      capabilities: {
        ...(this.o.sampling ? { sampling: {} } : {}),
        ...(this.o.elicitation ? { elicitation: {} } : {}),
      },
      mode: 'legacy',
      ...(e.resume ? { resume: e.resume } : {}),
      onListChanged: this.o.onListChanged,
      onResourceUpdated: (uri) => this.o.onResourceUpdated(e.server.name, uri),
      outOfCall: this.o.outOfCall,
    });
  }

  private async drop(e: Own): Promise<void> {
    const p = e.open;
    e.open = undefined;
    const c = await p?.catch(() => undefined);
    await c?.client.close().catch(() => undefined);
  }

  async with<T>(server: string, ctx: CallContext, fn: (c: Client) => Promise<T>): Promise<T> {
    const s = this.o.servers().find((x) => x.name === server);
    if (!s) throw new Error(`unknown MCP server ${server}`);
    if (!this.own.has(server) && (await this.o.pool.era(server)) === 'modern')
      return this.o.pool.with(server, ctx, fn);
    const e = this.entry(s);
    const resumed = e.resume !== undefined;
    try {
      return await withClient(
        ctx,
        () => this.connect(e).then((o) => o.client),
        fn,
        () => this.drop(e),
      );
    } catch (err) {
      if (!resumed || isRpcError(err)) throw err;
      // The server forgot the session we resumed: a new one, and the call once more.
      e.resume = undefined;
      return withClient(
        ctx,
        () => this.connect(e).then((o) => o.client),
        fn,
        () => this.drop(e),
      );
    }
  }

  /** Ends the upstream sessions (the client's DELETE): each server is told, then the clients close. */
  async terminate(): Promise<void> {
    await Promise.all(
      [...this.own.values()].map(async (e) => {
        const c = await (e.open ?? (e.resume ? this.connect(e) : undefined))?.catch(() => undefined);
        const t = c?.transport as { terminateSession?: () => Promise<void> } | undefined;
        await t?.terminateSession?.().catch(() => undefined);
        await this.drop(e);
      }),
    );
    this.own.clear();
  }

  /** Closes the connections and keeps the upstream sessions (resumable from the session id). */
  async close(): Promise<void> {
    await Promise.all([...this.own.values()].map((e) => this.drop(e)));
  }
}

/**
 * Resource subscriptions through the gateway. A 2025 session subscribes to a 2025 server on its own
 * upstream session (`resources/subscribe`; the server's updates come back on that session's GET
 * stream). Everything else shares one upstream subscription per (server, URI), counted by its
 * holders: a 2025 session's subscription to a 2026-07-28 server (reached through the shared
 * stateless client) and a 2026-07-28 client's `subscriptions/listen` stream naming the URI. The
 * shared subscription is opened by the first holder and ended when the last one lets go.
 */
import type { Client } from '@modelcontextprotocol/client';
import { ProtocolError } from '@modelcontextprotocol/client';
import type { UpstreamPool } from './upstream.js';
import { isModern } from './upstream.js';

/** Where an update goes; holders with the same `updated` are told once per update. */
export interface UpdateSink {
  readonly updated: (server: string, uri: string) => void;
}

/** Subscriptions a session may hold through the shared clients (bounds its memory). */
export const MAX_SHARED_PER_HOLDER = 1000;

interface Shared {
  readonly sinks: Set<UpdateSink>;
  /** Resolves to the function that ends the upstream subscription. */
  readonly opened: Promise<() => Promise<void>>;
}

const keyOf = (server: string, uri: string) => `${server}\n${uri}`;

export class SharedSubscriptions {
  private readonly byKey = new Map<string, Shared>();

  constructor(private readonly pool: UpstreamPool) {}

  /** An update heard by a shared client: to every holder of that subscription. */
  dispatch(server: string, uri: string): void {
    const s = this.byKey.get(keyOf(server, uri));
    if (!s) return;
    for (const updated of new Set([...s.sinks].map((k) => k.updated))) updated(server, uri);
  }

  /** Holds the subscription to `uri` on `server` for `sink` (opened upstream by the first holder). */
  async acquire(server: string, uri: string, sink: UpdateSink, timeout: number): Promise<void> {
    const key = keyOf(server, uri);
    let s = this.byKey.get(key);
    if (!s) {
      const fresh: Shared = { sinks: new Set(), opened: this.pool.subscribeShared(server, uri, timeout) };
      fresh.opened.catch(() => {
        if (this.byKey.get(key) === fresh) this.byKey.delete(key);
      });
      this.byKey.set(key, fresh);
      s = fresh;
    }
    s.sinks.add(sink);
    try {
      await s.opened;
    } catch (err) {
      s.sinks.delete(sink);
      throw err;
    }
  }

  /** Lets go of it; the last holder ends the upstream subscription. */
  async release(server: string, uri: string, sink: UpdateSink): Promise<void> {
    const key = keyOf(server, uri);
    const s = this.byKey.get(key);
    if (!s || !s.sinks.delete(sink) || s.sinks.size > 0) return;
    this.byKey.delete(key);
    const end = await s.opened.catch(() => undefined);
    await end?.().catch(() => undefined);
  }
}

/** One 2025 session's subscriptions (what resources/subscribe and unsubscribe do for it). */
export class SessionSubscriptions {
  private readonly shared = new Map<string, { server: string; uri: string }>();
  private readonly sink: UpdateSink;

  constructor(
    private readonly registry: SharedSubscriptions,
    private readonly pool: UpstreamPool,
    updated: (server: string, uri: string) => void,
  ) {
    this.sink = { updated };
  }

  /** Whether `server` supports subscriptions (as its shared connection says). */
  supports(server: string): Promise<boolean> {
    return this.pool.subscribable(server);
  }

  /** `c` is the client the session reaches `server` with: its own 2025 session, or the shared one. */
  async subscribe(server: string, uri: string, c: Client, timeout: number): Promise<void> {
    if (!isModern(c.getNegotiatedProtocolVersion())) {
      await c.subscribeResource({ uri }, { timeout });
      return;
    }
    const key = keyOf(server, uri);
    if (this.shared.has(key)) return;
    if (this.shared.size >= MAX_SHARED_PER_HOLDER)
      throw new ProtocolError(-32603, 'Too many resource subscriptions in this session');
    await this.registry.acquire(server, uri, this.sink, timeout);
    this.shared.set(key, { server, uri });
  }

  async unsubscribe(server: string, uri: string, c: Client, timeout: number): Promise<void> {
    if (!isModern(c.getNegotiatedProtocolVersion())) {
      await c.unsubscribeResource({ uri }, { timeout });
      return;
    }
    const key = keyOf(server, uri);
    if (this.shared.delete(key)) await this.registry.release(server, uri, this.sink);
  }

  /** The session is gone from memory: its shared subscriptions are let go. */
  async close(): Promise<void> {
    const all = [...this.shared.values()];
    this.shared.clear();
    await Promise.all(all.map((s) => this.registry.release(s.server, s.uri, this.sink)));
  }
}

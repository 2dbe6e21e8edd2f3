/**
 * Requests held for their upstream attempts (failover inside one request). The router-level
 * stream holds the canonical request under a fresh random key, which rides on the request as an
 * internal header; each attempt's stream (the upstream ext_proc filter, possibly on another
 * connection) finds it by that key and translates it for the target Envoy picked. Process-local:
 * every attempt of a request reaches the process that holds it when ai-extproc runs beside its
 * Envoy. Bounded by entries, bytes and age: a request Envoy abandoned before its response headers
 * (a cancelled client) is dropped when it expires.
 */
import { randomUUID } from 'node:crypto';
import type { CompiledFailover, FailoverTarget } from '../../config/standalone/index.js';
import type { Json } from '../stage.js';
import type { HeaderView } from '../types.js';

/** One attempt of a held request, as its upstream stream saw it. */
export interface AttemptRecord {
  readonly target: FailoverTarget;
  /** Parameters this target's provider could not take (beyond the client adapter's). */
  readonly dropped: readonly string[];
  /** The attempt's response status; undefined while waiting, or when it never answered. */
  status: number | undefined;
  /** Counted (metric, cooldown): by its response headers, or once it is known to have failed. */
  settled: boolean;
}

export interface HeldRequest {
  /** The failover cluster this request was routed to (an attempt must come from it). */
  readonly cluster: string;
  readonly route: string;
  readonly failover: CompiledFailover;
  /** The targets this request may try, in its order. */
  readonly order: readonly FailoverTarget[];
  /** The canonical request after the request stages (what every attempt is translated from). */
  readonly canonical: Json;
  readonly stream: boolean;
  /** The client's request headers (passthrough credentials are read from them per attempt). */
  readonly clientHeaders: HeaderView;
  /** Parameters the client adapter dropped. */
  readonly clientDropped: readonly string[];
  readonly decodedRequest: boolean;
  readonly estimate: number;
  /** Size charged against the store's byte bound. */
  readonly bytes: number;
  readonly attempts: AttemptRecord[];
  /** Request headers earlier attempts set for their own provider (the next one removes them). */
  readonly touched: Set<string>;
}

export interface HeldRequestsOptions {
  readonly maxEntries: number;
  readonly maxBytes: number;
  /** How long a request is held at most (Envoy's route timeout, and a margin). */
  readonly ttlMs: number;
  readonly now?: () => number;
}

export const DEFAULT_HELD_REQUESTS: HeldRequestsOptions = {
  maxEntries: 10_000,
  maxBytes: 256 * 1024 * 1024,
  ttlMs: 660_000,
};

interface Entry {
  readonly req: HeldRequest;
  readonly expiresAt: number;
}

export class HeldRequests {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private readonly now: () => number;

  constructor(private readonly opts: HeldRequestsOptions = DEFAULT_HELD_REQUESTS) {
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Holds `req`; its key, or undefined when the store is full (the request goes without retries). */
  hold(req: HeldRequest): string | undefined {
    const now = this.now();
    if (this.entries.size >= this.opts.maxEntries || this.bytes + req.bytes > this.opts.maxBytes)
      this.sweep(now);
    if (this.entries.size >= this.opts.maxEntries || this.bytes + req.bytes > this.opts.maxBytes)
      return undefined;
    // 122 random bits: an attempt (or a client) cannot guess another request's key.
    const key = randomUUID();
    this.entries.set(key, { req, expiresAt: now + this.opts.ttlMs });
    this.bytes += req.bytes;
    return key;
  }

  get(key: string): HeldRequest | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (e.expiresAt <= this.now()) {
      this.release(key);
      return undefined;
    }
    return e.req;
  }

  /** The router-level stream is past its attempts (response headers, or its end). */
  release(key: string): void {
    const e = this.entries.get(key);
    if (e === undefined) return;
    this.entries.delete(key);
    this.bytes -= e.req.bytes;
  }

  private sweep(now: number): void {
    // Insertion order is expiry order (one TTL for all): stop at the first live entry.
    for (const [key, e] of this.entries) {
      if (e.expiresAt > now) break;
      this.release(key);
    }
  }
}

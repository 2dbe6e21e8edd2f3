/**
 * The embedded budget store: counters in a Map, updated synchronously, so one reserve over many
 * counters is atomic under the event loop. A reservation is a hold with an expiry; the sum of
 * live holds plus what was settled is checked against the limit. Forgotten past its window.
 */
import type { BudgetStore, CounterHold, ReserveResult } from './types.js';
import { StoreError } from './types.js';

/** Counters kept at most (keys can come from headers): past it, reserve fails like a down store. */
export const MAX_COUNTERS = 500_000;

interface Counter {
  settled: number;
  held: number;
  /** Reservation id → amount and expiry; one TTL for all, so insertion order is expiry order. */
  readonly holds: Map<string, { amount: number; expiresAt: number }>;
  windowEndsAt: number;
}

export class MemoryBudgetStore implements BudgetStore {
  readonly kind = 'memory';
  private readonly counters = new Map<string, Counter>();
  private lastSweep = 0;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxCounters = MAX_COUNTERS,
  ) {}

  private counter(h: CounterHold, now: number): Counter {
    let c = this.counters.get(h.key);
    if (!c) {
      c = { settled: 0, held: 0, holds: new Map(), windowEndsAt: h.windowEndsAt };
      this.counters.set(h.key, c);
    }
    // Expired holds leave (a crashed or forgotten request stops blocking the budget).
    for (const [id, r] of c.holds) {
      if (r.expiresAt > now) break;
      c.holds.delete(id);
      c.held -= r.amount;
    }
    return c;
  }

  reserve(id: string, holds: readonly CounterHold[], ttlMs: number): ReserveResult {
    const now = this.now();
    this.sweep(now);
    // (The sweep above runs at most once a second: a full store costs no scan per request.)
    if (this.counters.size + holds.length > this.maxCounters)
      throw new StoreError(`memory budget store: more than ${this.maxCounters} counters`);
    const cs = holds.map((h) => this.counter(h, now));
    for (let i = 0; i < holds.length; i++) {
      const c = cs[i]!;
      const h = holds[i]!;
      if (c.settled + c.held + h.amount > h.limit)
        return { ok: false, blocked: i, used: cs.map((x) => x.settled + x.held) };
    }
    const expiresAt = now + ttlMs;
    for (let i = 0; i < holds.length; i++) {
      const c = cs[i]!;
      const amount = holds[i]!.amount;
      c.holds.set(id, { amount, expiresAt });
      c.held += amount;
    }
    return { ok: true };
  }

  settle(id: string, holds: readonly CounterHold[], actual: readonly number[]): void {
    const now = this.now();
    for (let i = 0; i < holds.length; i++) {
      const c = this.counter(holds[i]!, now);
      const r = c.holds.get(id);
      if (r) {
        c.holds.delete(id);
        c.held -= r.amount;
      }
      c.settled += actual[i] ?? 0;
    }
  }

  used(key: string): number {
    const c = this.counters.get(key);
    return c ? c.settled + c.held : 0;
  }

  /** Counters whose window is over and whose holds have all expired are dropped (at most once a second). */
  private sweep(now: number): void {
    if (now - this.lastSweep < 1000) return;
    this.lastSweep = now;
    for (const [key, c] of this.counters) {
      if (c.windowEndsAt > now) continue;
      let live = false;
      for (const r of c.holds.values()) if (r.expiresAt > now) live = true;
      if (!live) this.counters.delete(key);
    }
  }
}

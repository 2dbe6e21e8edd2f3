/**
 * Budgets, as plain data: what a limit counts, per what key, in which window, and the store port
 * the budget stage reserves and settles through. No I/O here: the memory store is plain data too;
 * the Redis store is an adapter (src/stores/).
 */

/** What a limit's key is made of; several parts make one composite key. */
export type KeyPart =
  | { readonly kind: 'client' }
  | { readonly kind: 'team' }
  | { readonly kind: 'route' }
  | { readonly kind: 'model' }
  | { readonly kind: 'ip' }
  | { readonly kind: 'header'; readonly name: string };

export type Dimension = 'requests' | 'tokens' | 'cost';

export interface Quota {
  /** requests, tokens, or micro-USD (cost is counted in integers: 1 USD = 1,000,000). */
  readonly limit: number;
  readonly windowMs: number;
}

export interface LimitSpec {
  /** The limit's name as configured (metrics and refusals show it). */
  readonly name: string;
  /** Unique across the config: global limits "g/<name>", route limits "r/<route>/<name>". */
  readonly id: string;
  readonly key: readonly KeyPart[];
  readonly quotas: Readonly<Partial<Record<Dimension, Quota>>>;
}

/** USD per million tokens. */
export interface Price {
  readonly input: number;
  readonly output: number;
  readonly cachedInput: number | undefined;
}

/** Model → price; '*' prices every other model. */
export type PriceTable = ReadonlyMap<string, Price>;

/** One counter a reservation touches: a limit's dimension, for one key, in one window. */
export interface CounterHold {
  /** Store key: limit id, dimension, key value, window start. */
  readonly key: string;
  readonly limit: number;
  /** When the window ends (ms since the epoch): counters can be forgotten after it. */
  readonly windowEndsAt: number;
  readonly amount: number;
}

export type ReserveResult =
  | { readonly ok: true }
  /** `blocked`: index of the first counter that is over; `used`: what each counter holds (settled + held). */
  | { readonly ok: false; readonly blocked: number; readonly used: readonly number[] };

/**
 * Where counters live. reserve is atomic over all the counters: all or nothing. A reservation
 * expires after ttlMs unless settled; settle removes it and adds the actual amounts.
 */
export interface BudgetStore {
  readonly kind: 'memory' | 'redis';
  reserve(id: string, holds: readonly CounterHold[], ttlMs: number): Promise<ReserveResult> | ReserveResult;
  /** `actual[i]` replaces holds[i].amount (same order as reserve). */
  settle(id: string, holds: readonly CounterHold[], actual: readonly number[]): Promise<void> | void;
  /** What a counter holds now (settled + live reservations), for tests and headers. */
  used(key: string): Promise<number> | number;
  close?(): Promise<void>;
}

/** A store could not answer (Redis down, timeout). */
export class StoreError extends Error {}

/**
 * The order in which one request tries a model alias's targets: priorities ascending (failover),
 * a weighted draw without replacement inside a priority (load balancing), and targets in
 * cooldown (they answered 429/5xx recently) moved behind the others, so a later request does not
 * try them first. Pure: the random source and the clock are given.
 */

export interface OrderedTarget {
  readonly priority: number;
  /** Relative share inside its priority; > 0. */
  readonly weight: number;
}

/** Target indexes in the order to try them. `cooling(i)` is true while target i is in cooldown. */
export function orderTargets(
  targets: readonly OrderedTarget[],
  cooling: (index: number) => boolean,
  random: () => number = Math.random,
): number[] {
  const priorities = [...new Set(targets.map((t) => t.priority))].sort((a, b) => a - b);
  const drawn: number[] = [];
  for (const p of priorities) {
    const pool = targets.flatMap((t, i) => (t.priority === p ? [i] : []));
    while (pool.length > 0) {
      let total = 0;
      for (const i of pool) total += targets[i]!.weight;
      let r = random() * total;
      let k = 0;
      for (; k < pool.length - 1; k++) {
        r -= targets[pool[k]!]!.weight;
        if (r < 0) break;
      }
      drawn.push(pool[k]!);
      pool.splice(k, 1);
    }
  }
  const warm = drawn.filter((i) => !cooling(i));
  return warm.length === drawn.length ? drawn : [...warm, ...drawn.filter((i) => cooling(i))];
}

/**
 * Until when each target is in cooldown (process-local; keys are config target ids, so the map
 * is bounded by the config, and `max` bounds it anyway).
 */
export class CooldownTable {
  private readonly until = new Map<string, number>();

  constructor(private readonly max = 10_000) {}

  /** Target `key` failed at `nowMs`; it stays in cooldown for `ms`. A longer cooldown wins. */
  cool(key: string, nowMs: number, ms: number): void {
    const end = nowMs + Math.max(0, ms);
    const prev = this.until.get(key);
    if (prev !== undefined && prev >= end) return;
    if (prev === undefined && this.until.size >= this.max) this.sweep(nowMs);
    if (this.until.size >= this.max) return;
    this.until.set(key, end);
  }

  /** A target that served a request is healthy again. */
  clear(key: string): void {
    this.until.delete(key);
  }

  cooling(key: string, nowMs: number): boolean {
    const end = this.until.get(key);
    if (end === undefined) return false;
    if (end > nowMs) return true;
    this.until.delete(key);
    return false;
  }

  private sweep(nowMs: number): void {
    for (const [k, end] of this.until) if (end <= nowMs) this.until.delete(k);
  }
}

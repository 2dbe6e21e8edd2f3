/**
 * Failover state of standalone mode, shared by every request of the process: which targets are in
 * cooldown. A request with a failover alias gets its ordered target list here (priorities, the
 * weighted split, cooled-down targets last); the answer of the target that served tells whether it
 * goes into cooldown (429/5xx: its Retry-After hint, or the alias's default cooldown).
 */
import type { CompiledFailover, FailoverTarget, ResolvedModel } from '../config/standalone/index.js';
import { CooldownTable, orderTargets } from '../limits/failover-order.js';
import { retryAfterMs } from '../limits/retry-after.js';
import type { HeaderView } from './types.js';

/** The statuses that put a target into cooldown (the retriable ones of RETRY_ON). */
const COOLING_STATUS = new Set([429, 500, 502, 503, 504, 529]);

export interface FailoverChoice {
  /** The targets in the order this request tries them. */
  readonly order: readonly FailoverTarget[];
  readonly failover: CompiledFailover;
}

export class FailoverState {
  readonly cooldowns = new CooldownTable();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {}

  /** The order one request tries the alias's targets in. */
  plan(failover: CompiledFailover): FailoverChoice {
    const now = this.now();
    const t = failover.targets;
    const order = orderTargets(t, (i) => this.cooldowns.cooling(t[i]!.id, now), this.random);
    return { order: order.map((i) => t[i]!), failover };
  }

  /** A target answered: a 429/5xx cools it, a success ends its cooldown. */
  answered(target: FailoverTarget, failover: CompiledFailover, status: number, headers: HeaderView): void {
    if (status >= 200 && status < 300) {
      this.cooldowns.clear(target.id);
      return;
    }
    if (!COOLING_STATUS.has(status)) return;
    const now = this.now();
    const hint = status === 429 || status === 503 ? retryAfterMs((n) => headers.get(n), now) : undefined;
    this.cooldowns.cool(target.id, now, hint ?? failover.cooldownMs);
  }

  /** A target could not be reached (connect failure, reset before headers, per-try timeout). */
  unreachable(target: FailoverTarget, failover: CompiledFailover): void {
    this.cooldowns.cool(target.id, this.now(), failover.cooldownMs);
  }
}

/** The resolution with the first target of the order in place of the alias's primary. */
export function firstTarget(choice: FailoverChoice): ResolvedModel {
  const t = choice.order[0]!;
  return { backend: t.backend, model: t.model, failover: choice.failover };
}

/** A model alias's `targets:` → CompiledFailover: its targets, retry policy and cooldown. */
import type { LoadContext } from './context.js';
import { isObj } from '../../json.js';
import type { PathSegment } from './issues.js';
import { RETRY_ON } from './schema-failover.js';
import type { CompiledBackend } from './types.js';

export type RetryOn = (typeof RETRY_ON)[number];

export interface RetryPolicy {
  readonly on: readonly RetryOn[];
  /** Attempts in all, the first included. */
  readonly attempts: number;
  readonly perTryTimeoutMs: number | undefined;
}

export interface FailoverTarget {
  /** Stable id of this target in the config ("<route>/<alias>/<index>"): its cooldown key. */
  readonly id: string;
  readonly backend: CompiledBackend;
  readonly model: string;
  readonly priority: number;
  readonly weight: number;
}

export interface CompiledFailover {
  /** "<route>/<alias>": names the alias's failover clusters. */
  readonly id: string;
  readonly targets: readonly FailoverTarget[];
  readonly retry: RetryPolicy;
  /** Cooldown of a target that answered 429/5xx without a Retry-After hint. */
  readonly cooldownMs: number;
}

export const DEFAULT_COOLDOWN_MS = 30_000;

const intOr = (v: unknown, d: number): number => (typeof v === 'number' && Number.isInteger(v) ? v : d);

/**
 * Compiles an alias entry with `targets`; undefined (issues recorded) when it is not valid.
 * `backends` holds the compiled backends; `declared` every name under backends:.
 */
export function compileFailover(
  entry: Record<string, unknown>,
  id: string,
  at: readonly PathSegment[],
  backends: ReadonlyMap<string, CompiledBackend>,
  declared: ReadonlySet<string>,
  ctx: LoadContext,
): CompiledFailover | undefined {
  if (!Array.isArray(entry.targets)) return undefined;
  let ok = true;
  if (entry.model !== undefined) {
    ctx.issues.add([...at, 'model'], 'with targets, each target names its model');
    ok = false;
  }
  const targets: FailoverTarget[] = [];
  const seen = new Set<string>();
  entry.targets.forEach((raw, i) => {
    if (!isObj(raw) || typeof raw.backend !== 'string' || typeof raw.model !== 'string') {
      ok = false;
      return;
    }
    const where = [...at, 'targets', i];
    if (!declared.has(raw.backend)) {
      ctx.issues.add(
        [...where, 'backend'],
        `unknown backend ${JSON.stringify(raw.backend)}; defined backends: ${[...declared].join(', ') || 'none'}`,
      );
      ok = false;
      return;
    }
    const key = `${raw.backend}\u0000${raw.model}`;
    if (seen.has(key)) {
      ctx.issues.add(where, `backend ${raw.backend} with model ${raw.model} is listed twice`);
      ok = false;
    }
    seen.add(key);
    const backend = backends.get(raw.backend);
    if (backend === undefined) {
      ok = false; // the backend's own issue is reported under backends:
      return;
    }
    targets.push(
      Object.freeze({
        id: `${id}/${i}`,
        backend,
        model: raw.model,
        priority: intOr(raw.priority, 0),
        weight: intOr(raw.weight, 1),
      }),
    );
  });
  const r = isObj(entry.retry) ? entry.retry : {};
  const attempts = intOr(r.attempts, entry.targets.length);
  if (attempts > entry.targets.length) {
    ctx.issues.add(
      [...at, 'retry', 'attempts'],
      `${attempts} attempts but only ${entry.targets.length} target(s): each attempt goes to another target`,
    );
    ok = false;
  }
  if (!ok) return undefined;
  const on = Array.isArray(r.on) ? (r.on as RetryOn[]) : [...RETRY_ON];
  return Object.freeze({
    id,
    targets: Object.freeze(targets),
    retry: Object.freeze({
      on: Object.freeze([...on]),
      attempts,
      perTryTimeoutMs: typeof r.perTryTimeoutMs === 'number' ? r.perTryTimeoutMs : undefined,
    }),
    cooldownMs: intOr(entry.cooldownMs, DEFAULT_COOLDOWN_MS),
  });
}

/**
 * What one request reserves: the counters of every limit that applies (one per dimension), the
 * amounts (1 request; prompt estimate + max output × n tokens; their price), and the rate-limit
 * headers of a refusal. Windows are fixed, aligned to the epoch (UTC), like envoyproxy/ratelimit.
 */
import type { CounterHold, Dimension, LimitSpec, Price, PriceTable } from './types.js';

/** The facts a limit key is made of. */
export interface KeyFacts {
  readonly client: string | undefined;
  readonly team: string | undefined;
  readonly route: string;
  readonly model: string;
  readonly ip: string | undefined;
  header(name: string): string | undefined;
}

/** A part with no value (no client, no header) counts in one shared bucket, never in none. */
const NONE = '-';
const MAX_PART = 256;

function part(v: string | undefined): string {
  if (v === undefined || v === '') return NONE;
  // Bounded, and free of the separator.
  return (v.length > MAX_PART ? v.slice(0, MAX_PART) : v).replaceAll('|', '%7C');
}

export function keyValue(spec: LimitSpec, f: KeyFacts): string {
  let out = '';
  for (const k of spec.key) {
    const v =
      k.kind === 'client'
        ? f.client
        : k.kind === 'team'
          ? f.team
          : k.kind === 'route'
            ? f.route
            : k.kind === 'model'
              ? f.model
              : k.kind === 'ip'
                ? f.ip
                : f.header(k.name);
    out += (out === '' ? '' : '|') + part(v);
  }
  return out;
}

export interface Amounts {
  readonly tokens: number;
  /** micro-USD; undefined when no limit counts cost. */
  readonly cost: number | undefined;
}

/** One counter of the plan, and which limit and dimension it belongs to. */
export interface PlannedCounter {
  readonly limit: LimitSpec;
  readonly dimension: Dimension;
}

export interface Plan {
  readonly holds: CounterHold[];
  readonly counters: PlannedCounter[];
}

const DIMENSIONS: readonly Dimension[] = ['requests', 'tokens', 'cost'];

export function amountOf(d: Dimension, a: Amounts): number {
  return d === 'requests' ? 1 : d === 'tokens' ? a.tokens : (a.cost ?? 0);
}

export function plan(limits: readonly LimitSpec[], f: KeyFacts, a: Amounts, now: number): Plan {
  const holds: CounterHold[] = [];
  const counters: PlannedCounter[] = [];
  for (const limit of limits) {
    const value = keyValue(limit, f);
    for (const d of DIMENSIONS) {
      const q = limit.quotas[d];
      if (!q) continue;
      const start = Math.floor(now / q.windowMs) * q.windowMs;
      holds.push({
        key: `${limit.id}|${d}|${q.windowMs}|${start}|${value}`,
        limit: q.limit,
        windowEndsAt: start + q.windowMs,
        amount: amountOf(d, a),
      });
      counters.push({ limit, dimension: d });
    }
  }
  return { holds, counters };
}

/** The price of a model: exact, then the longest configured name it extends ("gpt-4.1" for "gpt-4.1-2025-04-14"), then "*". */
export function priceFor(
  table: PriceTable,
  model: string,
): { readonly name: string; readonly price: Price } | undefined {
  const exact = table.get(model);
  if (exact) return { name: model, price: exact };
  let best: string | undefined;
  for (const name of table.keys())
    if (name !== '*' && model.startsWith(`${name}-`) && (best === undefined || name.length > best.length))
      best = name;
  if (best !== undefined) return { name: best, price: table.get(best)! };
  const any = table.get('*');
  return any ? { name: '*', price: any } : undefined;
}

/** USD per million tokens is micro-USD per token: the cost in micro-USD, rounded up. */
export function costMicros(p: Price, input: number, cachedInput: number, output: number): number {
  const cached = Math.min(Math.max(cachedInput, 0), input);
  return Math.ceil((input - cached) * p.input + cached * (p.cachedInput ?? p.input) + output * p.output);
}

/** A duration as OpenAI writes its reset headers: "850ms", "12s", "6m0s", "1h2m3s". */
export function resetText(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
  const s = Math.ceil(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0 ? `${h}h${m}m${r}s` : m > 0 ? `${m}m${r}s` : `${r}s`;
}

/**
 * The headers of a 429: retry-after (when the blocking counter's window ends), and OpenAI's
 * x-ratelimit-{limit,remaining,reset}-{requests,tokens} from the tightest counter of each kind.
 */
export function limitHeaders(
  p: Plan,
  used: readonly number[],
  blocked: number,
  now: number,
): [string, string][] {
  const out: [string, string][] = [];
  const wait = Math.max(1, Math.ceil(((p.holds[blocked]?.windowEndsAt ?? now) - now) / 1000));
  out.push(['retry-after', String(wait)]);
  // A client SDK would otherwise retry a long window in vain.
  if (wait > 60) out.push(['x-should-retry', 'false']);
  for (const d of ['requests', 'tokens'] as const) {
    let best: number | undefined;
    for (let i = 0; i < p.holds.length; i++) {
      if (p.counters[i]!.dimension !== d) continue;
      const left = p.holds[i]!.limit - (used[i] ?? 0);
      if (best === undefined || left < p.holds[best]!.limit - (used[best] ?? 0)) best = i;
    }
    if (best === undefined) continue;
    const h = p.holds[best]!;
    out.push(
      [`x-ratelimit-limit-${d}`, String(h.limit)],
      [`x-ratelimit-remaining-${d}`, String(Math.max(0, Math.floor(h.limit - (used[best] ?? 0))))],
      [`x-ratelimit-reset-${d}`, resetText(h.windowEndsAt - now)],
    );
  }
  return out;
}

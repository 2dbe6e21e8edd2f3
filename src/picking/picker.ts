/**
 * One pick for one request, from plain data: the pool's eligible servers (their latest metrics and
 * whether those are fresh), the subset hint, a forced choice, the objective's priority. Returns the
 * ranked order (primary first, then fallbacks), or why the request gets no server.
 */
import type { Candidate, Scored, Weights } from './scorer.js';
import { rank, saturated } from './scorer.js';
import type { ServerMetrics } from './prom-text.js';

export interface EndpointView {
  readonly endpoint: string;
  /** Latest metrics, undefined when stale or never scraped. */
  readonly metrics: ServerMetrics | undefined;
  /** Left out: its scrapes failed too many times in a row. */
  readonly excluded: boolean;
  /** Requests this gateway sent there that have not finished (metrics lag a scrape behind). */
  readonly inflight?: number;
}

export interface PickRequest {
  readonly endpoints: readonly EndpointView[];
  /** The proxy's subset hint (ip:port list); undefined: no hint. */
  readonly subset: readonly string[] | undefined;
  /** A forced choice (test configs only). */
  readonly forced: string | undefined;
  /** The objective's priority: below 0 is sheddable. */
  readonly priority: number;
  /** The requested model when it is a LoRA adapter. */
  readonly adapter: string | undefined;
  readonly prefixScore: (endpoint: string) => number;
  readonly weights: Weights;
  /** How many servers to return (primary + fallbacks). */
  readonly limit: number;
  readonly random?: () => number;
}

export type PickReason = 'scored' | 'forced' | 'unscored';

export type PickResult =
  | { readonly kind: 'picked'; readonly order: readonly Scored[]; readonly reason: PickReason }
  /** 503: nothing to pick from. */
  | { readonly kind: 'none'; readonly why: 'no-ready' | 'empty-subset' | 'forced-unknown' }
  /** 429: a sheddable request while every server is saturated. */
  | { readonly kind: 'shed' };

const NO_PARTS = Object.freeze({ queue: 0, kvCache: 0, prefix: 0, lora: undefined });

export function pick(r: PickRequest): PickResult {
  let pool = r.endpoints.filter((e) => !e.excluded);
  if (r.subset !== undefined) {
    const allowed = new Set(r.subset);
    pool = pool.filter((e) => allowed.has(e.endpoint));
    if (pool.length === 0) return { kind: 'none', why: 'empty-subset' };
  }
  if (r.forced !== undefined) {
    // A forced choice is still a member of the pool: never an arbitrary address.
    const f = r.endpoints.find((e) => e.endpoint === r.forced);
    if (!f) return { kind: 'none', why: 'forced-unknown' };
    return {
      kind: 'picked',
      order: [{ endpoint: f.endpoint, score: 0, parts: NO_PARTS, fresh: f.metrics !== undefined }],
      reason: 'forced',
    };
  }
  if (pool.length === 0) return { kind: 'none', why: 'no-ready' };
  if (r.priority < 0 && pool.every((e) => saturated(e.metrics))) return { kind: 'shed' };
  const candidates: Candidate[] = pool.map((e) => ({
    endpoint: e.endpoint,
    metrics: e.metrics,
    prefix: r.prefixScore(e.endpoint),
    inflight: e.inflight ?? 0,
  }));
  const order = rank(candidates, r.weights, r.adapter, r.random).slice(0, Math.max(1, r.limit));
  return { kind: 'picked', order, reason: order[0]!.fresh ? 'scored' : 'unscored' };
}

/** The prompt text the prefix index hashes: the messages' text, in order, bounded. */
export function promptText(body: Readonly<Record<string, unknown>>, maxChars: number): string {
  const parts: string[] = [];
  let n = 0;
  const push = (s: string): boolean => {
    parts.push(s.slice(0, maxChars - n));
    n += s.length;
    return n < maxChars;
  };
  const messages = Array.isArray(body.messages) ? (body.messages as unknown[]) : [];
  if (typeof body.prompt === 'string') push(body.prompt);
  for (const m of messages) {
    if (typeof m !== 'object' || m === null) continue;
    const c = (m as Record<string, unknown>).content;
    const role = (m as Record<string, unknown>).role;
    if (!push(`${typeof role === 'string' ? role : ''}:`)) break;
    if (typeof c === 'string') {
      if (!push(c)) break;
    } else if (Array.isArray(c)) {
      let more = true;
      for (const p of c as unknown[]) {
        const t = typeof p === 'object' && p !== null ? (p as Record<string, unknown>).text : undefined;
        if (typeof t === 'string' && !(more = push(t))) break;
      }
      if (!more) break;
    }
  }
  return parts.join('');
}

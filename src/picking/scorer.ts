/**
 * Scoring like the reference scheduler's default profile: each scorer gives every candidate a
 * number in 0..1, the weighted sum ranks them, the highest wins and ties break at random.
 *
 *   queue     (maxQ − q) / (maxQ − minQ) over the candidates' queues; 1 when all equal. q is the
 *             server's waiting queue, or, when more, this gateway's requests in flight there beyond
 *             the running batch (the metrics are a scrape interval old; our own count is not)
 *   kv cache  1 − KV-cache use
 *   prefix    leading prompt blocks the server served lately / the prompt's blocks
 *   lora      (only when the model is an adapter) 1 active, 0.8 a free slot, 0.6 waiting, else 0
 *
 * A server with stale or missing metrics ranks after every fresh one (scored worst, never dropped).
 */
import type { ServerMetrics } from './prom-text.js';

export interface Weights {
  readonly queue: number;
  readonly kvCache: number;
  readonly prefix: number;
  readonly lora: number;
}

export const DEFAULT_WEIGHTS: Weights = Object.freeze({ queue: 2, kvCache: 2, prefix: 3, lora: 2 });

/** The legacy scheduler's thresholds: past both, a server is saturated. */
export const QUEUE_SATURATED = 5;
export const KV_SATURATED = 0.8;

export interface Candidate {
  readonly endpoint: string;
  /** Latest metrics; undefined: none yet, or stale. */
  readonly metrics: ServerMetrics | undefined;
  /** 0..1 from the pool's PrefixIndex. */
  readonly prefix: number;
  /** This gateway's unfinished requests to the server (0 when unknown). */
  readonly inflight?: number;
}

export interface ScoreParts {
  readonly queue: number;
  readonly kvCache: number;
  readonly prefix: number;
  /** undefined when the request is not for an adapter. */
  readonly lora: number | undefined;
}

export interface Scored {
  readonly endpoint: string;
  readonly score: number;
  readonly parts: ScoreParts;
  readonly fresh: boolean;
}

/** The queue scorer over a set of waiting-queue lengths (the reference scorer's table). */
export function queueScores(queues: readonly number[]): number[] {
  if (queues.length === 0) return [];
  const min = Math.min(...queues);
  const max = Math.max(...queues);
  return queues.map((q) => (max === min ? 1 : (max - q) / (max - min)));
}

export function kvCacheScore(usage: number): number {
  return 1 - Math.min(1, Math.max(0, usage));
}

export function loraScore(m: ServerMetrics, adapter: string): number {
  const l = m.lora;
  if (!l) return 0;
  if (l.running.includes(adapter)) return 1;
  if (l.max > 0 && l.running.length + l.waiting.length < l.max) return 0.8;
  if (l.waiting.includes(adapter)) return 0.6;
  return 0;
}

export const saturated = (m: ServerMetrics | undefined): boolean =>
  m === undefined || (m.waiting > QUEUE_SATURATED && m.kvCache > KV_SATURATED);

/**
 * Candidates ranked best first. `adapter`: the requested model when it is a LoRA adapter.
 * `random` breaks ties (tests pass their own).
 */
export function rank(
  candidates: readonly Candidate[],
  weights: Weights,
  adapter: string | undefined,
  random: () => number = Math.random,
): Scored[] {
  const fresh = candidates.filter((c) => c.metrics !== undefined);
  const queues = queueScores(
    fresh.map((c) => Math.max(c.metrics!.waiting, (c.inflight ?? 0) - c.metrics!.running)),
  );
  const scored = candidates.map((c) => {
    const m = c.metrics;
    const i = m ? fresh.indexOf(c) : -1;
    const parts: ScoreParts = {
      queue: m ? (queues[i] ?? 0) : 0,
      kvCache: m ? kvCacheScore(m.kvCache) : 0,
      prefix: c.prefix,
      lora: adapter === undefined ? undefined : m ? loraScore(m, adapter) : 0,
    };
    const score =
      weights.queue * parts.queue +
      weights.kvCache * parts.kvCache +
      weights.prefix * parts.prefix +
      weights.lora * (parts.lora ?? 0);
    return { endpoint: c.endpoint, score, parts, fresh: m !== undefined, tie: random() };
  });
  scored.sort((a, b) => Number(b.fresh) - Number(a.fresh) || b.score - a.score || a.tie - b.tie);
  return scored.map(({ endpoint, score, parts, fresh: f }) => ({ endpoint, score, parts, fresh: f }));
}

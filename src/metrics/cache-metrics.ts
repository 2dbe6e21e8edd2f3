/**
 * Cache metrics: lookups per route and result, the nearest similarity of semantic lookups, what
 * hits saved, writes and failures. Label values are route names from the config and fixed sets.
 */
import client from 'prom-client';
import type { CacheFailure, CacheObserver, CacheResult } from '../pipeline/cache-observer.js';

export class CacheMetrics implements CacheObserver {
  private readonly requests: client.Counter;
  private readonly similarity: client.Histogram;
  private readonly tokensSaved: client.Counter;
  private readonly costSaved: client.Counter;
  private readonly writes: client.Counter;
  private readonly failures: client.Counter;

  constructor(registry: client.Registry) {
    const counter = (name: string, help: string, labelNames: string[]): client.Counter =>
      new client.Counter({ name, help, labelNames, registers: [registry] });
    this.requests = counter(
      'ai_extproc_cache_requests_total',
      'Cache lookups per route: hit (exact), semantic-hit, miss, bypass',
      ['route', 'result'],
    );
    this.similarity = new client.Histogram({
      name: 'ai_extproc_cache_similarity',
      help: 'Cosine similarity of the nearest cached entry, per semantic lookup that found one',
      labelNames: ['route'],
      buckets: [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.925, 0.95, 0.975, 0.99, 1],
      registers: [registry],
    });
    this.tokensSaved = counter(
      'ai_extproc_cache_tokens_saved_total',
      'Tokens (input + output) of the stored answers that hits served',
      ['route'],
    );
    this.costSaved = counter(
      'ai_extproc_cache_cost_saved_usd_total',
      'USD the hits saved (priced models only)',
      ['route'],
    );
    this.writes = counter(
      'ai_extproc_cache_writes_total',
      'Answers stored, skipped (not a cacheable answer) or failed (store error)',
      ['route', 'result'],
    );
    this.failures = counter(
      'ai_extproc_cache_failures_total',
      'Lookups that failed open: embedder or store, error or timeout',
      ['route', 'failure'],
    );
  }

  cacheRequest(route: string, result: CacheResult): void {
    this.requests.inc({ route, result });
  }
  cacheSimilarity(route: string, similarity: number): void {
    this.similarity.observe({ route }, similarity);
  }
  cacheSaved(route: string, tokens: number, costUsd: number | undefined): void {
    if (tokens > 0) this.tokensSaved.inc({ route }, tokens);
    if (costUsd !== undefined && costUsd > 0) this.costSaved.inc({ route }, costUsd);
  }
  cacheWrite(route: string, result: 'stored' | 'skipped' | 'failed'): void {
    this.writes.inc({ route, result });
  }
  cacheFailure(route: string, failure: CacheFailure): void {
    this.failures.inc({ route, failure });
  }
}

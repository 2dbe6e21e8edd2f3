/** The cache stage's port to metrics (metrics/cache-metrics.ts implements it). Plain data only. */

/** hit: L1 exact; semantic-hit: L2; miss: asked, not found (or failed open); bypass: the client said so. */
export type CacheResult = 'hit' | 'semantic-hit' | 'miss' | 'bypass';

/** What failed open: the embedder or the store, by an error or a timeout. */
export type CacheFailure = 'embedder_error' | 'embedder_timeout' | 'store_error' | 'store_timeout';

export interface CacheObserver {
  /** One per request on a cached route (route names come from the config: bounded). */
  cacheRequest(route: string, result: CacheResult): void;
  /** The nearest entry's similarity of every semantic lookup that found one (hit or not). */
  cacheSimilarity(route: string, similarity: number): void;
  /** What a hit saved: the stored answer's tokens, and their price when the route prices the model. */
  cacheSaved(route: string, tokens: number, costUsd: number | undefined): void;
  /** An answer stored, or why not. */
  cacheWrite(route: string, result: 'stored' | 'skipped' | 'failed'): void;
  cacheFailure(route: string, failure: CacheFailure): void;
}

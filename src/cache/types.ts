/**
 * The semantic cache's plain data: its per-route policy, what an entry holds, and the two ports
 * the stage talks to (a store and an embedder). Adapters (stores/, the embedders) implement them.
 */

export type EmbedderKind = 'none' | 'local' | 'provider';
export type CacheStoreKind = 'memory' | 'redis' | 'postgres';

/** A route's cache, compiled from its YAML `policy.cache`. */
export interface CachePolicy {
  /** L1: the hash of the canonical request. */
  readonly exact: boolean;
  /** L2: the last user message's embedding, compared within the partition. */
  readonly semantic: SemanticPolicy | undefined;
  readonly store: CacheStoreKind;
  readonly ttlMs: number;
  /** Entries per partition (memory store: LRU bound). */
  readonly maxEntries: number;
  /** false: the client identity is part of the partition key. */
  readonly shareAcrossClients: boolean;
  /** Answers with tool calls may be stored. */
  readonly cacheToolCalls: boolean;
  /** A store or an embedder slower than this is a miss. */
  readonly timeoutMs: number;
  /** Changes when the route's policy changes: a new version empties the route's partitions. */
  readonly version: string;
}

export interface SemanticPolicy {
  readonly embedder: EmbedderKind;
  /** Cosine similarity at or above which a stored answer is reused. */
  readonly threshold: number;
  /** provider: the backend whose /v1/embeddings embeds, and its model. */
  readonly backend: string | undefined;
  readonly model: string | undefined;
}

/** One stored answer: a canonical (OpenAI) chat completion and its usage. */
export interface CacheEntry {
  readonly completion: Readonly<Record<string, unknown>>;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly model: string;
  /** The numbers in the question it answers (request-key.ts numbersOf): a semantic hit needs the same. */
  readonly numbers?: string;
}

export interface SemanticMatch {
  readonly entry: CacheEntry;
  readonly similarity: number;
}

/** Where entries live. Every method may throw or be slow: the stage bounds it, a failure is a miss. */
export interface CacheStore {
  exact(partition: string, key: string): Promise<CacheEntry | undefined>;
  /** The nearest entry of the partition, whatever its similarity (the stage applies the threshold). */
  nearest(partition: string, vector: Float32Array): Promise<SemanticMatch | undefined>;
  put(
    partition: string,
    key: string,
    vector: Float32Array | undefined,
    entry: CacheEntry,
    ttlMs: number,
    maxEntries: number,
  ): Promise<void>;
  /** Entries held (metrics, bench). */
  size(): number;
  close(): Promise<void>;
}

/** Text → a unit-length vector. */
export interface Embedder {
  readonly name: string;
  embed(text: string, signal: AbortSignal): Promise<Float32Array>;
}

/** Cosine similarity of two unit-length vectors (their dot product). */
export function dot(a: Float32Array, b: Float32Array): number {
  const n = Math.min(a.length, b.length);
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i]! * b[i]!;
  return s;
}

/** Scales a vector to unit length (in place); a zero vector stays zero. */
export function normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  const n = Math.sqrt(s);
  if (n > 0) for (let i = 0; i < v.length; i++) v[i] = v[i]! / n;
  return v;
}

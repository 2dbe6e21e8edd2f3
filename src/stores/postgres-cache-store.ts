/**
 * The cache's PostgreSQL store, for many replicas sharing one cache: L1 and L2 in one table with a
 * pgvector column and an HNSW cosine index. A semantic lookup is
 * `WHERE partition = $1 ORDER BY embedding <=> $2 LIMIT 1` (the partition is a hard filter, never
 * compared by similarity; HNSW iterative scans keep a filtered search from coming back empty).
 * Entries expire by their TTL (lookups skip expired rows, a sweep at most once a minute deletes
 * them) and a partition keeps its newest `maxEntries`. Created on first use; while PostgreSQL is
 * down or slow every call fails (the stage counts a miss) and the schema is retried later.
 */
import pg from 'pg';
import type { CacheEntry, CacheStore, SemanticMatch } from '../cache/types.js';

/** An entry over this size is not stored (the answer cap keeps them far below). */
const MAX_ENTRY_BYTES = 1024 * 1024;
const SWEEP_EVERY_MS = 60_000;

export interface PostgresCacheStoreOptions {
  /** postgres://user:password@host:port/db */
  readonly url: string;
  /** The table (a name the config schema has checked: [a-z_][a-z0-9_]*). */
  readonly table: string;
  /** The embedding column's dimensions (the embedder's: 384 for MiniLM and E5-small). */
  readonly dimensions: number;
  /** Connections in the pool. */
  readonly maxConnections?: number;
  /** A connection attempt or statement slower than this fails (the stage's own timeout is shorter). */
  readonly timeoutMs?: number;
  /** Connection problems (logged by the caller, rate-limited). */
  readonly onError?: (err: Error) => void;
}

/** pgvector's text form of a vector. */
const vectorText = (v: Float32Array): string => `[${Array.from(v).join(',')}]`;

export class PostgresCacheStore implements CacheStore {
  private readonly pool: pg.Pool;
  private readonly t: string;
  private schema: Promise<void> | undefined;
  private lastSweep = 0;

  constructor(private readonly o: PostgresCacheStoreOptions) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(o.table)) throw new Error(`bad table name ${o.table}`);
    this.t = o.table;
    const timeout = o.timeoutMs ?? 2000;
    this.pool = new pg.Pool({
      connectionString: o.url,
      max: o.maxConnections ?? 4,
      connectionTimeoutMillis: timeout,
      statement_timeout: timeout,
      query_timeout: timeout,
      idleTimeoutMillis: 30_000,
    });
    // An idle connection that dies emits here; unhandled it would end the process.
    this.pool.on('error', (err) => o.onError?.(err));
    this.pool.on('connect', (c) => {
      // pgvector ≥ 0.8: a filtered HNSW scan goes on until it finds rows of the partition.
      c.query('SET hnsw.iterative_scan = strict_order').catch(() => undefined);
    });
  }

  /** Creates the extension, table and indexes once (retried after a failure). */
  private ready(): Promise<void> {
    this.schema ??= this.createSchema().catch((err: unknown) => {
      this.schema = undefined;
      throw err;
    });
    return this.schema;
  }

  private async createSchema(): Promise<void> {
    const t = this.t;
    await this.pool.query('CREATE EXTENSION IF NOT EXISTS vector');
    await this.pool.query(
      `CREATE TABLE IF NOT EXISTS ${t} (
         partition text NOT NULL,
         key text NOT NULL,
         entry jsonb NOT NULL,
         embedding vector(${this.o.dimensions}),
         created_at timestamptz NOT NULL DEFAULT now(),
         expires_at timestamptz NOT NULL,
         PRIMARY KEY (partition, key))`,
    );
    await this.pool.query(
      `CREATE INDEX IF NOT EXISTS ${t}_embedding ON ${t} USING hnsw (embedding vector_cosine_ops)`,
    );
    await this.pool.query(`CREATE INDEX IF NOT EXISTS ${t}_expires ON ${t} (expires_at)`);
  }

  async exact(partition: string, key: string): Promise<CacheEntry | undefined> {
    await this.ready();
    const r = await this.pool.query<{ entry: CacheEntry }>(
      `SELECT entry FROM ${this.t} WHERE partition = $1 AND key = $2 AND expires_at > now()`,
      [partition, key],
    );
    return r.rows[0]?.entry;
  }

  async nearest(partition: string, vector: Float32Array): Promise<SemanticMatch | undefined> {
    if (vector.length !== this.o.dimensions)
      throw new Error(`embedder gives ${vector.length} dimensions, table ${this.t} has ${this.o.dimensions}`);
    await this.ready();
    const r = await this.pool.query<{ entry: CacheEntry; distance: number }>(
      `SELECT entry, embedding <=> $2::vector AS distance FROM ${this.t}
        WHERE partition = $1 AND expires_at > now() AND embedding IS NOT NULL
        ORDER BY embedding <=> $2::vector LIMIT 1`,
      [partition, vectorText(vector)],
    );
    const row = r.rows[0];
    return row ? { entry: row.entry, similarity: 1 - Number(row.distance) } : undefined;
  }

  async put(
    partition: string,
    key: string,
    vector: Float32Array | undefined,
    entry: CacheEntry,
    ttlMs: number,
    maxEntries: number,
  ): Promise<void> {
    const json = JSON.stringify(entry);
    if (json.length > MAX_ENTRY_BYTES) return;
    await this.ready();
    // A vector of another size (a changed embedder) keeps the entry as an L1 entry.
    const v = vector && vector.length === this.o.dimensions ? vectorText(vector) : null;
    await this.pool.query(
      `INSERT INTO ${this.t} (partition, key, entry, embedding, expires_at)
       VALUES ($1, $2, $3::jsonb, $4::vector, now() + $5 * interval '1 millisecond')
       ON CONFLICT (partition, key) DO UPDATE
         SET entry = EXCLUDED.entry, embedding = EXCLUDED.embedding,
             created_at = now(), expires_at = EXCLUDED.expires_at`,
      [partition, key, json, v, ttlMs],
    );
    // The partition keeps its newest maxEntries.
    await this.pool.query(
      `DELETE FROM ${this.t} WHERE partition = $1 AND key IN (
         SELECT key FROM ${this.t} WHERE partition = $1 ORDER BY created_at DESC, key OFFSET $2)`,
      [partition, maxEntries],
    );
    this.sweep();
  }

  /** Expired rows go, at most once a minute, off the caller's path. */
  private sweep(): void {
    const now = Date.now();
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    this.pool
      .query(`DELETE FROM ${this.t} WHERE expires_at <= now()`)
      .catch((err: unknown) => this.o.onError?.(err as Error));
  }

  /** Not counted here (PostgreSQL holds them). */
  size(): number {
    return 0;
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}

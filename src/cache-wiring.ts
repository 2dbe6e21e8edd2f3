/**
 * Composition of the cache: the stores and embedders routes name, built once and shared by every
 * route that names the same one (a config reload keeps them: entries live in partitions keyed by
 * the policy version, so a changed route never reads its old answers).
 */
import type { Logger } from 'pino';
import type { CachePolicy, CacheStore, Embedder, SemanticPolicy } from './cache/types.js';
import { MemoryCacheStore } from './cache/memory-store.js';
import type { RuntimeConfig } from './config/standalone/index.js';
import path from 'node:path';
import { ProviderEmbedder } from './embedders/provider-embedder.js';
import { LocalEmbedder, localModelPresent } from './embedders/local-embedder.js';
import { RedisCacheStore } from './stores/redis-cache-store.js';
import { PostgresCacheStore } from './stores/postgres-cache-store.js';
import type { HttpClient } from './guards/http-client.js';
import type { CacheDeps } from './pipeline/stages/cache.js';
import type { CacheObserver } from './pipeline/cache-observer.js';
import type { LogSink } from './pipeline/log.js';

export interface CacheWiring {
  readonly deps: CacheDeps;
  close(): Promise<void>;
}

export interface CacheWiringParts {
  readonly config: () => RuntimeConfig;
  readonly http: HttpClient | undefined;
  readonly observer: CacheObserver | undefined;
  readonly log: Logger | LogSink;
  /** Extra stores by kind (redis, postgres), built by the caller when the config names them. */
  readonly stores?: Partial<Record<CachePolicy['store'], CacheStore>>;
  /** The local model's folder (default: AI_EXTPROC_EMBEDDING_MODEL_DIR, else .tools/models/minilm). */
  readonly localModelDir?: string;
}

/** Where `make install` puts the local model (dist/src/ → the package root). */
export const DEFAULT_MODEL_DIR =
  process.env.AI_EXTPROC_EMBEDDING_MODEL_DIR ??
  path.resolve(import.meta.dirname, '..', '..', '.tools', 'models', 'minilm');

export function cacheWiring(p: CacheWiringParts): CacheWiring {
  const memory = new MemoryCacheStore();
  const embedders = new Map<string, Embedder>();
  const modelDir = p.localModelDir ?? DEFAULT_MODEL_DIR;
  let local: LocalEmbedder | undefined;
  let warned = false;
  // Built on first use and loaded lazily: a route without the local embedder pays nothing.
  const localEmbedder = (): Embedder | undefined => {
    if (local) return local;
    if (!localModelPresent(modelDir)) {
      if (!warned) p.log.warn({ modelDir }, 'local embedder: model files missing (make install); L1 only');
      warned = true;
      return undefined;
    }
    local = new LocalEmbedder(modelDir);
    return local;
  };
  const providerEmbedder = (sem: SemanticPolicy): Embedder | undefined => {
    if (!p.http || !sem.backend) return undefined;
    const backend = p.config().backend(sem.backend);
    if (!backend) return undefined;
    const model = sem.model ?? backend.defaultModel ?? 'text-embedding-3-small';
    const key = `${backend.name}\n${backend.baseUrl.url}\n${model}`;
    let e = embedders.get(key);
    if (!e) {
      e = new ProviderEmbedder(p.http, {
        baseUrl: backend.baseUrl.url,
        model,
        // The backend's own credentials (its API key), never the client's.
        headers: () => {
          const auth = backend.authFor(new Map());
          return auth.kind === 'headers' ? Object.fromEntries(auth.set) : {};
        },
        timeoutMs: 5000,
      });
      if (embedders.size >= 64) embedders.clear();
      embedders.set(key, e);
    }
    return e;
  };
  // Redis (L1): the config's stores.redis, connected on first use.
  let redis: RedisCacheStore | undefined;
  let lastRedisError = 0;
  const redisStore = (): CacheStore | undefined => {
    if (redis) return redis;
    const r = p.config().stores?.redis;
    if (!r) {
      if (!warned) p.log.warn({}, 'cache store redis: no stores.redis in the config; every lookup misses');
      warned = true;
      return undefined;
    }
    redis = new RedisCacheStore({
      url: r.url(),
      onError: (err) => {
        if (Date.now() - lastRedisError < 10_000) return;
        lastRedisError = Date.now();
        p.log.warn({ err: err.message }, 'redis cache store: connection problem');
      },
    });
    return redis;
  };
  // PostgreSQL with pgvector (L1 and L2, shared by replicas): the config's stores.postgres.
  let postgres: PostgresCacheStore | undefined;
  let lastPostgresError = 0;
  let warnedPostgres = false;
  const postgresStore = (): CacheStore | undefined => {
    if (postgres) return postgres;
    const s = p.config().stores?.postgres;
    if (!s) {
      if (!warnedPostgres)
        p.log.warn({}, 'cache store postgres: no stores.postgres in the config; every lookup misses');
      warnedPostgres = true;
      return undefined;
    }
    postgres = new PostgresCacheStore({
      url: s.url(),
      table: s.table,
      dimensions: s.dimensions,
      maxConnections: s.maxConnections,
      onError: (err) => {
        if (Date.now() - lastPostgresError < 10_000) return;
        lastPostgresError = Date.now();
        p.log.warn({ err: err.message }, 'postgres cache store: connection problem');
      },
    });
    return postgres;
  };
  return {
    deps: {
      store: (policy) =>
        p.stores?.[policy.store] ??
        (policy.store === 'memory' ? memory : policy.store === 'redis' ? redisStore() : postgresStore()),
      embedder: (sem) =>
        sem.embedder === 'provider'
          ? providerEmbedder(sem)
          : sem.embedder === 'local'
            ? localEmbedder()
            : undefined,
      observer: p.observer,
      log: p.log,
    },
    close: async () => {
      await memory.close();
      await redis?.close();
      await postgres?.close();
      for (const s of Object.values(p.stores ?? {})) await s.close();
    },
  };
}

/**
 * The cache's Redis store: L1 (exact) entries only, on any Redis (Debian's 7.0 has no vector
 * search). One key per entry, `ai-extproc:cache:<partition>:<exact>`, holding the entry's JSON,
 * expiring by the route's TTL (Redis's own eviction policy bounds memory). While Redis is down,
 * calls fail at once (no offline queue) and the stage counts a miss.
 */
import { createClient } from 'redis';
import type { CacheEntry, CacheStore, SemanticMatch } from '../cache/types.js';

const PREFIX = 'ai-extproc:cache:';
/** An entry over this size is not stored (the answer cap keeps them far below). */
const MAX_ENTRY_BYTES = 1024 * 1024;

export interface RedisCacheStoreOptions {
  readonly url: string;
  /** Connection problems (logged by the caller, rate-limited). */
  readonly onError?: (err: Error) => void;
}

export class RedisCacheStore implements CacheStore {
  private readonly client;

  constructor(opts: RedisCacheStoreOptions) {
    this.client = createClient({
      url: opts.url,
      disableOfflineQueue: true,
      socket: {
        connectTimeout: 1000,
        reconnectStrategy: (retries: number) => Math.min(50 * (retries + 1), 1000),
      },
    });
    this.client.on('error', (err: Error) => opts.onError?.(err));
    this.connecting = new Promise((resolve) => this.client.once('ready', () => resolve()));
    this.client.connect().catch((err: unknown) => opts.onError?.(err as Error));
  }

  private readonly connecting: Promise<void>;

  /** Resolves when the first connection is up, or false after `waitMs` (Redis may be down). */
  async ready(waitMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), waitMs)));
    try {
      return await Promise.race([this.connecting.then(() => true), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  async exact(partition: string, key: string): Promise<CacheEntry | undefined> {
    const v = await this.client.get(`${PREFIX}${partition}:${key}`);
    if (typeof v !== 'string') return undefined;
    const e = JSON.parse(v) as CacheEntry;
    return typeof e === 'object' && e !== null && typeof e.completion === 'object' ? e : undefined;
  }

  /** No vector search on this store: L2 lookups find nothing (the config refuses redis with L2). */
  nearest(): Promise<SemanticMatch | undefined> {
    return Promise.resolve(undefined);
  }

  async put(
    partition: string,
    key: string,
    _vector: Float32Array | undefined,
    entry: CacheEntry,
    ttlMs: number,
    _maxEntries?: number,
  ): Promise<void> {
    const json = JSON.stringify(entry);
    if (json.length > MAX_ENTRY_BYTES) return;
    await this.client.set(`${PREFIX}${partition}:${key}`, json, { PX: ttlMs });
  }

  /** Not counted here (Redis holds them). */
  size(): number {
    return 0;
  }

  async close(): Promise<void> {
    try {
      await this.client.quit();
    } catch {
      this.client.destroy();
    }
  }
}

/**
 * The embedded default store: per partition, a Map in LRU order (a hit moves its entry to the
 * end), a TTL per entry, and a brute-force cosine scan for the nearest entry (a partition holds
 * one route × model × client × history, so it stays small; bench/cache.ts measures the scan at
 * 10k and 100k entries). Bounded twice: entries per partition, and entries in all.
 */
import { dot } from './types.js';
import type { CacheEntry, CacheStore, SemanticMatch } from './types.js';

interface Slot {
  readonly vector: Float32Array | undefined;
  readonly entry: CacheEntry;
  readonly expires: number;
}

export class MemoryCacheStore implements CacheStore {
  private readonly partitions = new Map<string, Map<string, Slot>>();
  private count = 0;

  constructor(
    /** Entries in all partitions together; the least recently used partition goes first. */
    private readonly maxTotal = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  size(): number {
    return this.count;
  }

  private partition(p: string): Map<string, Slot> | undefined {
    const m = this.partitions.get(p);
    if (!m) return undefined;
    // The partition was used: it moves to the end of the partitions' LRU order.
    this.partitions.delete(p);
    this.partitions.set(p, m);
    return m;
  }

  exact(partition: string, key: string): Promise<CacheEntry | undefined> {
    const m = this.partition(partition);
    const s = m?.get(key);
    if (!m || !s) return Promise.resolve(undefined);
    if (s.expires <= this.now()) {
      this.remove(partition, m, key);
      return Promise.resolve(undefined);
    }
    m.delete(key);
    m.set(key, s);
    return Promise.resolve(s.entry);
  }

  nearest(partition: string, vector: Float32Array): Promise<SemanticMatch | undefined> {
    const m = this.partition(partition);
    if (!m) return Promise.resolve(undefined);
    const now = this.now();
    let best: { key: string; slot: Slot; sim: number } | undefined;
    let expired: string[] | undefined;
    for (const [key, slot] of m) {
      if (slot.expires <= now) {
        (expired ??= []).push(key);
        continue;
      }
      if (!slot.vector) continue;
      const sim = dot(vector, slot.vector);
      if (!best || sim > best.sim) best = { key, slot, sim };
    }
    for (const k of expired ?? []) this.remove(partition, m, k);
    if (!best) return Promise.resolve(undefined);
    m.delete(best.key);
    m.set(best.key, best.slot);
    return Promise.resolve({ entry: best.slot.entry, similarity: best.sim });
  }

  put(
    partition: string,
    key: string,
    vector: Float32Array | undefined,
    entry: CacheEntry,
    ttlMs: number,
    maxEntries: number,
  ): Promise<void> {
    let m = this.partition(partition);
    if (!m) this.partitions.set(partition, (m = new Map<string, Slot>()));
    if (m.delete(key)) this.count--;
    m.set(key, { vector, entry, expires: this.now() + ttlMs });
    this.count++;
    while (m.size > maxEntries) this.remove(partition, m, m.keys().next().value!);
    while (this.count > this.maxTotal) {
      const first = this.partitions.entries().next().value as [string, Map<string, Slot>];
      this.remove(first[0], first[1], first[1].keys().next().value!);
    }
    return Promise.resolve();
  }

  private remove(partition: string, m: Map<string, Slot>, key: string): void {
    if (m.delete(key)) this.count--;
    if (m.size === 0) this.partitions.delete(partition);
  }

  close(): Promise<void> {
    this.partitions.clear();
    this.count = 0;
    return Promise.resolve();
  }
}

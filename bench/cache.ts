/**
 * Cache bench (not part of the tests): the memory store's semantic lookup (a brute-force scan of
 * one partition) at 10k and 100k entries of 384 dimensions, its exact lookup, and the local
 * embedder's latency and memory. Run after `make install`:
 *
 *   npx tsc -p . && node dist/bench/cache.js
 *
 * Not measured yet: an exact hit through Envoy against Envoy's own direct_response, and a miss's
 * added cost through Envoy (see bench/README.md).
 */
import { performance } from 'node:perf_hooks';
import { MemoryCacheStore } from '../src/cache/memory-store.js';
import { normalize } from '../src/cache/types.js';
import type { CacheEntry } from '../src/cache/types.js';
import { LocalEmbedder, localModelPresent } from '../src/embedders/local-embedder.js';
import { LOCAL_MODEL_DIR } from '../test/helpers/cache-embed.js';

const DIM = 384;
const ENTRY: CacheEntry = { completion: { choices: [] }, promptTokens: 1, completionTokens: 1, model: 'm' };

/** A deterministic pseudo-random unit vector. */
function vector(seed: number): Float32Array {
  const v = new Float32Array(DIM);
  let x = seed * 2654435761;
  for (let i = 0; i < DIM; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    v[i] = x / 4294967296 - 0.5;
  }
  return normalize(v);
}

const pct = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)]!;
const ms = (v: number): string => `${v.toFixed(3)} ms`;

async function storeBench(n: number): Promise<void> {
  const s = new MemoryCacheStore(n + 1);
  for (let i = 0; i < n; i++) await s.put('p', `k${i}`, vector(i), ENTRY, 3_600_000, n + 1);
  const near: number[] = [];
  const exact: number[] = [];
  for (let i = 0; i < 50; i++) {
    const q = vector(1_000_000 + i);
    let t = performance.now();
    await s.nearest('p', q);
    near.push(performance.now() - t);
    t = performance.now();
    await s.exact('p', `k${i}`);
    exact.push(performance.now() - t);
  }
  console.log(
    `| memory store, ${n} entries in one partition | nearest p50 ${ms(pct(near, 0.5))}, p90 ${ms(pct(near, 0.9))} | exact p50 ${ms(pct(exact, 0.5))} |`,
  );
}

async function embedderBench(): Promise<void> {
  if (!localModelPresent(LOCAL_MODEL_DIR)) return console.log('local model missing: make install');
  const e = new LocalEmbedder(LOCAL_MODEL_DIR);
  const rss0 = process.memoryUsage().rss;
  let t = performance.now();
  await e.embed('warm up', AbortSignal.timeout(60_000));
  const load = performance.now() - t;
  const lat: number[] = [];
  for (let i = 0; i < 100; i++) {
    t = performance.now();
    await e.embed(`What is the capital of country number ${i}?`, AbortSignal.timeout(60_000));
    lat.push(performance.now() - t);
  }
  const rss = (process.memoryUsage().rss - rss0) / 2 ** 20;
  console.log(
    `| local embedder (MiniLM-L6 int8, 1 thread) | load ${ms(load)}, short query p50 ${ms(pct(lat, 0.5))}, p90 ${ms(pct(lat, 0.9))} | RSS +${rss.toFixed(0)} MiB |`,
  );
}

console.log('| what | latency | other |\n|---|---|---|');
await storeBench(10_000);
await storeBench(100_000);
await embedderBench();

/**
 * What the semantic cache costs and saves (issue 18), in one run:
 * - through Envoy + ai-extproc (mock upstream, one gateway): an exact hit against Envoy's own
 *   direct_response of the same bytes on the same listener (ext_proc off on that route), and a
 *   semantic hit (an L1 miss, an embedding, a scan); a miss's added cost against a route with no
 *   cache, with L1 only and with L1 + L2 (the embedding and the write);
 * - in process: the memory store's semantic lookup (a brute-force scan of one partition) at 1k,
 *   2k, 10k and 100k entries of 384 dimensions, and the local embedder's latency and memory.
 * p50s through Envoy are measured interleaved (one request to each target in turn), so drift of
 * this busy machine hits all alike. Run after `make install`: node dist/bench/cache.js
 * (BENCH_QUICK=1 for a smoke run).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parse, stringify } from 'yaml';
import { MemoryCacheStore } from '../src/cache/memory-store.js';
import { normalize } from '../src/cache/types.js';
import type { CacheEntry } from '../src/cache/types.js';
import { LocalEmbedder, localModelPresent } from '../src/embedders/local-embedder.js';
import { LOCAL_MODEL_DIR } from '../test/helpers/cache-embed.js';
import { freePort } from '../test/helpers/envoy.js';
import { repoRoot } from '../test/helpers/repo.js';
import { startBenchGateway } from './standalone-gateway.js';

const QUICK = process.env.BENCH_QUICK === '1';
const N = QUICK ? 60 : 400;
const DIM = 384;
const ENTRY: CacheEntry = { completion: { choices: [] }, promptTokens: 1, completionTokens: 1, model: 'm' };

const CONFIG = (upstream: string): string => `version: 1
backends:
  openai: { provider: openai, baseUrl: 'http://${upstream}', cluster: mock, auth: { none: true } }
routes:
  - name: none
    match: { pathPrefix: /none }
    backend: openai
  - name: exact
    match: { pathPrefix: /exact }
    backend: openai
    policy:
      cache: { semantic: { embedder: none } }
  - name: semantic
    match: { pathPrefix: /semantic }
    backend: openai
    policy:
      cache: { timeoutMs: 5000, maxEntries: 100000, semantic: { embedder: local } }
  # The same work as /semantic on a miss (embedding, scan, write), but only an identical text hits:
  # the miss rows' questions differ by numbers, which MiniLM scores close together.
  - name: semantic-miss
    match: { pathPrefix: /semantic-miss }
    backend: openai
    policy:
      cache: { timeoutMs: 5000, maxEntries: 100000, semantic: { embedder: local, threshold: 1 } }
`;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)]!;
const ms = (v: number): string => `${v.toFixed(3)} ms`;
const body = (q: string): string =>
  JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: q }] });

interface Reply {
  readonly ms: number;
  readonly cache: string;
  readonly body: string;
}

function post(port: number, reqPath: string, data: string, agent: http.Agent): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: reqPath,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve({
                ms: performance.now() - t0,
                cache: String(res.headers['x-ai-cache'] ?? ''),
                body: Buffer.concat(chunks).toString(),
              })
            : reject(new Error(`HTTP ${res.statusCode} ${reqPath}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** Prepends a direct_response route (ext_proc off) answering `answer` on /direct. */
function withDirectRoute(answer: string): (yaml: string) => string {
  return (text) => {
    const cfg = parse(text) as {
      static_resources: {
        listeners: { filter_chains: { filters: { typed_config: Record<string, unknown> }[] }[] }[];
      };
    };
    const hcm = cfg.static_resources.listeners[0]!.filter_chains[0]!.filters[0]!.typed_config;
    const vh = (hcm.route_config as { virtual_hosts: { routes: unknown[] }[] }).virtual_hosts[0]!;
    vh.routes.unshift({
      match: { prefix: '/direct' },
      direct_response: { status: 200, body: { inline_string: answer } },
      response_headers_to_add: [{ header: { key: 'content-type', value: 'application/json' } }],
      typed_per_filter_config: {
        'ai-extproc': {
          '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute',
          disabled: true,
        },
      },
    });
    return stringify(cfg, { lineWidth: 0 });
  };
}

/** p50 of each target, interleaved; `check` validates every reply (a miss must miss, a hit hit). */
async function p50s(
  targets: readonly { port: number; path: string; body: (i: number) => string; expect: string }[],
  agent: http.Agent,
): Promise<number[]> {
  const xs: number[][] = targets.map(() => []);
  for (let i = 0; i < N; i++)
    for (let j = 0; j < targets.length; j++) {
      const t = targets[j]!;
      const r = await post(t.port, t.path, t.body(i), agent);
      if (r.cache !== t.expect)
        throw new Error(`${t.path}: x-ai-cache ${r.cache}, expected ${t.expect || 'none'}`);
      xs[j]!.push(r.ms);
    }
  return xs.map(median);
}

async function throughEnvoy(): Promise<void> {
  const root = repoRoot();
  const upstreamPort = await freePort();
  const mock = spawn(
    process.execPath,
    [path.join(root, 'dist/bench/mock-server.js'), '--port', String(upstreamPort)],
    {
      stdio: 'ignore',
    },
  );
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cache-'));
  let gw: Awaited<ReturnType<typeof startBenchGateway>> | undefined;
  try {
    const q = 'What is the capital of France?';
    // The mock's own answer: the direct_response serves the same bytes as a hit.
    let answer = '';
    for (let i = 0; i < 100 && !answer; i++) {
      answer = await post(upstreamPort, '/v1/chat/completions', body(q), agent).then(
        (r) => r.body,
        () => '',
      );
      if (!answer) await new Promise((r) => setTimeout(r, 100));
    }
    const configPath = path.join(dir, 'cache.yaml');
    fs.writeFileSync(configPath, CONFIG(`127.0.0.1:${upstreamPort}`));
    gw = await startBenchGateway(
      configPath,
      'cache',
      { AI_EXTPROC_EMBEDDING_MODEL_DIR: LOCAL_MODEL_DIR },
      withDirectRoute(answer),
    );
    const port = gw.envoy.listenPort;
    // Warm up and store the answers the hits will use (the write happens after the reply).
    for (const p of ['/exact', '/semantic']) await post(port, `${p}/v1/chat/completions`, body(q), agent);
    for (let i = 0; i < 50; i++) {
      const hits = await Promise.all(
        ['/exact', '/semantic'].map((p) => post(port, `${p}/v1/chat/completions`, body(q), agent)),
      );
      if (hits.every((h) => h.cache === 'hit')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    for (let i = 0; i < 30; i++) await post(port, '/direct', body(q), agent);

    const chat = '/v1/chat/completions';
    const [direct, hit, semanticHit] = await p50s(
      [
        { port, path: '/direct', body: () => body(q), expect: '' },
        { port, path: `/exact${chat}`, body: () => body(q), expect: 'hit' },
        // Trailing spaces: another exact key, the same embedded text (similarity 1).
        {
          port,
          path: `/semantic${chat}`,
          body: (i) => body(q + ' '.repeat(1 + (i % 50))),
          expect: 'semantic-hit',
        },
      ],
      agent,
    );
    const run = Date.now();
    const unique = (i: number, p: string) =>
      body(`Question ${p} ${run} number ${i}: what is ${i} times ${i + 7}?`);
    const [none, l1Miss, l2Miss] = await p50s(
      [
        { port, path: `/none${chat}`, body: (i) => unique(i, 'n'), expect: '' },
        { port, path: `/exact${chat}`, body: (i) => unique(i, 'e'), expect: 'miss' },
        { port, path: `/semantic-miss${chat}`, body: (i) => unique(i, 's'), expect: 'miss' },
      ],
      agent,
    );
    console.log(`## Cache through Envoy (${N} sequential requests per row, interleaved; p50)\n`);
    console.log('| request | p50 ms | added ms | vs |');
    console.log('|---|---:|---:|---|');
    console.log(`| Envoy direct_response, same bytes, same listener | ${direct!.toFixed(3)} | | baseline |`);
    console.log(
      `| exact hit (L1, memory store) | ${hit!.toFixed(3)} | ${(hit! - direct!).toFixed(3)} | direct_response |`,
    );
    console.log(
      `| semantic hit (L1 miss, local embedding, scan) | ${semanticHit!.toFixed(3)} | ${(semanticHit! - direct!).toFixed(3)} | direct_response |`,
    );
    console.log(`| miss, no cache on the route | ${none!.toFixed(3)} | | baseline |`);
    console.log(
      `| miss, L1 only (key, lookup, write) | ${l1Miss!.toFixed(3)} | ${(l1Miss! - none!).toFixed(3)} | no cache |`,
    );
    console.log(
      `| miss, L1 + L2 local (key, embedding, scan, write) | ${l2Miss!.toFixed(3)} | ${(l2Miss! - none!).toFixed(3)} | no cache |`,
    );
    console.log(
      `\nA hit saves the upstream call itself (here a loopback mock answering at once: ${none!.toFixed(3)} ms through Envoy).\n`,
    );
  } finally {
    agent.destroy();
    await gw?.stop();
    mock.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

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

async function storeBench(n: number): Promise<void> {
  const s = new MemoryCacheStore(n + 1);
  for (let i = 0; i < n; i++) await s.put('p', `k${i}`, vector(i), ENTRY, 3_600_000, n + 1);
  const near: number[] = [];
  const exact: number[] = [];
  for (let i = 0; i < (QUICK ? 10 : 50); i++) {
    const q = vector(1_000_000 + i);
    let t = performance.now();
    await s.nearest('p', q);
    near.push(performance.now() - t);
    t = performance.now();
    await s.exact('p', `k${i}`);
    exact.push(performance.now() - t);
  }
  console.log(
    `| ${n} | ${ms(pct(near, 0.5))} | ${ms(pct(near, 0.9))} | ${((pct(near, 0.5) * 1000) / n).toFixed(2)} µs | ${ms(pct(exact, 0.5))} |`,
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
  for (let i = 0; i < (QUICK ? 20 : 100); i++) {
    t = performance.now();
    await e.embed(`What is the capital of country number ${i}?`, AbortSignal.timeout(60_000));
    lat.push(performance.now() - t);
  }
  const rss = (process.memoryUsage().rss - rss0) / 2 ** 20;
  console.log('\n## Local embedder (all-MiniLM-L6-v2 int8, one thread, in process)\n');
  console.log('| load | short query p50 | p90 | RSS added |\n|---:|---:|---:|---:|');
  console.log(`| ${ms(load)} | ${ms(pct(lat, 0.5))} | ${ms(pct(lat, 0.9))} | ${rss.toFixed(0)} MiB |`);
}

await throughEnvoy();
console.log('## Memory store: semantic lookup (brute-force scan of one partition, 384 dimensions)\n');
console.log(
  '| entries in the partition | nearest p50 | p90 | per entry | exact p50 |\n|---:|---:|---:|---:|---:|',
);
for (const n of [1_000, 2_000, 10_000, 100_000]) await storeBench(n);
await embedderBench();

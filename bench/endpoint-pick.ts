/**
 * Endpoint picking against Envoy's round robin, in one run, on three fake vLLM servers
 * (test/helpers/fake-vllm.ts: at most 4 running, the rest queue; a prompt prefix in a server's
 * cache is served faster). The workload is chat with a dozen long shared system prompts (agents),
 * offered at a fixed rate near what round robin can serve. Two routes of one ai-extproc:
 *   picked  a FailOpen pool scored from the servers' metrics (queue, KV, prefix, LoRA);
 *   rr      the same servers, metrics unreadable, so every request falls back to Envoy's round robin.
 * Halves alternate picked, rr, rr, picked; each half uses its own prompts (no cache carried over).
 * Also the cost of one pick in process (prompt hashing + scoring).
 * Run: node dist/bench/endpoint-pick.js  (BENCH_QUICK=1 for a smoke run)
 */
import { startBenchGateway } from './standalone-gateway.js';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startFakeVllm } from '../test/helpers/fake-vllm.js';
import type { FakeVllm } from '../test/helpers/fake-vllm.js';
import { pick, promptText } from '../src/picking/picker.js';
import { PrefixIndex, prefixHashes } from '../src/picking/prefix-cache.js';
import { DEFAULT_WEIGHTS } from '../src/picking/scorer.js';

const QUICK = process.env.BENCH_QUICK === '1';
const HALF_MS = QUICK ? 3_000 : 20_000;
/** Offered load (requests/s): near what round robin serves on these servers. */
const RATE = Number(process.env.BENCH_PICK_RATE ?? 65);
/** The first requests of each half warm the servers' caches and are not recorded (both ways alike). */
const WARMUP_SHARE = 0.1;
const AGENTS = 12;
const PREFIX_CHARS = 16_000;

const pool = (servers: readonly FakeVllm[], metricsPath: string): string => `
    kind: pool
    provider: openai
    auth: { none: true }
    pool:
      servers: [${servers.map((s) => `"${s.endpoint}"`).join(', ')}]
      metricsPath: ${metricsPath}
      scrapeIntervalMs: 50
      failureMode: FailOpen
      fallbacks: 0`;

const CONFIG = (s: readonly FakeVllm[]): string => `version: 1
backends:
  picked:${pool(s, '/metrics')}
  rr:${pool(s, '/no-metrics')}
routes:
  - name: picked
    match: { pathPrefix: /picked }
    backend: picked
  - name: rr
    match: { pathPrefix: /rr }
    backend: rr
`;

function post(port: number, p: string, body: string, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: p,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(performance.now() - t0)
            : reject(new Error(`HTTP ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const pct = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};

/** One half: open loop at RATE for HALF_MS; latencies of every request (failures counted). */
async function half(port: number, route: string, seed: string, agent: http.Agent) {
  const prefixes = Array.from(
    { length: AGENTS },
    (_, i) => `${seed} agent ${i}: ` + `policy ${i} `.repeat(PREFIX_CHARS / 10),
  );
  const n = Math.round((RATE * HALF_MS) / 1000);
  const t0 = performance.now();
  const lat: number[] = [];
  let failed = 0;
  const statuses = new Map<string, number>();
  const all: Promise<void>[] = [];
  // Agents in a fixed pseudo-random order (a cycle would line up with round robin's).
  let rnd = 12345;
  const next = () => (rnd = (Math.imul(rnd, 1103515245) + 12345) >>> 0) % AGENTS;
  for (let i = 0; i < n; i++) {
    const wait = t0 + (i * 1000) / RATE - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const body = JSON.stringify({
      model: 'llama',
      messages: [
        { role: 'system', content: prefixes[next()] },
        { role: 'user', content: `question ${i} ${'x'.repeat(200)}` },
      ],
    });
    all.push(
      post(port, `/${route}/v1/chat/completions`, body, agent).then(
        (ms) => void (i >= n * WARMUP_SHARE && lat.push(ms)),
        (err: unknown) => {
          failed++;
          const k = err instanceof Error ? err.message : 'error';
          statuses.set(k, (statuses.get(k) ?? 0) + 1);
        },
      ),
    );
  }
  await Promise.all(all);
  return { lat, failed, statuses };
}

/** µs per pick for one request on a three-server pool: prompt text, block hashes, scoring. */
function pickCost(): number {
  const idx = new PrefixIndex();
  const body = {
    messages: [
      { role: 'system', content: 'policy '.repeat(PREFIX_CHARS / 7) },
      { role: 'user', content: 'q' },
    ],
  };
  const views = ['a', 'b', 'c'].map((e, i) => ({
    endpoint: `10.0.0.${i}:8000`,
    metrics: { waiting: i, running: 2, kvCache: 0.3, lora: undefined },
    excluded: false,
    e,
  }));
  idx.served(views[0]!.endpoint, prefixHashes(promptText(body, 1 << 20)));
  const N = QUICK ? 2_000 : 20_000;
  const run = () => {
    const hashes = prefixHashes(promptText(body, 524_288));
    return pick({
      endpoints: views,
      subset: undefined,
      forced: undefined,
      priority: 0,
      adapter: undefined,
      prefixScore: (ep) => idx.score(ep, hashes),
      weights: DEFAULT_WEIGHTS,
      limit: 3,
    });
  };
  for (let i = 0; i < 1000; i++) run();
  const t0 = performance.now();
  for (let i = 0; i < N; i++) run();
  return ((performance.now() - t0) * 1000) / N;
}

async function main(): Promise<void> {
  const servers: FakeVllm[] = [];
  for (const name of ['a', 'b', 'c'])
    servers.push(await startFakeVllm({ name, model: 'llama', baseMs: 20, msPerKChar: 4, cacheBlocks: 1000 }));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-pick-'));
  const configPath = path.join(dir, 'config.yaml');
  fs.writeFileSync(configPath, CONFIG(servers));
  const gateway = await startBenchGateway(configPath, 'pick');
  const { server, envoy } = gateway;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  try {
    const got: Record<string, { lat: number[]; failed: number }> = {
      picked: { lat: [], failed: 0 },
      rr: { lat: [], failed: 0 },
    };
    let h = 0;
    for (const route of ['picked', 'rr', 'rr', 'picked']) {
      const r = await half(envoy.listenPort, route, `half ${h++}`, agent);
      got[route]!.lat.push(...r.lat);
      got[route]!.failed += r.failed;
      if (r.failed > 0) console.log(`${route}: failures ${JSON.stringify([...r.statuses])}`);
    }
    const cost = pickCost();
    const p = got.picked!;
    const rr = got.rr!;
    const p99gain = 1 - pct(p.lat, 0.99) / pct(rr.lat, 0.99);
    console.log(
      `## Endpoint picking vs Envoy round robin (3 fake vLLM servers, ${RATE} req/s, ${AGENTS} long system prompts, ${(2 * HALF_MS) / 1000} s each)\n`,
    );
    console.log('| balancing | requests | failed | p50 ms | p99 ms |');
    console.log('|---|---:|---:|---:|---:|');
    for (const [name, r] of [
      ['ai-extproc picker', p],
      ['Envoy round robin', rr],
    ] as const)
      console.log(
        `| ${name} | ${r.lat.length} | ${r.failed} | ${pct(r.lat, 0.5).toFixed(1)} | ${pct(r.lat, 0.99).toFixed(1)} |`,
      );
    console.log(
      `\np99 with the picker is ${(p99gain * 100).toFixed(0)} % lower (target ≥ 30 %: ${p99gain >= 0.3 ? 'PASS' : 'FAIL'}).`,
    );
    console.log(
      `One pick in process (16 KB prompt hashed, 3 servers scored): ${cost.toFixed(1)} µs (target ≤ 50 µs: ${cost <= 50 ? 'PASS' : 'FAIL'}).`,
    );
    console.log(`Served per server: ${servers.map((s) => `${s.name} ${s.served}`).join(', ')}.`);
  } finally {
    agent.destroy();
    await envoy.stop();
    server.kill('SIGTERM');
    for (const s of servers) await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();

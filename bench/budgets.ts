/**
 * What a budget costs per request (issue 16), in one run: p50 latency through Envoy + ai-extproc
 * of the same chat request on a route with no limit, with a limit in the memory store, and with
 * a limit in Redis (redis-server on loopback); Redis calls per request (INFO commandstats); and
 * the memory store's own cost (plan + reserve + settle, in process).
 * Separate processes: mock upstream, two ai-extproc servers (memory; Redis), two Envoys.
 * Run: node dist/bench/budgets.js  (BENCH_QUICK=1 for a smoke run)
 */
import { startBenchGateway } from './standalone-gateway.js';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createClient } from 'redis';
import { freePort } from '../test/helpers/envoy.js';
import type { EnvoyProcess } from '../test/helpers/envoy.js';
import { repoRoot } from '../test/helpers/repo.js';
import { startRedis } from '../test/helpers/redis.js';
import { MemoryBudgetStore } from '../src/limits/memory-store.js';
import { plan } from '../src/limits/plan.js';
import type { LimitSpec } from '../src/limits/types.js';

const QUICK = process.env.BENCH_QUICK === '1';
const N = QUICK ? 150 : 1500;
const root = repoRoot();
const LIMITS = `
      limits:
        - { name: per-route, key: [route], requests: { limit: 1000000000, per: minute }, tokens: { limit: 1000000000000, per: day } }`;
const CONFIG = (upstream: string, stores: string): string => `version: 1
backends:
  openai: { provider: openai, baseUrl: 'http://${upstream}', cluster: mock, auth: { none: true } }
${stores}
routes:
  - name: none
    match: { pathPrefix: /none }
    backend: openai
  - name: limited
    match: { pathPrefix: /limited }
    backend: openai
    policy:${LIMITS}
`;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function request(port: number, reqPath: string, body: string, agent: http.Agent): Promise<number> {
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
        res.on('data', () => undefined);
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(performance.now() - t0)
            : reject(new Error(`HTTP ${res.statusCode} ${reqPath}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const BODY = JSON.stringify({
  model: 'gpt-4o-mini',
  max_tokens: 64,
  messages: [{ role: 'user', content: 'Summarise the benefits of an AI gateway in two sentences.' }],
});

/** p50 of each target, measured interleaved (one request to each in turn), so drift hits all alike. */
async function p50s(
  targets: readonly { port: number; path: string }[],
  agent: http.Agent,
): Promise<number[]> {
  for (let i = 0; i < 50; i++) for (const t of targets) await request(t.port, t.path, BODY, agent);
  const xs: number[][] = targets.map(() => []);
  for (let i = 0; i < N; i++)
    for (let j = 0; j < targets.length; j++)
      xs[j]!.push(await request(targets[j]!.port, targets[j]!.path, BODY, agent));
  return xs.map(median);
}

interface Gateway {
  readonly server: ChildProcess;
  readonly envoy: EnvoyProcess;
}

async function gateway(
  dir: string,
  name: string,
  config: string,
  env: Record<string, string>,
): Promise<Gateway> {
  const configPath = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(configPath, config);
  return startBenchGateway(configPath, `budgets-${name}`, env);
}

/** The memory store alone: µs per request for plan + reserve + settle over two counters. */
function memoryStoreMicros(): number {
  const store = new MemoryBudgetStore();
  const limit: LimitSpec = {
    name: 'l',
    id: 'g/l',
    key: [{ kind: 'client' }],
    quotas: { requests: { limit: 1e12, windowMs: 60_000 }, tokens: { limit: 1e15, windowMs: 86_400_000 } },
  };
  const facts = {
    client: 'c',
    team: undefined,
    route: 'r',
    model: 'm',
    ip: undefined,
    header: () => undefined,
  };
  const run = (n: number): number => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const p = plan([limit], facts, { tokens: 100, cost: undefined }, Date.now());
      store.reserve(String(i), p.holds, 600_000);
      store.settle(String(i), p.holds, [1, 80]);
    }
    return ((performance.now() - t0) * 1000) / n;
  };
  run(20_000);
  return run(QUICK ? 20_000 : 200_000);
}

async function main(): Promise<void> {
  const upstreamPort = await freePort();
  const mock = spawn(
    process.execPath,
    [path.join(root, 'dist/bench/mock-server.js'), '--port', String(upstreamPort)],
    {
      stdio: 'ignore',
    },
  );
  const redis = await startRedis();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-budgets-'));
  const upstream = `127.0.0.1:${upstreamPort}`;
  const memory = await gateway(dir, 'memory', CONFIG(upstream, ''), {});
  const viaRedis = await gateway(
    dir,
    'redis',
    CONFIG(upstream, 'stores: { redis: { url: { env: REDIS_URL } } }'),
    { REDIS_URL: redis.url },
  );
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const db = createClient({ url: redis.url });
  await db.connect();
  const evalCalls = async (): Promise<number> => {
    const info = await db.info('commandstats');
    return [...info.matchAll(/cmdstat_(?:evalsha|eval):calls=(\d+)/g)].reduce((s, m) => s + Number(m[1]), 0);
  };
  try {
    const before = await evalCalls();
    const [none, mem, red] = await p50s(
      [
        { port: memory.envoy.listenPort, path: '/none/v1/chat/completions' },
        { port: memory.envoy.listenPort, path: '/limited/v1/chat/completions' },
        { port: viaRedis.envoy.listenPort, path: '/limited/v1/chat/completions' },
      ],
      agent,
    );
    const perRequest = ((await evalCalls()) - before) / (N + 50);
    const micros = memoryStoreMicros();
    console.log(
      `## Budgets: added p50 per request through Envoy (${N} sequential requests per row, interleaved)\n`,
    );
    console.log('| route | p50 ms | added vs no limit ms | ratio |');
    console.log('|---|---:|---:|---:|');
    console.log(`| no limit | ${none!.toFixed(3)} | | 1.00 |`);
    console.log(
      `| limit, memory store | ${mem!.toFixed(3)} | ${(mem! - none!).toFixed(3)} | ${(mem! / none!).toFixed(2)} |`,
    );
    console.log(
      `| limit, Redis (loopback) | ${red!.toFixed(3)} | ${(red! - none!).toFixed(3)} | ${(red! / none!).toFixed(2)} |`,
    );
    console.log(
      `\nRedis scripts per request: ${perRequest.toFixed(2)} (one reserve, one settle: one round trip per phase; target 2).`,
    );
    console.log(
      `Memory store alone (plan + reserve + settle, two counters): ${micros.toFixed(2)} µs per request (target ≤ 20 µs): ${micros <= 20 ? 'PASS' : 'FAIL'}.`,
    );
  } finally {
    agent.destroy();
    await db.close();
    for (const g of [memory, viaRedis]) {
      await g.envoy.stop();
      g.server.kill('SIGTERM');
    }
    mock.kill('SIGTERM');
    await redis.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();

/**
 * A/B of two builds of the server through the same Envoy: for refactors that must not cost
 * anything. One mock provider and one Envoy stay up; the two builds take turns on the same
 * ext_proc socket, in the order A B B A (repeated), each round a fixed-rate phase. Reported per
 * build: the server's CPU per request (/proc, utime + stime) and the client's p50 latency, with
 * the B/A ratio of each adjacent pair, and the medians. The mock streams its default answer (the
 * stream-200 workload's event count is not enforced here).
 *
 *   node dist/bench/ab-builds.js --a OLD/dist/src/main.js --b dist/src/main.js \
 *     [--mode kgateway|standalone] [--workload chat-1k|stream-200] [--rounds 4] [--rps 200] [--seconds 10]
 *     [--model claude-sonnet]
 *
 * --model sets the request's model (standalone: an alias of config/examples/standalone.yaml, e.g.
 * claude-sonnet or bedrock-haiku for a cross-API pair; the default gpt-4o-mini is OpenAI → OpenAI).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, startEnvoy } from '../test/helpers/envoy.js';
import { repoRoot } from '../test/helpers/repo.js';
import type { LoadConfig, LoadResult } from './loadgen.js';
import { cpuMsOf, killAllChildrenSync, runNode, spawnNode, stopChild, track } from './proc.js';
import { chatBody, CHAT_PATH } from './workloads.js';
import { envoyConfigText } from '../src/envoy-config-command.js';
import { DEFAULT_BOOTSTRAP } from '../src/config/envoy/bootstrap.js';

const ROOT = repoRoot();
const DIST = path.join(ROOT, 'dist');
const { values } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string' },
    mode: { type: 'string', default: 'kgateway' },
    workload: { type: 'string', default: 'chat-1k' },
    rounds: { type: 'string', default: '4' },
    rps: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '10' },
    model: { type: 'string' },
  },
});
if (!values.a || !values.b) throw new Error('--a and --b (the two builds main.js) are required');
const BUILDS = { A: values.a, B: values.b } as const;
const MODE = values.mode === 'standalone' ? 'standalone' : 'kgateway';
const STREAM = values.workload === 'stream-200';
const ROUNDS = Number(values.rounds);
const RPS = Number(values.rps);
const SECONDS = Number(values.seconds);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

interface Phase {
  readonly build: 'A' | 'B';
  readonly cpuUsPerReq: number;
  readonly p50Ms: number;
  readonly ok: number;
  readonly sent: number;
}

async function startServer(
  main: string,
  socket: string,
  env: NodeJS.ProcessEnv,
): Promise<{ stop: () => Promise<void>; pid: number }> {
  const metricsPort = await freePort();
  const s = await spawnNode(main, [], {
    env: {
      ...process.env,
      ...env,
      LISTEN_ADDR: `unix-abstract:${socket}`,
      METRICS_ADDR: `127.0.0.1:${metricsPort}`,
      LOG_LEVEL: 'error',
      AI_OTEL_CONFIG_DIRS: '/nonexistent',
    },
  });
  const by = Date.now() + 20_000;
  for (;;) {
    if (s.child.exitCode !== null) throw new Error(`${main} exited: ${s.stderr()}`);
    const ok = await fetch(`http://127.0.0.1:${metricsPort}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > by) throw new Error(`${main} not ready`);
    await sleep(50);
  }
  return { stop: () => stopChild(s.child, 8000), pid: s.child.pid! };
}

async function main(): Promise<void> {
  const mockPort = await freePort();
  const mock = await spawnNode(path.join(DIST, 'bench/mock-server.js'), ['--port', String(mockPort)], {
    ready: /mock-provider listening/,
  });
  const socket = `ai-extproc-ab-${process.pid}`;
  const env: NodeJS.ProcessEnv = {};
  if (MODE === 'standalone') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-extproc-ab-'));
    const cfg = fs.readFileSync(path.join(ROOT, 'config/examples/standalone.yaml'), 'utf8');
    fs.writeFileSync(
      path.join(dir, 'config.yaml'),
      cfg.replaceAll('127.0.0.1:18080', `127.0.0.1:${mockPort}`),
    );
    env.AI_EXTPROC_CONFIG = path.join(dir, 'config.yaml');
  }
  // kgateway: the shipped template; standalone: the config the generator makes from ours.
  const envoy = await startEnvoy({
    ...(MODE === 'standalone'
      ? {
          render: ({ listenPort, adminPort, accessLog }) =>
            envoyConfigText(env.AI_EXTPROC_CONFIG!, {
              ...DEFAULT_BOOTSTRAP,
              listen: { host: '127.0.0.1', port: listenPort },
              admin: { host: '127.0.0.1', port: adminPort },
              extproc: { kind: 'abstract', name: socket },
              accessLog,
            }),
        }
      : { template: path.join(ROOT, 'envoy/kgateway/envoy.yaml') }),
    vars: { EXTPROC_SOCKET: socket, UPSTREAM_PORT: mockPort },
    concurrency: 1,
  });
  track(envoy.proc);
  const chat = chatBody(1024, { stream: STREAM });
  const body = values.model
    ? Buffer.from(JSON.stringify({ ...(JSON.parse(chat.toString()) as object), model: values.model }))
    : chat;
  const load = (n: number): LoadConfig => ({
    mode: 'rate',
    host: '127.0.0.1',
    port: envoy.listenPort,
    path: CHAT_PATH,
    headers: { 'content-type': 'application/json', authorization: 'Bearer ab' },
    bodyB64: body.toString('base64'),
    rps: RPS,
    concurrency: 64,
    maxRequests: n,
    durationMs: (n / RPS) * 1000 + 5000,
    drainMs: 5000,
    timeoutMs: 30_000,
    samples: false,
    warmupRequests: 50,
  });
  const phases: Phase[] = [];
  const order: ('A' | 'B')[] = [];
  for (let r = 0; r < ROUNDS; r++) order.push(...(r % 2 ? (['B', 'A'] as const) : (['A', 'B'] as const)));
  try {
    for (const build of order) {
      const server = await startServer(BUILDS[build], socket, env);
      await runNode(path.join(DIST, 'bench/loadgen.js'), JSON.stringify(load(400)), 60_000); // warm-up
      const cpu0 = cpuMsOf(server.pid);
      const n = RPS * SECONDS;
      const res = JSON.parse(
        await runNode(path.join(DIST, 'bench/loadgen.js'), JSON.stringify(load(n)), 120_000 + SECONDS * 1000),
      ) as LoadResult;
      const cpu = cpuMsOf(server.pid) - cpu0;
      await server.stop();
      const total = res.sent + res.warmupSent;
      const p: Phase = {
        build,
        cpuUsPerReq: (cpu * 1000) / total,
        p50Ms: res.latencyUs.p50 / 1000,
        ok: res.ok,
        sent: res.sent,
      };
      phases.push(p);
      console.error(
        `${build}: ${p.cpuUsPerReq.toFixed(0)} µs CPU/request, p50 ${p.p50Ms.toFixed(2)} ms, ${p.ok}/${p.sent} ok`,
      );
    }
  } finally {
    await envoy.stop();
    await stopChild(mock.child);
  }
  const of = (b: 'A' | 'B') => phases.filter((p) => p.build === b);
  const ratios = (k: 'cpuUsPerReq' | 'p50Ms'): number[] => {
    const out: number[] = [];
    for (let i = 0; i + 1 < phases.length; i += 2) {
      const [x, y] = [phases[i]!, phases[i + 1]!];
      const a = x.build === 'A' ? x : y;
      const b = x.build === 'A' ? y : x;
      out.push(b[k] / a[k]);
    }
    return out;
  };
  const row = (name: string, k: 'cpuUsPerReq' | 'p50Ms', unit: string, digits: number): string =>
    `| ${name} | ${median(of('A').map((p) => p[k])).toFixed(digits)} ${unit} | ${median(of('B').map((p) => p[k])).toFixed(digits)} ${unit} | ${median(ratios(k)).toFixed(3)} (${ratios(
      k,
    )
      .map((r) => r.toFixed(3))
      .join(', ')}) |`;
  console.log(
    [
      `${MODE}, ${STREAM ? 'stream-200' : 'chat-1k'}${values.model ? ` (model ${values.model})` : ''}, ${RPS} req/s for ${SECONDS} s, ${ROUNDS} rounds (A B, B A, …)`,
      '',
      '| figure | A (median) | B (median) | B/A median (per pair) |',
      '|---|---:|---:|---:|',
      row('server CPU per request', 'cpuUsPerReq', 'µs', 0),
      row('client p50 latency', 'p50Ms', 'ms', 2),
    ].join('\n'),
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.stack : String(err));
    killAllChildrenSync();
    process.exit(1);
  },
);

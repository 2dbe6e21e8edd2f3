/**
 * `make bench`: what the ext_proc filter costs, measured through real Envoy in one run.
 *
 *   node dist/bench/run-all.js            (BENCH_QUICK=1: ~10x shorter smoke run; BENCH_STRICT=1: exit 2 on a FAIL)
 *
 * Processes (all on loopback, each its own process so their CPU can be read from /proc):
 *   mock provider (bench/mock-server.ts) ← Envoy (a) envoy/bench/no-filter.yaml
 *                                        ← Envoy (b) envoy/kgateway/envoy.yaml → ai-extproc (dist/src/main.js)
 *   load generator (bench/loadgen.ts), a fresh child process per phase.
 * Both Envoys (--concurrency 1) stay up for the whole run, so the (a) and (b) measurements can be
 * interleaved A,B,B,A: slow drift of this noisy VM then hits both configurations alike.
 *
 * Then, if dist/bench/tokenizers.js exists, it runs as a child process and its tables are appended.
 * Results: stdout, bench/results/latest.md and bench/results/latest.json. See bench/README.md.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { envoyBin, freePort, startEnvoy } from '../test/helpers/envoy.js';
import type { EnvoyProcess } from '../test/helpers/envoy.js';
import { repoRoot } from '../test/helpers/repo.js';
import { summarize } from './loadgen.js';
import type { LoadConfig, LoadResult, Summary } from './loadgen.js';
import {
  commOf,
  cpuMsOf,
  killAllChildrenSync,
  rssMibOf,
  runNode,
  spawnNode,
  stopChild,
  track,
} from './proc.js';
import {
  RESPONSE_1K_BYTES,
  REQUEST_1K_BYTES,
  CHAT_PATH,
  chatBody,
  textOfBytes,
  workloads,
} from './workloads.js';
import type { Workload, WorkloadName } from './workloads.js';
import { forceGc, gcDelta, scrapeServer } from './server-metrics.js';
import { findH2load, h2loadCheck } from './h2load-check.js';
import type { H2loadReport } from './h2load-check.js';

// ---------------------------------------------------------------------------------------------------------------
// Phase settings. Full run ≈ 6 minutes on the 2-core VM (+45 s tokenizers). BENCH_QUICK=1 scales durations and counts by 0.1.

const QUICK = process.env['BENCH_QUICK'] === '1';
const STRICT = process.env['BENCH_STRICT'] === '1';
const SCALE = QUICK ? 0.1 : 1;

/** Closed-loop warm-up of each configuration, per workload, before anything is measured. */
const WARMUP_MS = 4_000 * SCALE;
/** Fixed-rate measurement: four halves A, B, B, A of this length (so 2 halves per configuration). */
const RATE_HALF_MS = 15_000 * SCALE;
/** Offered load per workload (requests/s) for the fixed-rate phase. The targets use chat-1k at 200/s. */
const RATES: Record<WorkloadName, number> = { 'chat-1k': 200, 'chat-100k': 50, 'stream-200': 50 };
/** Fixed-rate phase: at most this many requests in flight (later ones queue, and their wait counts). */
const RATE_MAX_IN_FLIGHT = 64;
/** Each load-generator process first opens its connections with 2 × this many unrecorded requests. */
const RATE_WARMUP_REQUESTS = 8;
/** Saturation: closed loop with this many concurrent connections, four halves A, B, B, A. */
const SAT_CONCURRENCY = 32;
const SAT_HALF_MS = 6_000 * SCALE;
/**
 * The saturation target (chat-1k) compares peak throughputs: each configuration's best over these
 * connection counts, so neither side is judged at a concurrency that happens to suit only the other.
 */
const SWEEP_CONCURRENCY = [16, 32, 64, 128];
const SWEEP_HALF_MS = 3_000 * SCALE;
/** Memory phase, (b) only, chat-1k at saturation, RSS sampled after every chunk. */
const MEM_CHUNK = 10_000 * SCALE;
const MEM_FIRST = 20_000 * SCALE;
const MEM_TOTAL = 100_000 * SCALE;
/** The memory phase stops early (and says so) if it takes longer than this. */
const MEM_MAX_MS = 240_000 * SCALE;
/** The server's idle CPU is sampled for this long, before and after the memory phase. */
const IDLE_MS = 3_000 * SCALE;
const REQUEST_TIMEOUT_MS = 30_000;
const DRAIN_MS = 10_000;
const TOKENIZERS_MAX_MS = 300_000;

// Targets (the issue's acceptance criteria).
const TARGET_RATE = RATES['chat-1k'];
const TARGET_ADDED_P50_MS = 1;
const TARGET_ADDED_P99_MS = 3;
const TARGET_SAT_RATIO = 0.5;
const TARGET_RSS_GROWTH_PCT = 10;

// ---------------------------------------------------------------------------------------------------------------

const ROOT = repoRoot();
const DIST = path.join(ROOT, 'dist');
const RESULTS_DIR = path.join(ROOT, 'bench/results');
const SERVER_JS = path.join(DIST, 'src/main.js');
const MOCK_JS = path.join(DIST, 'bench/mock-server.js');
const LOADGEN_JS = path.join(DIST, 'bench/loadgen.js');
const TOKENIZERS_JS = path.join(DIST, 'bench/tokenizers.js');
const TEMPLATE_A = path.join(ROOT, 'envoy/bench/no-filter.yaml');
const TEMPLATE_B = path.join(ROOT, 'envoy/kgateway/envoy.yaml');

type Config = 'a' | 'b' | 'c';
const CONFIG_TITLE: Record<Config, string> = {
  a: '(a) Envoy, no filter',
  b: '(b) Envoy + ai-extproc',
  c: '(c) Envoy + null ext_proc (Go)',
};

interface Stack {
  mock: ChildProcess;
  mockPort: number;
  server: ChildProcess;
  serverPid: number;
  metricsPort: number;
  inspectPort: number;
  envoy: Record<'a' | 'b', EnvoyProcess> & { c?: EnvoyProcess };
  /** bench/null-extproc behind Envoy (c), when Go is installed. */
  nullPid?: number;
}

interface CpuPerReq {
  /** ms of CPU per request (user+system from /proc), per process. */
  extproc: number;
  envoy: number;
  mock: number;
  loadgen: number;
}

interface ServerPhase {
  gc: Record<string, { ms: number; count: number }>;
  lagMaxMs: number;
  lagP99Ms: number;
}

interface Measured {
  load: LoadResult;
  cpuMs: { extproc: number; envoy: number; mock: number };
  /** (b) only: the ext_proc server's GC and event-loop delay during the phase. */
  server?: ServerPhase;
}

interface ServerInternals {
  gcMs: number;
  majorGcs: number;
  majorGcMs: number;
  /** All GC time divided by the phase's requests. */
  gcMsPerReq: number;
  /** Worst event-loop delay p99 and max over the halves. */
  lagP99Ms: number;
  lagMaxMs: number;
}

interface PhaseSummary {
  config: Config;
  requests: number;
  ok: number;
  errors: Record<string, number>;
  rps: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** Latency from the actual send (fixed rate: without the generator's lateness and queueing). */
  serviceMs: { p50: number; p99: number };
  ttfbP50Ms: number;
  /** Fixed-rate only: the generator's own lateness (timer + queueing), worst of the halves. */
  sendLagMs?: { p50: number; p99: number };
  cpuMsPerReq: CpuPerReq;
  responseBytes: number;
  events?: { min: number; max: number };
  extprocInternals?: ServerInternals;
}

interface WorkloadReport {
  name: WorkloadName;
  title: string;
  requestBytes: number;
  rate: {
    offeredRps: number;
    a: PhaseSummary;
    b: PhaseSummary;
    addedP50Ms: number;
    addedP99Ms: number;
    /** The same from the actual send time (without the generator's own lateness). */
    addedServiceP50Ms: number;
    addedServiceP99Ms: number;
    /** chat-1k, when Go is installed: (c), the same Envoy config with the null ext_proc server. */
    c?: PhaseSummary;
  };
  saturation: { concurrency: number; a: PhaseSummary; b: PhaseSummary; throughputRatio: number };
  /** chat-1k only: closed-loop throughput by connection count, and each configuration's peak. */
  sweep?: {
    points: {
      concurrency: number;
      aRps: number;
      bRps: number;
      bCpuMsPerReq: CpuPerReq;
      /** (c): Envoy with the same config and the null ext_proc server. */
      cRps?: number;
      cCpuMsPerReq?: CpuPerReq;
    }[];
    peakA: { concurrency: number; rps: number };
    peakB: { concurrency: number; rps: number };
    peakC?: { concurrency: number; rps: number };
    peakRatio: number;
  };
}

interface MemoryCheckpoint {
  requests: number;
  rssMib: number;
  heapUsedMib?: number;
  heapTotalMib?: number;
  externalMib?: number;
  /** At the 20k and 100k checkpoints, after RSS was read: a forced full GC, then heap and RSS again. */
  afterGc?: { heapUsedMib: number; rssMib: number };
  elapsedS: number;
}

interface TargetResult {
  name: string;
  measured: string;
  limit: string;
  pass: boolean;
}

interface Report {
  startedAt: string;
  durationS: number;
  quick: boolean;
  machine: { cpus: number; cpuModel: string; node: string; envoy: string; kernel: string };
  settings: Record<string, unknown>;
  verification: string[];
  memory: {
    concurrency: number;
    checkpoints: MemoryCheckpoint[];
    rssAtFirstMib: number;
    rssAtTotalMib: number;
    growthPct: number;
    completed: boolean;
    cpuMsPerReq: number;
    rps: number;
    /** V8 heap used after a forced full GC, at MEM_FIRST and at the end. */
    heapAfterGcFirstMib?: number;
    heapAfterGcTotalMib?: number;
  };
  /** The server's CPU when no request is in flight, in % of one core. */
  idleCpuPct: { fresh: number; afterMemory: number };
  workloads: WorkloadReport[];
  extprocStreams?: { opened: number; bRequests: number };
  targets: TargetResult[];
  problems: string[];
  tokenizers?: { ok: boolean; seconds: number; output: string };
  /** chat-1k measured again with h2load; a reason instead when it could not run. */
  h2load?: H2loadReport | { skipped: string };
  /** The in-process sub-benches (guards, observability), each run as a child process. */
  extras?: { title: string; ok: boolean; seconds: number; output: string }[];
}

const t0 = performance.now();
const problems: string[] = [];
let bRequests = 0;

function log(msg: string): void {
  const s = ((performance.now() - t0) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[${s}s] ${msg}\n`);
}

const ms = (us: number): number => us / 1000;
const f = (n: number, digits = 2): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const sleep = (msDelay: number): Promise<void> => new Promise((r) => setTimeout(r, msDelay));

// ---------------------------------------------------------------------------------------------------------------
// Stack

async function startStack(cleanups: (() => Promise<void>)[]): Promise<Stack> {
  for (const file of [SERVER_JS, MOCK_JS, LOADGEN_JS]) {
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: run "npx tsc -p ." (make build) first`);
  }
  const mockPort = await freePort();
  const mock = await spawnNode(MOCK_JS, ['--port', String(mockPort), '--host', '127.0.0.1'], {
    ready: /mock-provider listening on http:\/\/127\.0\.0\.1:(\d+)/,
  });
  cleanups.push(() => stopChild(mock.child));
  log(`mock provider pid ${mock.child.pid ?? '?'} on 127.0.0.1:${mockPort}`);

  const socket = `ai-extproc-bench-${process.pid}`;
  const metricsPort = await freePort();
  const inspectPort = await freePort();
  const server = await spawnNode(SERVER_JS, [], {
    // Only so that the memory phase can force a full GC (bench/server-metrics.ts).
    nodeArgs: [`--inspect=127.0.0.1:${inspectPort}`],
    env: {
      ...process.env,
      LISTEN_ADDR: `unix-abstract:${socket}`,
      METRICS_ADDR: `127.0.0.1:${metricsPort}`,
      LOG_LEVEL: 'error',
      AI_OTEL_CONFIG_DIRS: '/nonexistent',
    },
  });
  cleanups.push(() => stopChild(server.child, 8000));
  const serverPid = server.child.pid;
  if (serverPid === undefined) throw new Error('ai-extproc did not start');
  const readyBy = Date.now() + 20_000;
  for (;;) {
    if (server.child.exitCode !== null) throw new Error(`ai-extproc exited: ${server.stderr()}`);
    try {
      if ((await fetch(`http://127.0.0.1:${metricsPort}/readyz`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > readyBy) throw new Error(`ai-extproc not ready: ${server.stderr()}`);
    await sleep(50);
  }
  log(`ai-extproc pid ${serverPid} on @${socket}, RSS ${f(rssMibOf(serverPid), 1)} MiB at start`);

  const envoy = {} as Stack['envoy'];
  for (const [config, template] of [
    ['a', TEMPLATE_A],
    ['b', TEMPLATE_B],
  ] as const) {
    const e = await startEnvoy({
      template,
      vars: { EXTPROC_SOCKET: socket, UPSTREAM_PORT: mockPort },
      concurrency: 1,
    });
    track(e.proc);
    cleanups.push(() => e.stop());
    envoy[config] = e;
    const pid = e.proc.pid ?? -1;
    if (commOf(pid) !== 'envoy')
      problems.push(`Envoy ${config} pid ${pid} is "${commOf(pid)}", not envoy: its CPU figures are wrong`);
    log(`Envoy ${config} pid ${pid} on 127.0.0.1:${e.listenPort} (${path.relative(ROOT, template)})`);
  }
  const nullServer = await startNullExtproc(cleanups);
  if (nullServer) {
    const e = await startEnvoy({
      template: TEMPLATE_B,
      vars: { EXTPROC_SOCKET: nullServer.socket, UPSTREAM_PORT: mockPort },
      concurrency: 1,
    });
    track(e.proc);
    cleanups.push(() => e.stop());
    envoy.c = e;
    log(
      `Envoy c pid ${e.proc.pid ?? -1} on 127.0.0.1:${e.listenPort} (kgateway config, null ext_proc server)`,
    );
  }
  return {
    mock: mock.child,
    mockPort,
    server: server.child,
    serverPid,
    metricsPort,
    inspectPort,
    envoy,
    ...(nullServer ? { nullPid: nullServer.pid } : {}),
  };
}

/**
 * Builds and starts bench/null-extproc (Go, standard library only) when a Go toolchain is found:
 * the cheapest possible ext_proc server, so that (c) shows what Envoy's ext_proc work alone costs.
 */
async function startNullExtproc(
  cleanups: (() => Promise<void>)[],
): Promise<{ socket: string; pid: number } | undefined> {
  const go = [process.env['GO'], 'go', '/usr/local/go/bin/go'].find((g) => {
    if (!g) return false;
    try {
      execFileSync(g, ['version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });
  if (!go) {
    log('no Go toolchain: skipping the null ext_proc server (c)');
    return undefined;
  }
  const bin = path.join(os.tmpdir(), `null-extproc-${process.pid}`);
  try {
    execFileSync(go, ['build', '-o', bin, '.'], {
      cwd: path.join(ROOT, 'bench/null-extproc'),
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' },
    });
  } catch (err) {
    problems.push(`could not build bench/null-extproc: ${String(err).slice(0, 300)}`);
    return undefined;
  }
  const socket = `ai-extproc-null-${process.pid}`;
  const child = track(spawn(bin, ['-listen', `@${socket}`], { stdio: ['ignore', 'pipe', 'inherit'] }));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`null-extproc exited with ${String(code)}`)));
  });
  cleanups.push(async () => {
    await stopChild(child);
    fs.rmSync(bin, { force: true });
  });
  log(`null ext_proc server pid ${child.pid ?? '?'} on @${socket}`);
  return { socket, pid: child.pid ?? -1 };
}

function pidOf(c: ChildProcess): number {
  if (c.pid === undefined) throw new Error('child has no pid');
  return c.pid;
}

// ---------------------------------------------------------------------------------------------------------------
// Calibration and verification

function countEvents(text: string): number {
  return text.split('\n\n').length - 1;
}

/** The x-mock-text length that makes the mock's non-streaming answer RESPONSE_1K_BYTES long. */
async function calibrateResponseText(mockPort: number): Promise<string> {
  const body = chatBody(REQUEST_1K_BYTES);
  const size = async (text: string): Promise<number> => {
    const r = await fetch(`http://127.0.0.1:${mockPort}${CHAT_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mock-text': text },
      body,
    });
    return Buffer.byteLength(await r.text());
  };
  const probe = 400;
  const s0 = await size(textOfBytes(probe));
  const text = textOfBytes(Math.max(1, probe + RESPONSE_1K_BYTES - s0));
  const s1 = await size(text);
  log(`calibrated x-mock-text to ${text.length} bytes: the JSON answer is ${s1} bytes`);
  return text;
}

/** One request per workload through (a) and (b); checks status, sizes, SSE events and the ext_proc metadata. */
async function verify(stack: Stack, wls: Workload[]): Promise<string[]> {
  const lines: string[] = [];
  for (const config of ['a', 'b'] as const) {
    const e = stack.envoy[config];
    const before = config === 'b' ? e.accessLogEntries().length : 0;
    for (const wl of wls) {
      const r = await fetch(`${e.url}${wl.path}`, { method: 'POST', headers: wl.headers, body: wl.body });
      const text = await r.text();
      const events = countEvents(text);
      const line =
        `${config} ${wl.name}: HTTP ${r.status}, request ${wl.body.length} B, response ${Buffer.byteLength(text)} B` +
        (wl.expectedEvents !== undefined ? `, ${events} SSE events (want ${wl.expectedEvents})` : '');
      lines.push(line);
      log(`verify ${line}`);
      if (r.status !== 200) throw new Error(`verification failed: ${line}\n${text.slice(0, 500)}`);
      if (wl.expectedEvents !== undefined && events !== wl.expectedEvents)
        throw new Error(`verification failed: ${line}`);
      if (config === 'b') bRequests++;
    }
    if (config === 'b') {
      const entries = (await e.waitForAccessLog(before + wls.length, 10_000)).slice(before);
      for (const entry of entries) {
        const fields = ['prompt_tokens', 'completion_tokens', 'rate_limited_tokens'] as const;
        const desc = fields.map((k) => `${k}=${String(entry[k])}`).join(' ');
        lines.push(`b access log: ${desc} streaming=${String(entry['streaming'])}`);
        if (fields.some((k) => typeof entry[k] !== 'number'))
          throw new Error(`ext_proc did not set the token metadata in (b): ${JSON.stringify(entry)}`);
      }
      log('verify (b) access log carries the ai.kgateway.io token metadata: the ext_proc path is active');
    }
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------------------------
// Load phases

async function runLoadgen(cfg: LoadConfig): Promise<LoadResult> {
  const limit = cfg.durationMs + 2 * cfg.drainMs + 30_000;
  const out = await runNode(LOADGEN_JS, JSON.stringify(cfg), limit);
  return JSON.parse(out) as LoadResult;
}

async function measure(
  stack: Stack,
  config: Config,
  wl: Workload,
  mode:
    | { kind: 'rate'; rps: number; ms: number }
    | { kind: 'closed'; ms: number; maxRequests?: number; concurrency?: number },
  samples: boolean,
  warmup = true,
): Promise<Measured> {
  const closedConcurrency = mode.kind === 'closed' ? (mode.concurrency ?? SAT_CONCURRENCY) : 0;
  const e = config === 'c' ? stack.envoy.c : stack.envoy[config];
  if (!e) throw new Error('Envoy (c) is not running');
  const cfg: LoadConfig = {
    mode: mode.kind,
    host: '127.0.0.1',
    port: e.listenPort,
    path: wl.path,
    headers: wl.headers,
    bodyB64: wl.body.toString('base64'),
    ...(mode.kind === 'rate' ? { rps: mode.rps } : {}),
    concurrency: mode.kind === 'rate' ? RATE_MAX_IN_FLIGHT : closedConcurrency,
    maxRequests: mode.kind === 'closed' ? (mode.maxRequests ?? 10_000_000) : 10_000_000,
    durationMs: mode.ms,
    drainMs: DRAIN_MS,
    timeoutMs: REQUEST_TIMEOUT_MS,
    ...(wl.expectedEvents !== undefined ? { expectedEvents: wl.expectedEvents } : {}),
    samples,
    // The memory phase counts every request, so it sends no unrecorded ones.
    warmupRequests: !warmup ? 0 : mode.kind === 'rate' ? RATE_WARMUP_REQUESTS : closedConcurrency,
  };
  const pids = {
    extproc: config === 'c' ? (stack.nullPid ?? -1) : stack.serverPid,
    envoy: pidOf(e.proc),
    mock: pidOf(stack.mock),
  };
  // Scraped outside the CPU window; the scrape also resets the server's event-loop delay histogram.
  const s0 = config === 'b' ? await scrapeServer(stack.metricsPort) : undefined;
  const before = { extproc: cpuMsOf(pids.extproc), envoy: cpuMsOf(pids.envoy), mock: cpuMsOf(pids.mock) };
  const load = await runLoadgen(cfg);
  const cpuMs = {
    extproc: cpuMsOf(pids.extproc) - before.extproc,
    envoy: cpuMsOf(pids.envoy) - before.envoy,
    mock: cpuMsOf(pids.mock) - before.mock,
  };
  const s1 = s0 ? await scrapeServer(stack.metricsPort) : undefined;
  const server: ServerPhase | undefined =
    s0 && s1 ? { gc: gcDelta(s0, s1), lagMaxMs: s1.lagMaxMs, lagP99Ms: s1.lagP99Ms } : undefined;
  if (config === 'b') bRequests += load.sent + load.warmupSent;
  const errs = Object.entries(load.errors);
  if (errs.length > 0) {
    const desc = `${config} ${wl.name} ${mode.kind}: ${errs.map(([k, v]) => `${k}×${v}`).join(', ')} of ${load.sent}`;
    problems.push(`errors in ${desc}`);
    log(`!! errors in ${desc}`);
  }
  return server ? { load, cpuMs, server } : { load, cpuMs };
}

function combine(config: Config, parts: Measured[]): PhaseSummary {
  const lat: number[] = [];
  const svc: number[] = [];
  let requests = 0;
  let cpuRequests = 0;
  let ok = 0;
  let elapsed = 0;
  let bytes = 0;
  const errors: Record<string, number> = {};
  const cpu = { extproc: 0, envoy: 0, mock: 0, loadgen: 0 };
  let lag: { p50: number; p99: number } | undefined;
  let evMin = Infinity;
  let evMax = -Infinity;
  const ttfbP50s: number[] = [];
  let internals: ServerInternals | undefined;
  for (const p of parts) {
    if (p.server) {
      const i = (internals ??= {
        gcMs: 0,
        majorGcs: 0,
        majorGcMs: 0,
        gcMsPerReq: 0,
        lagP99Ms: 0,
        lagMaxMs: 0,
      });
      for (const [kind, g] of Object.entries(p.server.gc)) {
        i.gcMs += g.ms;
        if (kind === 'major') {
          i.majorGcs += g.count;
          i.majorGcMs += g.ms;
        }
      }
      i.lagP99Ms = Math.max(i.lagP99Ms, p.server.lagP99Ms);
      i.lagMaxMs = Math.max(i.lagMaxMs, p.server.lagMaxMs);
    }
    const l = p.load;
    requests += l.sent;
    cpuRequests += l.sent + l.warmupSent;
    ok += l.ok;
    elapsed += l.elapsedMs;
    bytes += l.bytesIn;
    for (const [k, v] of Object.entries(l.errors)) errors[k] = (errors[k] ?? 0) + v;
    lat.push(...(l.samplesUs ?? []));
    svc.push(...(l.serviceSamplesUs ?? []));
    cpu.extproc += p.cpuMs.extproc;
    cpu.envoy += p.cpuMs.envoy;
    cpu.mock += p.cpuMs.mock;
    cpu.loadgen += l.cpuMs;
    if (l.sendLagUs) {
      lag = {
        p50: Math.max(lag?.p50 ?? 0, ms(l.sendLagUs.p50)),
        p99: Math.max(lag?.p99 ?? 0, ms(l.sendLagUs.p99)),
      };
    }
    if (l.eventsMin !== undefined && l.eventsMax !== undefined) {
      evMin = Math.min(evMin, l.eventsMin);
      evMax = Math.max(evMax, l.eventsMax);
    }
    ttfbP50s.push(ms(l.ttfbUs.p50));
  }
  const s: Summary = summarize(lat);
  const sv: Summary = summarize(svc);
  const per = (v: number): number => (cpuRequests > 0 ? v / cpuRequests : NaN);
  if (internals) internals.gcMsPerReq = per(internals.gcMs);
  return {
    config,
    requests,
    ok,
    errors,
    rps: elapsed > 0 ? ok / (elapsed / 1000) : 0,
    latencyMs: { p50: ms(s.p50), p90: ms(s.p90), p99: ms(s.p99), max: ms(s.max), mean: ms(s.mean) },
    serviceMs: { p50: ms(sv.p50), p99: ms(sv.p99) },
    ttfbP50Ms: ttfbP50s.sort((x, y) => x - y)[Math.floor((ttfbP50s.length - 1) / 2)] ?? NaN,
    ...(lag ? { sendLagMs: lag } : {}),
    cpuMsPerReq: {
      extproc: per(cpu.extproc),
      envoy: per(cpu.envoy),
      mock: per(cpu.mock),
      loadgen: per(cpu.loadgen),
    },
    responseBytes: ok > 0 ? Math.round(bytes / Math.max(1, requests)) : 0,
    ...(Number.isFinite(evMin) ? { events: { min: evMin, max: evMax } } : {}),
    ...(internals ? { extprocInternals: internals } : {}),
  };
}

function describe(p: PhaseSummary): string {
  return (
    `${f(p.rps, 1)} req/s, p50 ${f(p.latencyMs.p50)} ms, p99 ${f(p.latencyMs.p99)} ms, ` +
    `ext_proc ${f(p.cpuMsPerReq.extproc, 3)} CPU-ms/req, envoy ${f(p.cpuMsPerReq.envoy, 3)}, ` +
    `${p.ok}/${p.requests} ok` +
    (p.extprocInternals
      ? `; ext_proc GC ${f(p.extprocInternals.gcMs, 0)} ms (${p.extprocInternals.majorGcs} major), ` +
        `event-loop delay max ${f(p.extprocInternals.lagMaxMs, 1)} ms`
      : '')
  );
}

/** A, B, B, A halves; returns the combined (a) and (b) summaries. */
async function abba(
  stack: Stack,
  wl: Workload,
  mode: { kind: 'rate'; rps: number; ms: number } | { kind: 'closed'; ms: number; concurrency?: number },
  withNull = false,
): Promise<{ a: PhaseSummary; b: PhaseSummary; c?: PhaseSummary }> {
  const got: Record<Config, Measured[]> = { a: [], b: [], c: [] };
  // With (c): A, B, C, C, B, A, so that drift still hits every configuration alike.
  const order: readonly Config[] = withNull ? ['a', 'b', 'c', 'c', 'b', 'a'] : ['a', 'b', 'b', 'a'];
  for (const config of order) got[config].push(await measure(stack, config, wl, mode, true));
  const a = combine('a', got.a);
  const b = combine('b', got.b);
  const c = got.c.length > 0 ? combine('c', got.c) : undefined;
  const tag = mode.kind === 'closed' && mode.concurrency !== undefined ? ` ×${mode.concurrency}` : '';
  log(`${wl.name} ${mode.kind}${tag} a: ${describe(a)}`);
  log(`${wl.name} ${mode.kind}${tag} b: ${describe(b)}`);
  if (c) log(`${wl.name} ${mode.kind}${tag} c: ${describe(c)}`);
  return c ? { a, b, c } : { a, b };
}

/** Closed-loop throughput of (a) and (b) at each of SWEEP_CONCURRENCY (A,B,B,A halves each). */
async function sweep(stack: Stack, wl: Workload): Promise<NonNullable<WorkloadReport['sweep']>> {
  const points: NonNullable<WorkloadReport['sweep']>['points'] = [];
  for (const concurrency of SWEEP_CONCURRENCY) {
    const r = await abba(stack, wl, { kind: 'closed', ms: SWEEP_HALF_MS, concurrency }, !!stack.envoy.c);
    points.push({
      concurrency,
      aRps: r.a.rps,
      bRps: r.b.rps,
      bCpuMsPerReq: r.b.cpuMsPerReq,
      ...(r.c ? { cRps: r.c.rps, cCpuMsPerReq: r.c.cpuMsPerReq } : {}),
    });
  }
  const best = (k: 'aRps' | 'bRps' | 'cRps') =>
    points.reduce((m, p) => ((p[k] ?? 0) > m.rps ? { concurrency: p.concurrency, rps: p[k] ?? 0 } : m), {
      concurrency: 0,
      rps: 0,
    });
  const peakA = best('aRps');
  const peakB = best('bRps');
  const peakC = stack.envoy.c ? best('cRps') : undefined;
  return { points, peakA, peakB, peakRatio: peakB.rps / peakA.rps, ...(peakC ? { peakC } : {}) };
}

async function idleCpuPct(stack: Stack): Promise<number> {
  await sleep(300); // let in-flight work (and the last loadgen's connections) settle
  const c0 = cpuMsOf(stack.serverPid);
  const t = performance.now();
  await sleep(IDLE_MS);
  return ((cpuMsOf(stack.serverPid) - c0) / (performance.now() - t)) * 100;
}

async function memoryPhase(stack: Stack, wl: Workload): Promise<Report['memory']> {
  const checkpoints: MemoryCheckpoint[] = [];
  const start = performance.now();
  let done = 0;
  let cpuMs = 0;
  let okTotal = 0;
  let elapsedMs = 0;
  const pid = stack.serverPid;
  checkpoints.push({ requests: 0, rssMib: rssMibOf(pid), elapsedS: 0 });
  while (done < MEM_TOTAL) {
    const left = MEM_MAX_MS - (performance.now() - start);
    if (left <= 1000) break;
    const n = Math.min(MEM_CHUNK, MEM_TOTAL - done);
    const m = await measure(stack, 'b', wl, { kind: 'closed', ms: left, maxRequests: n }, false, false);
    done += m.load.sent;
    cpuMs += m.cpuMs.extproc;
    okTotal += m.load.ok;
    elapsedMs += m.load.elapsedMs;
    const cp: MemoryCheckpoint = {
      requests: done,
      rssMib: rssMibOf(pid),
      elapsedS: (performance.now() - start) / 1000,
    };
    const sample = await scrapeServer(stack.metricsPort);
    if (sample) {
      cp.heapUsedMib = sample.heapUsedMib;
      cp.heapTotalMib = sample.heapTotalMib;
      cp.externalMib = sample.externalMib;
    }
    if ((done === MEM_FIRST || done >= MEM_TOTAL) && (await forceGc(stack.inspectPort))) {
      const after = await scrapeServer(stack.metricsPort);
      if (after) cp.afterGc = { heapUsedMib: after.heapUsedMib, rssMib: rssMibOf(pid) };
    }
    checkpoints.push(cp);
    log(
      `memory: ${done} requests through (b), ext_proc RSS ${f(cp.rssMib, 1)} MiB` +
        (cp.heapUsedMib !== undefined ? `, heap used ${f(cp.heapUsedMib, 1)} MiB` : '') +
        (cp.afterGc
          ? ` (after a forced GC: heap ${f(cp.afterGc.heapUsedMib, 1)}, RSS ${f(cp.afterGc.rssMib, 1)})`
          : '') +
        ` (${f(m.load.rps, 0)} req/s)`,
    );
  }
  const completed = done >= MEM_TOTAL;
  if (!completed)
    problems.push(`memory phase stopped at ${done} of ${MEM_TOTAL} requests (time bound ${MEM_MAX_MS} ms)`);
  const atFirst = checkpoints.find((c) => c.requests >= MEM_FIRST) ?? checkpoints[checkpoints.length - 1];
  const atTotal = checkpoints[checkpoints.length - 1];
  const r1 = atFirst?.rssMib ?? NaN;
  const r2 = atTotal?.rssMib ?? NaN;
  return {
    concurrency: SAT_CONCURRENCY,
    checkpoints,
    rssAtFirstMib: r1,
    rssAtTotalMib: r2,
    growthPct: ((r2 - r1) / r1) * 100,
    completed,
    cpuMsPerReq: done > 0 ? cpuMs / done : NaN,
    rps: elapsedMs > 0 ? okTotal / (elapsedMs / 1000) : NaN,
    ...(atFirst?.afterGc ? { heapAfterGcFirstMib: atFirst.afterGc.heapUsedMib } : {}),
    ...(atTotal?.afterGc ? { heapAfterGcTotalMib: atTotal.afterGc.heapUsedMib } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Report

function evaluate(wls: WorkloadReport[], mem: Report['memory']): TargetResult[] {
  const chat = wls.find((w) => w.name === 'chat-1k');
  const out: TargetResult[] = [];
  if (chat) {
    out.push({
      name: `added p50, chat-1k at ${TARGET_RATE} req/s`,
      measured: `${f(chat.rate.addedP50Ms, 3)} ms`,
      limit: `≤ ${TARGET_ADDED_P50_MS} ms`,
      pass: chat.rate.addedP50Ms <= TARGET_ADDED_P50_MS,
    });
    out.push({
      name: `added p99, chat-1k at ${TARGET_RATE} req/s`,
      measured: `${f(chat.rate.addedP99Ms, 3)} ms`,
      limit: `≤ ${TARGET_ADDED_P99_MS} ms`,
      pass: chat.rate.addedP99Ms <= TARGET_ADDED_P99_MS,
    });
    const sw = chat.sweep;
    out.push(
      sw
        ? {
            name: `throughput b/a at saturation (chat-1k, peak of each over ${SWEEP_CONCURRENCY.join('/')} connections)`,
            measured:
              `${f(sw.peakRatio * 100, 1)} % (${f(sw.peakB.rps, 0)} req/s at ${sw.peakB.concurrency} / ` +
              `${f(sw.peakA.rps, 0)} req/s at ${sw.peakA.concurrency})`,
            limit: `≥ ${TARGET_SAT_RATIO * 100} %`,
            pass: sw.peakRatio >= TARGET_SAT_RATIO,
          }
        : {
            name: `throughput b/a at saturation (chat-1k, ${SAT_CONCURRENCY} connections)`,
            measured: `${f(chat.saturation.throughputRatio * 100, 1)} % (${f(chat.saturation.b.rps, 0)} / ${f(chat.saturation.a.rps, 0)} req/s)`,
            limit: `≥ ${TARGET_SAT_RATIO * 100} %`,
            pass: chat.saturation.throughputRatio >= TARGET_SAT_RATIO,
          },
    );
  }
  out.push({
    name: `ext_proc RSS growth, ${MEM_FIRST} → ${MEM_TOTAL} requests`,
    measured: `${f(mem.growthPct, 1)} % (${f(mem.rssAtFirstMib, 1)} → ${f(mem.rssAtTotalMib, 1)} MiB)${mem.completed ? '' : ' (incomplete)'}`,
    limit: `< ${TARGET_RSS_GROWTH_PCT} %`,
    pass: mem.completed && mem.growthPct < TARGET_RSS_GROWTH_PCT,
  });
  return out;
}

function errorsCell(p: PhaseSummary): string {
  const e = Object.entries(p.errors);
  return e.length === 0 ? '0' : e.map(([k, v]) => `${k}×${v}`).join(' ');
}

function renderH2load(L: string[], h: Report['h2load']): void {
  if (!h) return;
  L.push('## Cross-check with h2load (chat-1k)');
  L.push('');
  if ('skipped' in h) {
    L.push(`Skipped: ${h.skipped}.`);
    L.push('');
    return;
  }
  const rate = h.rate.results;
  L.push(
    `${h.version}, HTTP/1.1 keep-alive, one request in flight per client, configurations in the order ` +
      `A, B, C, C, B, A. Fixed rate: ${h.rate.clients} client(s) × --rps ${h.rate.rpsPerClient}; latency ` +
      "from h2load's per-request log (µs), from the actual send.",
  );
  L.push('');
  L.push('| config | requests | p50 ms | p99 ms | added p50 ms | added p99 ms | non-2xx |');
  L.push('|---|---:|---:|---:|---:|---:|---:|');
  for (const c of ['a', 'b', 'c'] as const) {
    const x = rate[c];
    if (!x) continue;
    const added = (k: 'p50Ms' | 'p99Ms'): string => (c === 'a' || !rate.a ? '' : f(x[k] - rate.a[k], 3));
    L.push(
      `| ${CONFIG_TITLE[c]} | ${x.requests} | ${f(x.p50Ms, 3)} | ${f(x.p99Ms, 3)} | ${added('p50Ms')} | ` +
        `${added('p99Ms')} | ${x.non2xx} |`,
    );
  }
  L.push('');
  L.push('| clients (closed loop) | (a) req/s | (b) req/s | b/a | (c) req/s | c/a | b/c | not 2xx |');
  L.push('|---:|---:|---:|---:|---:|---:|---:|---:|');
  const rps = (x?: number): string => (x !== undefined ? f(x, 0) : '–');
  const pct = (x?: number, y?: number): string =>
    x !== undefined && y !== undefined ? `${f((x / y) * 100, 1)} %` : '–';
  for (const p of h.saturation) {
    const { a, b, c } = p.rps;
    L.push(
      `| ${p.clients} | ${rps(a)} | ${rps(b)} | ${pct(b, a)} | ${rps(c)} | ${pct(c, a)} | ${pct(b, c)} | ${p.failed} |`,
    );
  }
  L.push('');
}

function renderMarkdown(r: Report): string {
  const L: string[] = [];
  L.push(
    `# ai-extproc gateway bench${r.quick ? ' (BENCH_QUICK smoke run: numbers are not meaningful)' : ''}`,
  );
  L.push('');
  L.push(
    `${r.startedAt}, ${f(r.durationS, 0)} s. ${r.machine.cpus} × ${r.machine.cpuModel}, Linux ${r.machine.kernel}, ` +
      `Node ${r.machine.node}, Envoy ${r.machine.envoy} (--concurrency 1). Load generator: bench/loadgen.ts ` +
      `(node:http keep-alive, own process). Everything on loopback; see bench/README.md for what the numbers mean.`,
  );
  L.push('');
  L.push('## Targets');
  L.push('');
  L.push('| target | measured | limit | result |');
  L.push('|---|---:|---:|:---:|');
  for (const t of r.targets)
    L.push(`| ${t.name} | ${t.measured} | ${t.limit} | **${t.pass ? 'PASS' : 'FAIL'}** |`);
  L.push('');
  L.push('## Added by the filter (b − a)');
  L.push('');
  L.push(
    '| workload | fixed rate | added p50 ms | added p99 ms | (from actual send: p50 / p99) | saturation req/s a → b | throughput b/a | ext_proc CPU-ms/req (fixed rate) | ext_proc CPU-ms/req (saturation) |',
  );
  L.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const w of r.workloads) {
    L.push(
      `| ${w.name} | ${w.rate.offeredRps}/s | ${f(w.rate.addedP50Ms, 3)} | ${f(w.rate.addedP99Ms, 3)} | ` +
        `${f(w.rate.addedServiceP50Ms, 3)} / ${f(w.rate.addedServiceP99Ms, 3)} | ` +
        `${f(w.saturation.a.rps, 0)} → ${f(w.saturation.b.rps, 0)} | ${f(w.saturation.throughputRatio * 100, 1)} % | ` +
        `${f(w.rate.b.cpuMsPerReq.extproc, 3)} | ${f(w.saturation.b.cpuMsPerReq.extproc, 3)} |`,
    );
  }
  for (const w of r.workloads) {
    const c = w.rate.c;
    if (!c) continue;
    L.push('');
    L.push(
      `Floor, ${w.name} at ${w.rate.offeredRps}/s: (c), the same Envoy config with a server that does no work ` +
        `(bench/null-extproc), adds p50 ${f(c.latencyMs.p50 - w.rate.a.latencyMs.p50, 3)} ms and p99 ` +
        `${f(c.latencyMs.p99 - w.rate.a.latencyMs.p99, 3)} ms: Envoy's four ext_proc round trips per request ` +
        `on this machine. ai-extproc adds ${f(w.rate.b.latencyMs.p50 - c.latencyMs.p50, 3)} ms p50 on top of that floor.`,
    );
  }
  L.push('');
  L.push('## Fixed rate (open loop, latency from the scheduled send time)');
  L.push('');
  L.push(
    '| workload | config | offered/s | achieved req/s | p50 ms | p90 ms | p99 ms | max ms | TTFB p50 ms | gen. lag p50/p99 ms | errors | CPU-ms/req ext_proc · Envoy · mock |',
  );
  L.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|');
  for (const w of r.workloads) {
    for (const p of [w.rate.a, w.rate.b, ...(w.rate.c ? [w.rate.c] : [])]) {
      L.push(
        `| ${w.name} | ${CONFIG_TITLE[p.config]} | ${w.rate.offeredRps} | ${f(p.rps, 1)} | ${f(p.latencyMs.p50)} | ` +
          `${f(p.latencyMs.p90)} | ${f(p.latencyMs.p99)} | ${f(p.latencyMs.max)} | ${f(p.ttfbP50Ms)} | ` +
          `${p.sendLagMs ? `${f(p.sendLagMs.p50)}/${f(p.sendLagMs.p99)}` : '–'} | ${errorsCell(p)} | ` +
          `${f(p.cpuMsPerReq.extproc, 3)} · ${f(p.cpuMsPerReq.envoy, 3)} · ${f(p.cpuMsPerReq.mock, 3)} |`,
      );
    }
  }
  L.push('');
  L.push(`## Saturation (closed loop, ${SAT_CONCURRENCY} connections)`);
  L.push('');
  L.push(
    '| workload | config | req/s | p50 ms | p99 ms | errors | CPU-ms/req ext_proc · Envoy · mock · load generator | CPU-ms/req, all four |',
  );
  L.push('|---|---|---:|---:|---:|---|---:|---:|');
  for (const w of r.workloads) {
    for (const p of [w.saturation.a, w.saturation.b]) {
      const c = p.cpuMsPerReq;
      L.push(
        `| ${w.name} | ${CONFIG_TITLE[p.config]} | ${f(p.rps, 0)} | ${f(p.latencyMs.p50)} | ${f(p.latencyMs.p99)} | ` +
          `${errorsCell(p)} | ${f(c.extproc, 3)} · ${f(c.envoy, 3)} · ${f(c.mock, 3)} · ${f(c.loadgen, 3)} | ` +
          `${f(c.extproc + c.envoy + c.mock + c.loadgen, 3)} |`,
      );
    }
  }
  for (const w of r.workloads) {
    if (!w.sweep) continue;
    L.push('');
    L.push(
      `## Peak throughput, ${w.name} (closed loop by connection count, A,B,B,A halves of ${SWEEP_HALF_MS / 1000} s)`,
    );
    L.push('');
    const cpu = (c: CpuPerReq | undefined): string =>
      c ? `${f(c.extproc, 3)} · ${f(c.envoy, 3)} · ${f(c.mock, 3)} · ${f(c.loadgen, 3)}` : '–';
    L.push(
      '| connections | (a) req/s | (b) req/s | b/a | (c) req/s | c/a | CPU-ms/req (b): ext_proc · Envoy · mock · load generator | CPU-ms/req (c): null server · Envoy · mock · load generator |',
    );
    L.push('|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const p of w.sweep.points) {
      L.push(
        `| ${p.concurrency} | ${f(p.aRps, 0)} | ${f(p.bRps, 0)} | ${f((p.bRps / p.aRps) * 100, 1)} % | ` +
          `${p.cRps !== undefined ? f(p.cRps, 0) : '–'} | ${p.cRps !== undefined ? `${f((p.cRps / p.aRps) * 100, 1)} %` : '–'} | ` +
          `${cpu(p.bCpuMsPerReq)} | ${cpu(p.cCpuMsPerReq)} |`,
      );
    }
    L.push('');
    const sw = w.sweep;
    L.push(
      `Peak (a) ${f(sw.peakA.rps, 0)} req/s at ${sw.peakA.concurrency}, peak (b) ${f(sw.peakB.rps, 0)} req/s ` +
        `at ${sw.peakB.concurrency}: **${f(sw.peakRatio * 100, 1)} %**.` +
        (sw.peakC
          ? ` Peak (c), the same Envoy config with a Go server that answers every message with an empty ` +
            `reply (bench/null-extproc): ${f(sw.peakC.rps, 0)} req/s at ${sw.peakC.concurrency}, ` +
            `**${f((sw.peakC.rps / sw.peakA.rps) * 100, 1)} %** of (a): the ceiling for any ext_proc server here. ` +
            `ai-extproc's peak is **${f((sw.peakB.rps / sw.peakC.rps) * 100, 1)} %** of that ceiling.`
          : ' (c) did not run: no Go toolchain.'),
    );
  }
  L.push('');
  renderH2load(L, r.h2load);
  L.push(
    `## ext_proc server memory (chat-1k through (b) at saturation, ${r.memory.concurrency} connections; ` +
      `before it, the fresh server saw only the 3 verification requests)`,
  );
  L.push('');
  L.push(
    `RSS ${f(r.memory.rssAtFirstMib, 1)} MiB after ${MEM_FIRST} requests → ${f(r.memory.rssAtTotalMib, 1)} MiB after ` +
      `${r.memory.checkpoints[r.memory.checkpoints.length - 1]?.requests ?? 0}: **${f(r.memory.growthPct, 1)} %** growth. ` +
      `${f(r.memory.rps, 0)} req/s, ${f(r.memory.cpuMsPerReq, 3)} ext_proc CPU-ms/req.` +
      (r.memory.heapAfterGcFirstMib !== undefined && r.memory.heapAfterGcTotalMib !== undefined
        ? ` V8 heap used after a forced full GC: ${f(r.memory.heapAfterGcFirstMib, 1)} MiB at ${MEM_FIRST} → ` +
          `${f(r.memory.heapAfterGcTotalMib, 1)} MiB at the end (live objects; growth here is what a leak looks like).`
        : ''),
  );
  L.push('');
  L.push(
    '| requests | RSS MiB | V8 heap used MiB | V8 heap total MiB | external MiB | after a forced GC: heap used / RSS MiB | elapsed s |',
  );
  L.push('|---:|---:|---:|---:|---:|---:|---:|');
  const opt = (v: number | undefined): string => (v !== undefined ? f(v, 1) : '');
  for (const c of r.memory.checkpoints) {
    L.push(
      `| ${c.requests} | ${f(c.rssMib, 1)} | ${opt(c.heapUsedMib)} | ${opt(c.heapTotalMib)} | ${opt(c.externalMib)} | ` +
        `${c.afterGc ? `${f(c.afterGc.heapUsedMib, 1)} / ${f(c.afterGc.rssMib, 1)}` : ''} | ${f(c.elapsedS, 1)} |`,
    );
  }
  L.push('');
  L.push(
    `ext_proc idle CPU (no requests, ${IDLE_MS} ms): ${f(r.idleCpuPct.fresh, 2)} % of a core when fresh, ` +
      `${f(r.idleCpuPct.afterMemory, 2)} % after the memory phase.`,
  );
  L.push('');
  L.push('## ext_proc server internals during the (b) phases (from its /metrics)');
  L.push('');
  L.push(
    '| workload | phase | requests | GC ms (all kinds) | GC ms/req | major GCs (ms) | event-loop delay p99 / max ms (worst half) |',
  );
  L.push('|---|---|---:|---:|---:|---:|---:|');
  for (const w of r.workloads) {
    for (const [phase, p] of [
      [`fixed ${w.rate.offeredRps}/s`, w.rate.b],
      ['saturation', w.saturation.b],
    ] as const) {
      const i = p.extprocInternals;
      if (!i) continue;
      L.push(
        `| ${w.name} | ${phase} | ${p.requests} | ${f(i.gcMs, 0)} | ${f(i.gcMsPerReq, 3)} | ${i.majorGcs} (${f(i.majorGcMs, 0)}) | ` +
          `${f(i.lagP99Ms, 1)} / ${f(i.lagMaxMs, 1)} |`,
      );
    }
  }
  L.push('');
  L.push('## Checks');
  L.push('');
  for (const v of r.verification) L.push(`- ${v}`);
  if (r.extprocStreams) {
    L.push(
      `- ext_proc gRPC streams opened: ${r.extprocStreams.opened}, requests sent through (b): ${r.extprocStreams.bRequests}`,
    );
  }
  for (const p of r.problems) L.push(`- **problem:** ${p}`);
  if (r.problems.length === 0) L.push('- no request errors, no problems');
  L.push('');
  if (r.tokenizers) {
    L.push(`## Tokenizers (dist/bench/tokenizers.js, ${f(r.tokenizers.seconds, 0)} s)`);
    L.push('');
    L.push(r.tokenizers.ok ? r.tokenizers.output.trim() : `failed: ${r.tokenizers.output.trim()}`);
    L.push('');
  }
  for (const x of r.extras ?? []) {
    L.push(`## ${x.title} (${f(x.seconds, 0)} s)`);
    L.push('');
    L.push(x.ok ? x.output.trim() : `failed: ${x.output.trim()}`);
    L.push('');
  }
  return L.join('\n');
}

function machineInfo(): Report['machine'] {
  let envoy = '?';
  try {
    const v = execFileSync(envoyBin(), ['--version'], { encoding: 'utf8', timeout: 10_000 });
    envoy = /\/(\d+\.\d+\.\d+)\//.exec(v)?.[1] ?? v.trim();
  } catch {
    /* keep "?" */
  }
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? '?',
    node: process.version,
    envoy,
    kernel: os.release(),
  };
}

async function runTokenizers(): Promise<Report['tokenizers']> {
  if (!fs.existsSync(TOKENIZERS_JS)) return undefined;
  log('running dist/bench/tokenizers.js');
  const start = performance.now();
  const env = { ...process.env };
  if (QUICK && env['BENCH_MS'] === undefined) env['BENCH_MS'] = '100';
  try {
    const output = await runNode(TOKENIZERS_JS, '', TOKENIZERS_MAX_MS, env);
    return { ok: true, seconds: (performance.now() - start) / 1000, output };
  } catch (err) {
    problems.push(`tokenizers bench failed: ${err instanceof Error ? err.message : String(err)}`);
    return { ok: false, seconds: (performance.now() - start) / 1000, output: String(err) };
  }
}

// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const startedAt = new Date().toISOString();
  const cleanups: (() => Promise<void>)[] = [];
  let stopping = false;
  const cleanup = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    for (const c of cleanups.reverse()) {
      try {
        await Promise.race([c(), sleep(10_000)]);
      } catch {
        /* keep stopping the others */
      }
    }
    killAllChildrenSync();
  };
  process.on('exit', killAllChildrenSync);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      log(`${sig}: stopping every process`);
      cleanup().finally(() => process.exit(130));
    });
  }

  log(
    `bench${QUICK ? ' (BENCH_QUICK=1)' : ''}: warm-up ${WARMUP_MS} ms, fixed rate 4 × ${RATE_HALF_MS} ms, ` +
      `saturation 4 × ${SAT_HALF_MS} ms, memory ${MEM_TOTAL} requests`,
  );
  const machine = machineInfo();
  let report: Report;
  try {
    const stack = await startStack(cleanups);
    const wls = workloads(await calibrateResponseText(stack.mockPort));
    const verification = await verify(stack, wls);
    const chat = wls.find((w) => w.name === 'chat-1k');
    if (!chat) throw new Error('no chat-1k workload');

    const idleFresh = await idleCpuPct(stack);
    log(`ext_proc idle CPU (fresh): ${f(idleFresh, 2)} % of a core`);
    log(`memory phase: ${MEM_TOTAL} chat-1k requests through (b)`);
    const memory = await memoryPhase(stack, chat);
    const idleAfter = await idleCpuPct(stack);
    log(`ext_proc idle CPU (after the memory phase): ${f(idleAfter, 2)} % of a core`);

    const reports: WorkloadReport[] = [];
    for (const wl of wls) {
      log(`${wl.name}: ${wl.title}; warm-up`);
      for (const config of ['a', 'b'] as const)
        await measure(stack, config, wl, { kind: 'closed', ms: WARMUP_MS }, false);
      const rps = RATES[wl.name];
      const withNull = wl.name === 'chat-1k' && stack.envoy.c !== undefined;
      const rate = await abba(stack, wl, { kind: 'rate', rps, ms: RATE_HALF_MS }, withNull);
      const sat = await abba(stack, wl, { kind: 'closed', ms: SAT_HALF_MS });
      const peak = wl.name === 'chat-1k' ? await sweep(stack, wl) : undefined;
      reports.push({
        name: wl.name,
        title: wl.title,
        requestBytes: wl.body.length,
        rate: {
          offeredRps: rps,
          a: rate.a,
          b: rate.b,
          addedP50Ms: rate.b.latencyMs.p50 - rate.a.latencyMs.p50,
          addedP99Ms: rate.b.latencyMs.p99 - rate.a.latencyMs.p99,
          addedServiceP50Ms: rate.b.serviceMs.p50 - rate.a.serviceMs.p50,
          addedServiceP99Ms: rate.b.serviceMs.p99 - rate.a.serviceMs.p99,
          ...(rate.c ? { c: rate.c } : {}),
        },
        saturation: {
          concurrency: SAT_CONCURRENCY,
          a: sat.a,
          b: sat.b,
          throughputRatio: sat.b.rps / sat.a.rps,
        },
        ...(peak ? { sweep: peak } : {}),
      });
    }
    // Before h2load, whose warm-up requests it does not log: streams opened = requests sent through (b).
    const opened = (await scrapeServer(stack.metricsPort))?.streamsOpened;
    const h2bin = findH2load();
    let h2load: Report['h2load'];
    if (!h2bin) {
      h2load = { skipped: 'h2load not found (Debian: apt-get install nghttp2-client; or set H2LOAD_BIN)' };
      log(`h2load cross-check skipped: ${h2load.skipped}`);
    } else {
      log('chat-1k again with h2load');
      try {
        const ports = {
          a: stack.envoy.a.listenPort,
          b: stack.envoy.b.listenPort,
          ...(stack.envoy.c ? { c: stack.envoy.c.listenPort } : {}),
        };
        h2load = await h2loadCheck(h2bin, ports, chat, SCALE, log);
      } catch (err) {
        h2load = { skipped: `h2load failed: ${err instanceof Error ? err.message : String(err)}` };
        problems.push(h2load.skipped);
      }
    }
    report = {
      startedAt,
      durationS: 0,
      quick: QUICK,
      machine,
      settings: {
        WARMUP_MS,
        RATE_HALF_MS,
        RATES,
        RATE_MAX_IN_FLIGHT,
        SAT_CONCURRENCY,
        SAT_HALF_MS,
        SWEEP_CONCURRENCY,
        SWEEP_HALF_MS,
        MEM_CHUNK,
        MEM_FIRST,
        MEM_TOTAL,
        MEM_MAX_MS,
        REQUEST_TIMEOUT_MS,
        IDLE_MS,
        responseTextBytes: chat.headers['x-mock-text']?.length,
      },
      verification,
      memory,
      idleCpuPct: { fresh: idleFresh, afterMemory: idleAfter },
      workloads: reports,
      ...(opened !== undefined ? { extprocStreams: { opened, bRequests } } : {}),
      targets: evaluate(reports, memory),
      problems,
      ...(h2load ? { h2load } : {}),
    };
  } finally {
    log('stopping Envoy, ai-extproc and the mock');
    await cleanup();
  }

  const tok = await runTokenizers();
  if (tok) report.tokenizers = tok;
  report.extras = [];
  for (const [file, title] of [
    ['bench/guards.js', 'Guards (dist/bench/guards.js)'],
    ['bench/observability.js', 'Metrics and tracing overhead (dist/bench/observability.js)'],
    ['bench/translation.js', 'Standalone translation overhead (dist/bench/translation.js)'],
    [
      'bench/standalone-inproc.js',
      'Standalone pipeline CPU per request, in process (dist/bench/standalone-inproc.js)',
    ],
    ['bench/same-api.js', 'Same-API pass-through against the kgateway path (dist/bench/same-api.js)'],
    ['bench/budgets.js', 'Budgets: no limit, memory store, Redis (dist/bench/budgets.js)'],
    [
      'bench/cache.js',
      'Semantic cache: hits against direct_response, misses, store scan, embedder (dist/bench/cache.js)',
    ],
    ['bench/endpoint-pick.js', 'Endpoint picking against round robin (dist/bench/endpoint-pick.js)'],
    ['bench/failover.js', 'Failover: one target, the upstream filter, two attempts (dist/bench/failover.js)'],
    ['bench/complexity.js', 'Complexity: time at n and 2n (dist/bench/complexity.js)'],
    ['bench/token-bound.js', 'Small requests while 7.5 MiB prompts are counted (dist/bench/token-bound.js)'],
    ['bench/mcp.js', 'MCP guard overhead (dist/bench/mcp.js)'],
    ['bench/mcp-gateway.js', 'MCP gateway endpoint overhead (dist/bench/mcp-gateway.js)'],
  ] as const) {
    log(`running dist/${file}`);
    const start = performance.now();
    const env = { ...process.env, ...(QUICK ? { BENCH_QUICK: '1' } : {}) };
    try {
      const output = await runNode(path.join(DIST, file), '', TOKENIZERS_MAX_MS, env);
      report.extras.push({ title, ok: true, seconds: (performance.now() - start) / 1000, output });
    } catch (err) {
      problems.push(`${file} failed: ${err instanceof Error ? err.message : String(err)}`);
      report.extras.push({
        title,
        ok: false,
        seconds: (performance.now() - start) / 1000,
        output: String(err),
      });
    }
  }
  report.durationS = (performance.now() - t0) / 1000;
  report.problems = problems;

  const md = renderMarkdown(report);
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(path.join(RESULTS_DIR, 'latest.json'), JSON.stringify(report, null, 2) + '\n');
  fs.writeFileSync(path.join(RESULTS_DIR, 'latest.md'), md + '\n');
  console.log(md);
  log(`wrote bench/results/latest.md and bench/results/latest.json (${f(report.durationS, 0)} s in all)`);
  const failed = report.targets.filter((t) => !t.pass);
  if (failed.length > 0) log(`${failed.length} target(s) FAIL: ${failed.map((t) => t.name).join('; ')}`);
  return failed.length > 0 && STRICT ? 2 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    killAllChildrenSync();
    process.exit(1);
  },
);

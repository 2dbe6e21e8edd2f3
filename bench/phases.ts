/**
 * The bench's load phases: one load-generator run with its CPU and server metrics (measure), A,B,B,A halves
 * combined into phase summaries (abba), the connection-count sweep, idle CPU and the memory phase.
 */
import { performance } from 'node:perf_hooks';
import { summarize } from './loadgen.js';
import type { LoadConfig, LoadResult, Summary } from './loadgen.js';
import { cpuMsOf, rssMibOf, runNode } from './proc.js';
import {
  DRAIN_MS,
  IDLE_MS,
  LOADGEN_JS,
  MEM_CHUNK,
  MEM_FIRST,
  MEM_MAX_MS,
  MEM_TOTAL,
  RATE_MAX_IN_FLIGHT,
  RATE_WARMUP_REQUESTS,
  REQUEST_TIMEOUT_MS,
  SAT_CONCURRENCY,
  SWEEP_CONCURRENCY,
  SWEEP_HALF_MS,
} from './run-settings.js';
import type { Config } from './run-settings.js';
import { counters, f, log, ms, problems, sleep } from './run-state.js';
import type {
  Measured,
  MemoryCheckpoint,
  PhaseSummary,
  Report,
  ServerInternals,
  ServerPhase,
  Stack,
  WorkloadReport,
} from './run-types.js';
import { forceGc, gcDelta, scrapeServer } from './server-metrics.js';
import type { Workload } from './workloads.js';
import { pidOf } from './stack.js';

async function runLoadgen(cfg: LoadConfig): Promise<LoadResult> {
  const limit = cfg.durationMs + 2 * cfg.drainMs + 30_000;
  const out = await runNode(LOADGEN_JS, JSON.stringify(cfg), limit);
  return JSON.parse(out) as LoadResult;
}

export async function measure(
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
  if (config === 'b') counters.bRequests += load.sent + load.warmupSent;
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
export async function abba(
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
export async function sweep(stack: Stack, wl: Workload): Promise<NonNullable<WorkloadReport['sweep']>> {
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

export async function idleCpuPct(stack: Stack): Promise<number> {
  await sleep(300); // let in-flight work (and the last loadgen's connections) settle
  const c0 = cpuMsOf(stack.serverPid);
  const t = performance.now();
  await sleep(IDLE_MS);
  return ((cpuMsOf(stack.serverPid) - c0) / (performance.now() - t)) * 100;
}

export async function memoryPhase(stack: Stack, wl: Workload): Promise<Report['memory']> {
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

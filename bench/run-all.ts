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
 *
 * This file holds the run order; the parts: run-settings.ts (constants), run-types.ts, run-state.ts (log,
 * problems), stack.ts (processes), verify.ts, phases.ts (load phases), report.ts (targets, Markdown) and
 * run-extras.ts (machine info, tokenizers).
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { findH2load, h2loadCheck } from './h2load-check.js';
import { abba, idleCpuPct, measure, memoryPhase, sweep } from './phases.js';
import { killAllChildrenSync, runNode } from './proc.js';
import { evaluate, renderMarkdown } from './report.js';
import { machineInfo, runTokenizers } from './run-extras.js';
import {
  DIST,
  IDLE_MS,
  MEM_CHUNK,
  MEM_FIRST,
  MEM_MAX_MS,
  MEM_TOTAL,
  QUICK,
  RATES,
  RATE_HALF_MS,
  RATE_MAX_IN_FLIGHT,
  REQUEST_TIMEOUT_MS,
  RESULTS_DIR,
  SAT_CONCURRENCY,
  SAT_HALF_MS,
  SCALE,
  STRICT,
  SWEEP_CONCURRENCY,
  SWEEP_HALF_MS,
  TOKENIZERS_MAX_MS,
  WARMUP_MS,
} from './run-settings.js';
import { counters, f, log, problems, sleep, t0 } from './run-state.js';
import type { Report, WorkloadReport } from './run-types.js';
import { scrapeServer } from './server-metrics.js';
import { startStack } from './stack.js';
import { calibrateResponseText, verify } from './verify.js';
import { workloads } from './workloads.js';

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
      ...(opened !== undefined ? { extprocStreams: { opened, bRequests: counters.bRequests } } : {}),
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

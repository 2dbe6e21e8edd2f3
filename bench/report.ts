/** The bench report: the targets evaluated, and the Markdown written to bench/results/latest.md. */
import {
  CONFIG_TITLE,
  IDLE_MS,
  MEM_FIRST,
  MEM_TOTAL,
  SAT_CONCURRENCY,
  SWEEP_CONCURRENCY,
  SWEEP_HALF_MS,
  TARGET_ADDED_P50_MS,
  TARGET_ADDED_P99_MS,
  TARGET_RATE,
  TARGET_RSS_GROWTH_PCT,
  TARGET_SAT_RATIO,
} from './run-settings.js';
import { f } from './run-state.js';
import type { CpuPerReq, PhaseSummary, Report, TargetResult, WorkloadReport } from './run-types.js';

export function evaluate(wls: WorkloadReport[], mem: Report['memory']): TargetResult[] {
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

export function renderMarkdown(r: Report): string {
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

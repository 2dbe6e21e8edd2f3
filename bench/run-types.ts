/** The shapes bench/run-all.ts measures and reports: the running stack, phase summaries and the report. */
import type { ChildProcess } from 'node:child_process';
import type { EnvoyProcess } from '../test/helpers/envoy.js';
import type { H2loadReport } from './h2load-check.js';
import type { LoadResult } from './loadgen.js';
import type { Config } from './run-settings.js';
import type { WorkloadName } from './workloads.js';

export interface Stack {
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

export interface CpuPerReq {
  /** ms of CPU per request (user+system from /proc), per process. */
  extproc: number;
  envoy: number;
  mock: number;
  loadgen: number;
}

export interface ServerPhase {
  gc: Record<string, { ms: number; count: number }>;
  lagMaxMs: number;
  lagP99Ms: number;
}

export interface Measured {
  load: LoadResult;
  cpuMs: { extproc: number; envoy: number; mock: number };
  /** (b) only: the ext_proc server's GC and event-loop delay during the phase. */
  server?: ServerPhase;
}

export interface ServerInternals {
  gcMs: number;
  majorGcs: number;
  majorGcMs: number;
  /** All GC time divided by the phase's requests. */
  gcMsPerReq: number;
  /** Worst event-loop delay p99 and max over the halves. */
  lagP99Ms: number;
  lagMaxMs: number;
}

export interface PhaseSummary {
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

export interface WorkloadReport {
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

export interface MemoryCheckpoint {
  requests: number;
  rssMib: number;
  heapUsedMib?: number;
  heapTotalMib?: number;
  externalMib?: number;
  /** At the 20k and 100k checkpoints, after RSS was read: a forced full GC, then heap and RSS again. */
  afterGc?: { heapUsedMib: number; rssMib: number };
  elapsedS: number;
}

export interface TargetResult {
  name: string;
  measured: string;
  limit: string;
  pass: boolean;
}

export interface Report {
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

/**
 * `make bench` (bench/run-all.ts) settings: phase lengths, rates and concurrencies, the targets, the paths of
 * the processes it starts, and the three configurations (a), (b), (c).
 */
import path from 'node:path';
import { repoRoot } from '../test/helpers/repo.js';
import type { WorkloadName } from './workloads.js';

// ---------------------------------------------------------------------------------------------------------------
// Phase settings. Full run ≈ 6 minutes on the 2-core VM (+45 s tokenizers). BENCH_QUICK=1 scales durations and counts by 0.1.

export const QUICK = process.env['BENCH_QUICK'] === '1';
export const STRICT = process.env['BENCH_STRICT'] === '1';
export const SCALE = QUICK ? 0.1 : 1;

/** Closed-loop warm-up of each configuration, per workload, before anything is measured. */
export const WARMUP_MS = 4_000 * SCALE;
/** Fixed-rate measurement: four halves A, B, B, A of this length (so 2 halves per configuration). */
export const RATE_HALF_MS = 15_000 * SCALE;
/** Offered load per workload (requests/s) for the fixed-rate phase. The targets use chat-1k at 200/s. */
export const RATES: Record<WorkloadName, number> = { 'chat-1k': 200, 'chat-100k': 50, 'stream-200': 50 };
/** Fixed-rate phase: at most this many requests in flight (later ones queue, and their wait counts). */
export const RATE_MAX_IN_FLIGHT = 64;
/** Each load-generator process first opens its connections with 2 × this many unrecorded requests. */
export const RATE_WARMUP_REQUESTS = 8;
/** Saturation: closed loop with this many concurrent connections, four halves A, B, B, A. */
export const SAT_CONCURRENCY = 32;
export const SAT_HALF_MS = 6_000 * SCALE;
/**
 * The saturation target (chat-1k) compares peak throughputs: each configuration's best over these
 * connection counts, so neither side is judged at a concurrency that happens to suit only the other.
 */
export const SWEEP_CONCURRENCY = [16, 32, 64, 128];
export const SWEEP_HALF_MS = 3_000 * SCALE;
/** Memory phase, (b) only, chat-1k at saturation, RSS sampled after every chunk. */
export const MEM_CHUNK = 10_000 * SCALE;
export const MEM_FIRST = 20_000 * SCALE;
export const MEM_TOTAL = 100_000 * SCALE;
/** The memory phase stops early (and says so) if it takes longer than this. */
export const MEM_MAX_MS = 240_000 * SCALE;
/** The server's idle CPU is sampled for this long, before and after the memory phase. */
export const IDLE_MS = 3_000 * SCALE;
export const REQUEST_TIMEOUT_MS = 30_000;
export const DRAIN_MS = 10_000;
export const TOKENIZERS_MAX_MS = 300_000;

// Targets (the acceptance criteria).
export const TARGET_RATE = RATES['chat-1k'];
export const TARGET_ADDED_P50_MS = 1;
export const TARGET_ADDED_P99_MS = 3;
export const TARGET_SAT_RATIO = 0.5;
export const TARGET_RSS_GROWTH_PCT = 10;

// ---------------------------------------------------------------------------------------------------------------

export const ROOT = repoRoot();
export const DIST = path.join(ROOT, 'dist');
export const RESULTS_DIR = path.join(ROOT, 'bench/results');
export const SERVER_JS = path.join(DIST, 'src/main.js');
export const MOCK_JS = path.join(DIST, 'bench/mock-server.js');
export const LOADGEN_JS = path.join(DIST, 'bench/loadgen.js');
export const TOKENIZERS_JS = path.join(DIST, 'bench/tokenizers.js');
export const TEMPLATE_A = path.join(ROOT, 'envoy/bench/no-filter.yaml');
export const TEMPLATE_B = path.join(ROOT, 'envoy/kgateway/envoy.yaml');

export type Config = 'a' | 'b' | 'c';
export const CONFIG_TITLE: Record<Config, string> = {
  a: '(a) Envoy, no filter',
  b: '(b) Envoy + ai-extproc',
  c: '(c) Envoy + null ext_proc (Go)',
};

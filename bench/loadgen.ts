/**
 * Bounded HTTP/1.1 load generator for the gateway bench. run-all.ts starts it as a child process, so
 * it never shares an event loop with the servers under test.
 *
 *   node dist/bench/loadgen.js < config.json > result.json
 *
 * Modes (every run is bounded by both a request count and a time limit):
 *   - "rate":   open loop. Request i is scheduled at start + i/rps. Latency is measured with hrtime
 *               from the *scheduled* time to the last response byte, so a stall on the server side
 *               shows up in the percentiles (no coordinated omission). At most `concurrency`
 *               requests are in flight; later ones queue (their wait counts as latency).
 *   - "closed": saturation. `concurrency` workers each send their next request as soon as the
 *               previous one completes, until the count or the duration is reached. Latency is
 *               from send to last byte.
 *
 * Keep-alive connections (node:http Agent). A response counts as ok when its status is 200 and,
 * if `expectedEvents` is set, it carried exactly that many SSE events (blank-line separated).
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface LoadConfig {
  readonly mode: 'rate' | 'closed';
  readonly host: string;
  readonly port: number;
  readonly path: string;
  readonly headers: Record<string, string>;
  /** Request body, base64. */
  readonly bodyB64: string;
  /** Requests per second (rate mode). */
  readonly rps?: number;
  /** Max requests in flight (rate mode: cap; closed mode: the number of workers). */
  readonly concurrency: number;
  /** Stop after this many requests have been sent. */
  readonly maxRequests: number;
  /** Stop sending after this long. */
  readonly durationMs: number;
  /** How long to wait for in-flight requests after sending stopped. */
  readonly drainMs: number;
  /** Per-request timeout. */
  readonly timeoutMs: number;
  readonly expectedEvents?: number;
  /** Include the raw latency samples (µs) in the result. */
  readonly samples: boolean;
  /**
   * Before timing starts, this many requests are sent concurrently (twice) and not recorded, so
   * that keep-alive connections are open and measurements do not include connection setup.
   */
  readonly warmupRequests: number;
}

export interface LoadResult {
  readonly mode: 'rate' | 'closed';
  readonly sent: number;
  /** Unrecorded warm-up requests sent before `sent` (they are in cpuMs, and in the servers' CPU). */
  readonly warmupSent: number;
  readonly ok: number;
  readonly errors: Record<string, number>;
  /** From the first send (or first scheduled time) to the last completion. */
  readonly elapsedMs: number;
  /** ok / elapsed. */
  readonly rps: number;
  readonly latencyUs: Summary;
  /** From the actual send (rate mode: excludes the generator's own lateness and queueing). */
  readonly serviceUs: Summary;
  /** Rate mode: how late the generator itself started requests (timer lateness + queueing). */
  readonly sendLagUs?: Summary;
  /** Time to the first response byte. */
  readonly ttfbUs: Summary;
  readonly bytesIn: number;
  readonly eventsMin?: number;
  readonly eventsMax?: number;
  /** Generator's own CPU (user+system) during the run. */
  readonly cpuMs: number;
  readonly samplesUs?: number[];
  readonly serviceSamplesUs?: number[];
}

export interface Summary {
  readonly n: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  // Nearest-rank.
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? NaN;
}

export function summarize(values: readonly number[]): Summary {
  const s = [...values].sort((a, b) => a - b);
  let sum = 0;
  for (const v of s) sum += v;
  return {
    n: s.length,
    p50: percentile(s, 50),
    p90: percentile(s, 90),
    p99: percentile(s, 99),
    max: s.length ? (s[s.length - 1] ?? NaN) : NaN,
    mean: s.length ? sum / s.length : NaN,
  };
}

const nowNs = (): bigint => process.hrtime.bigint();

interface OneResult {
  ok: boolean;
  error?: string;
  sendNs: bigint;
  endNs: bigint;
  firstByteNs: bigint | undefined;
  bytes: number;
  events: number;
}

export async function runLoad(cfg: LoadConfig): Promise<LoadResult> {
  const body = Buffer.from(cfg.bodyB64, 'base64');
  const agent = new http.Agent({
    keepAlive: true,
    maxSockets: cfg.concurrency,
    maxFreeSockets: cfg.concurrency,
    scheduling: 'lifo',
  });
  const headers = { ...cfg.headers, 'content-length': String(body.length) };
  const latencies: number[] = [];
  const service: number[] = [];
  const ttfbs: number[] = [];
  const lags: number[] = [];
  const errors: Record<string, number> = {};
  let ok = 0;
  let sent = 0;
  let bytesIn = 0;
  let eventsMin = Infinity;
  let eventsMax = -Infinity;
  let lastEnd = 0n;
  const live = new Set<http.ClientRequest>();
  const cpu0 = process.cpuUsage();

  const one = (): Promise<OneResult> =>
    new Promise((resolve) => {
      let settled = false;
      let bytes = 0;
      let events = 0;
      let prevNl = false;
      let firstByteNs: bigint | undefined;
      const sendNs = nowNs();
      const done = (r: Pick<OneResult, 'ok' | 'error'>): void => {
        if (settled) return;
        settled = true;
        live.delete(req);
        resolve({ ...r, sendNs, endNs: nowNs(), firstByteNs, bytes, events });
      };
      const req = http.request(
        { agent, host: cfg.host, port: cfg.port, method: 'POST', path: cfg.path, headers },
        (res) => {
          res.on('data', (chunk: Buffer) => {
            firstByteNs ??= nowNs();
            bytes += chunk.length;
            if (cfg.expectedEvents !== undefined) {
              // Count "\n\n" (event separators), also across chunk boundaries.
              if (prevNl && chunk[0] === 0x0a) events++;
              let i = chunk.indexOf('\n\n');
              while (i !== -1) {
                events++;
                i = chunk.indexOf('\n\n', i + 2);
              }
              prevNl = chunk[chunk.length - 1] === 0x0a;
            }
          });
          res.on('end', () => {
            if (res.statusCode !== 200) done({ ok: false, error: `status_${res.statusCode ?? 0}` });
            else if (cfg.expectedEvents !== undefined && events !== cfg.expectedEvents)
              done({ ok: false, error: 'wrong_event_count' });
            else done({ ok: true });
          });
          res.on('error', (e) => done({ ok: false, error: `response_${errCode(e)}` }));
          res.on('aborted', () => done({ ok: false, error: 'response_aborted' }));
        },
      );
      live.add(req);
      req.setTimeout(cfg.timeoutMs, () => {
        done({ ok: false, error: 'timeout' });
        req.destroy();
      });
      req.on('error', (e) => done({ ok: false, error: `request_${errCode(e)}` }));
      req.end(body);
    });

  const record = (r: OneResult, fromNs: bigint): void => {
    if (r.endNs > lastEnd) lastEnd = r.endNs;
    bytesIn += r.bytes;
    if (r.ok) {
      ok++;
      latencies.push(Number(r.endNs - fromNs) / 1000);
      service.push(Number(r.endNs - r.sendNs) / 1000);
      if (r.firstByteNs !== undefined) ttfbs.push(Number(r.firstByteNs - fromNs) / 1000);
      if (cfg.expectedEvents !== undefined) {
        eventsMin = Math.min(eventsMin, r.events);
        eventsMax = Math.max(eventsMax, r.events);
      }
    } else {
      const key = r.error ?? 'unknown';
      errors[key] = (errors[key] ?? 0) + 1;
      if (r.error === 'wrong_event_count') {
        eventsMin = Math.min(eventsMin, r.events);
        eventsMax = Math.max(eventsMax, r.events);
      }
    }
  };

  let warmupSent = 0;
  for (let round = 0; round < 2 && cfg.warmupRequests > 0; round++) {
    warmupSent += cfg.warmupRequests;
    const warm = await Promise.all(Array.from({ length: cfg.warmupRequests }, () => one()));
    const bad = warm.find((r) => !r.ok);
    if (bad) errors[`warmup_${bad.error ?? 'error'}`] = warm.filter((r) => !r.ok).length;
  }

  const startNs = nowNs();
  const deadlineNs = startNs + BigInt(Math.round(cfg.durationMs * 1e6));
  let firstNs = startNs;

  if (cfg.mode === 'closed') {
    const worker = async (): Promise<void> => {
      while (sent < cfg.maxRequests && nowNs() < deadlineNs) {
        sent++;
        const t = nowNs();
        record(await one(), t);
      }
    };
    await Promise.all(Array.from({ length: cfg.concurrency }, () => worker()));
  } else {
    const rps = cfg.rps ?? 1;
    const intervalNs = 1e9 / rps;
    const total = Math.min(cfg.maxRequests, Math.floor((cfg.durationMs / 1000) * rps));
    const t0 = nowNs() + 20_000_000n; // first request 20 ms from now
    firstNs = t0;
    const queue: bigint[] = [];
    let inFlight = 0;
    let scheduled = 0;
    let allDone: () => void = () => undefined;
    const finished = new Promise<void>((r) => (allDone = r));
    const start = (schedNs: bigint): void => {
      inFlight++;
      sent++;
      lags.push(Number(nowNs() - schedNs) / 1000);
      one().then((r) => {
        inFlight--;
        record(r, schedNs);
        const nextQueued = queue.shift();
        if (nextQueued !== undefined) start(nextQueued);
        else if (scheduled >= total && inFlight === 0) allDone();
      });
    };
    const tick = (): void => {
      const now = nowNs();
      while (scheduled < total) {
        const sched = t0 + BigInt(Math.round(scheduled * intervalNs));
        if (sched > now) break;
        scheduled++;
        if (inFlight < cfg.concurrency) start(sched);
        else queue.push(sched);
      }
      if (scheduled < total) {
        const next = t0 + BigInt(Math.round(scheduled * intervalNs));
        const waitMs = Number(next - nowNs()) / 1e6;
        setTimeout(tick, Math.max(0, Math.floor(waitMs)));
      } else if (inFlight === 0 && queue.length === 0) {
        allDone();
      }
    };
    setTimeout(tick, 20);
    const sendWindowMs = cfg.durationMs + 100;
    await Promise.race([finished, new Promise((r) => setTimeout(r, sendWindowMs + cfg.drainMs).unref())]);
    if (scheduled < total || queue.length > 0) {
      errors['not_sent'] = (errors['not_sent'] ?? 0) + (total - scheduled) + queue.length;
      queue.length = 0;
    }
  }

  // Bounded drain: whatever is still in flight now is a timeout.
  const drainEnd = Date.now() + cfg.drainMs;
  while (live.size > 0 && Date.now() < drainEnd) await new Promise((r) => setTimeout(r, 10));
  if (live.size > 0) {
    errors['drain_timeout'] = (errors['drain_timeout'] ?? 0) + live.size;
    for (const r of live) r.destroy();
  }
  agent.destroy();
  const cpu = process.cpuUsage(cpu0);
  const end = lastEnd > firstNs ? lastEnd : nowNs();
  const elapsedMs = Number(end - firstNs) / 1e6;
  const result: LoadResult = {
    mode: cfg.mode,
    sent,
    warmupSent,
    ok,
    errors,
    elapsedMs,
    rps: elapsedMs > 0 ? ok / (elapsedMs / 1000) : 0,
    latencyUs: summarize(latencies),
    serviceUs: summarize(service),
    ...(cfg.mode === 'rate' ? { sendLagUs: summarize(lags) } : {}),
    ttfbUs: summarize(ttfbs),
    bytesIn,
    ...(cfg.expectedEvents !== undefined && Number.isFinite(eventsMin) ? { eventsMin, eventsMax } : {}),
    cpuMs: (cpu.user + cpu.system) / 1000,
    ...(cfg.samples
      ? {
          samplesUs: latencies.map((v) => Math.round(v)),
          serviceSamplesUs: service.map((v) => Math.round(v)),
        }
      : {}),
  };
  return result;
}

function errCode(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? code : 'error';
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

// Entry point when run as a child process (not when imported for its helpers).
if (process.argv[1] !== undefined && /loadgen\.js$/.test(process.argv[1])) {
  const t = performance.now();
  readStdin()
    .then((text) => runLoad(JSON.parse(text) as LoadConfig))
    .then((r) => {
      process.stdout.write(JSON.stringify(r) + '\n', () => process.exit(0));
    })
    .catch((err: unknown) => {
      process.stderr.write(`loadgen failed after ${Math.round(performance.now() - t)} ms: ${String(err)}\n`);
      process.exit(1);
    });
}

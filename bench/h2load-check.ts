/**
 * The chat-1k targets measured again with h2load (Debian's nghttp2-client), the load generator the
 * issue names, next to bench/loadgen.ts. h2load is C, so it leaves more of the 2 cores to Envoy
 * and the servers; its per-request log has microsecond durations.
 *
 * - fixed rate: one HTTP/1.1 client at --rps 200. h2load paces one client's requests evenly, but
 *   several clients fire together (with 4 × --rps 50, 75 % of sends were within 50 µs of another),
 *   so their requests queue behind each other in Envoy's one worker and the latency measures the
 *   burst. With one request in flight, a response slower than 5 ms delays the next send (h2load
 *   measures from the actual send, unlike loadgen.ts); at a p99 under 3 ms that rarely happens.
 * - saturation: 64 and 128 clients, closed loop; req/s over the timed window.
 * Configurations alternate A, B, C, C, B, A, as in run-all.ts. Skipped (and said so) without h2load.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { track } from './proc.js';
import type { Workload } from './workloads.js';

export type H2Config = 'a' | 'b' | 'c';

export interface H2loadReport {
  version: string;
  rate: {
    clients: number;
    rpsPerClient: number;
    results: Partial<Record<H2Config, { requests: number; p50Ms: number; p99Ms: number; non2xx: number }>>;
  };
  saturation: { clients: number; rps: Partial<Record<H2Config, number>>; failed: number }[];
}

const RATE_CLIENTS = 1;
const RATE_PER_CLIENT = 200;
const SAT_CLIENTS = [64, 128];

export function findH2load(): string | undefined {
  const bin = process.env['H2LOAD_BIN'] ?? 'h2load';
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? bin : undefined;
}

function run(bin: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = track(spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`h2load exited with ${code}: ${out.slice(-1000)}`));
    });
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** h2load's per-request log: start µs since epoch, HTTP status, µs until the end of the response. */
function readLog(file: string): { durationsUs: number[]; non2xx: number } {
  const durationsUs: number[] = [];
  let non2xx = 0;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const [, status, us] = line.split('\t');
    if (status === undefined || us === undefined) continue;
    if (!status.startsWith('2')) non2xx++;
    durationsUs.push(Number(us));
  }
  return { durationsUs, non2xx };
}

export async function h2loadCheck(
  bin: string,
  ports: Partial<Record<H2Config, number>>,
  wl: Workload,
  scale: number,
  log: (msg: string) => void,
): Promise<H2loadReport> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-extproc-h2load-'));
  try {
    const body = path.join(dir, 'body.json');
    fs.writeFileSync(body, wl.body);
    const headers = Object.entries(wl.headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
    const common = (port: number): string[] => [
      '--h1',
      '-d',
      body,
      ...headers,
      `http://127.0.0.1:${port}${wl.path}`,
    ];
    const order = (['a', 'b', 'c', 'c', 'b', 'a'] as const).filter((c) => ports[c] !== undefined);
    const version = (await run(bin, ['--version'], 10_000)).trim();

    const rateHalfS = Math.max(2, Math.round(10 * scale));
    const lat: Partial<Record<H2Config, { d: number[]; non2xx: number }>> = {};
    for (const [i, config] of order.entries()) {
      const file = path.join(dir, `rate-${i}.log`);
      const args = ['-c', String(RATE_CLIENTS), '--rps', String(RATE_PER_CLIENT), '-D', String(rateHalfS)];
      await run(
        bin,
        [...args, '--warm-up-time', '1', '--log-file', file, ...common(ports[config]!)],
        120_000,
      );
      const got = readLog(file);
      const acc = (lat[config] ??= { d: [], non2xx: 0 });
      for (const d of got.durationsUs) acc.d.push(d);
      acc.non2xx += got.non2xx;
    }
    const results: H2loadReport['rate']['results'] = {};
    for (const [config, v] of Object.entries(lat) as [H2Config, { d: number[]; non2xx: number }][]) {
      const sorted = v.d.sort((x, y) => x - y);
      results[config] = {
        requests: sorted.length,
        p50Ms: percentile(sorted, 50) / 1000,
        p99Ms: percentile(sorted, 99) / 1000,
        non2xx: v.non2xx,
      };
      log(
        `h2load ${config} fixed ${RATE_CLIENTS * RATE_PER_CLIENT}/s: ${sorted.length} requests, p50 ${(percentile(sorted, 50) / 1000).toFixed(3)} ms, p99 ${(percentile(sorted, 99) / 1000).toFixed(3)} ms`,
      );
    }

    const satHalfS = Math.max(1, Math.round(3 * scale));
    const saturation: H2loadReport['saturation'] = [];
    for (const clients of SAT_CLIENTS) {
      const sum: Partial<Record<H2Config, { rps: number; n: number }>> = {};
      let failed = 0;
      for (const config of order) {
        const out = await run(
          bin,
          ['-c', String(clients), '-D', String(satHalfS), '--warm-up-time', '1', ...common(ports[config]!)],
          120_000,
        );
        const rps = /finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(out)?.[1];
        // Every request that did not end in a 2xx: failed, errored, timed out or another status.
        const total = Number(/requests: (\d+) total/.exec(out)?.[1] ?? NaN);
        const ok = Number(/status codes: (\d+) 2xx/.exec(out)?.[1] ?? NaN);
        failed += Number.isFinite(total) && Number.isFinite(ok) ? total - ok : 1;
        const acc = (sum[config] ??= { rps: 0, n: 0 });
        acc.rps += Number(rps ?? NaN);
        acc.n++;
      }
      const rps: Partial<Record<H2Config, number>> = {};
      for (const [config, v] of Object.entries(sum) as [H2Config, { rps: number; n: number }][])
        rps[config] = v.rps / v.n;
      saturation.push({ clients, rps, failed });
      log(
        `h2load closed ×${clients}: ${Object.entries(rps)
          .map(([c, v]) => `${c} ${v.toFixed(0)} req/s`)
          .join(', ')}; ${failed} failed`,
      );
    }
    return { version, rate: { clients: RATE_CLIENTS, rpsPerClient: RATE_PER_CLIENT, results }, saturation };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

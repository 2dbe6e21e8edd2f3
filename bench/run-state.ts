/** State shared by the bench/run-all.ts modules: the start time, the problems found, counters, and the log. */
import { performance } from 'node:perf_hooks';

export const t0 = performance.now();
export const problems: string[] = [];
/** Requests sent through (b), to compare with the ext_proc streams the server opened. */
export const counters = { bRequests: 0 };

export function log(msg: string): void {
  const s = ((performance.now() - t0) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[${s}s] ${msg}\n`);
}

export const ms = (us: number): number => us / 1000;
export const f = (n: number, digits = 2): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
export const sleep = (msDelay: number): Promise<void> => new Promise((r) => setTimeout(r, msDelay));

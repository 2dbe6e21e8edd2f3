/** What `make bench` runs or reads besides the Envoy phases: the machine description and the tokenizer bench. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { envoyBin } from '../test/helpers/envoy.js';
import { runNode } from './proc.js';
import { QUICK, TOKENIZERS_JS, TOKENIZERS_MAX_MS } from './run-settings.js';
import { log, problems } from './run-state.js';
import type { Report } from './run-types.js';

export function machineInfo(): Report['machine'] {
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

export async function runTokenizers(): Promise<Report['tokenizers']> {
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

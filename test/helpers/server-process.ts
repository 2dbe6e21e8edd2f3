/** The real server as its own OS process (dist/src/main.js), for tests that kill it or run two. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from './envoy.js';
import { repoRoot } from './repo.js';

export interface ServerProcess {
  readonly proc: ChildProcess;
  readonly metricsUrl: string;
  /** Log lines so far (parsed JSON). */
  readonly logs: Record<string, unknown>[];
  metrics(): Promise<string>;
  /** SIGKILL: no drain, no settle (a crashed replica). */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const metricsPort = await freePort();
  const proc = spawn(process.execPath, [path.join(repoRoot(), 'dist/src/main.js')], {
    env: {
      PATH: process.env.PATH ?? '',
      METRICS_ADDR: `127.0.0.1:${metricsPort}`,
      LOG_LEVEL: 'info',
      AI_OTEL_CONFIG_DIRS: '/nonexistent',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let rest = '';
  proc.stdout.on('data', (d: Buffer) => {
    const lines = (rest + d.toString()).split('\n');
    rest = lines.pop() ?? '';
    for (const l of lines) if (l) logs.push(JSON.parse(l) as Record<string, unknown>);
  });
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const metricsUrl = `http://127.0.0.1:${metricsPort}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}: ${stderr}`);
    try {
      if ((await fetch(`${metricsUrl}/readyz`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`server did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill(signal);
    const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  };
  return {
    proc,
    metricsUrl,
    logs,
    metrics: async () => (await fetch(`${metricsUrl}/metrics`)).text(),
    kill: () => end('SIGKILL'),
    stop: () => end('SIGTERM'),
  };
}

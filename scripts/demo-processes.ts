/** The demo's processes: start a child and wait until it is ready, check ports and health, stop everything. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import type { EnvoyProcess } from '../test/helpers/envoy.js';
import { ADMIN_PORT, METRICS_PORT, UPSTREAM_PORT, root } from './demo-settings.js';

export const children: ChildProcess[] = [];
/** The demo's mutable state, shared by its modules. */
export const state: {
  envoy: EnvoyProcess | undefined;
  /** Set once the stack is up: from then on, a part that dies stops the demo. */
  up: boolean;
  stopping: boolean;
  /** Standalone mode: the config file ai-extproc runs (and reloads). */
  configFile: string | undefined;
} = { envoy: undefined, up: false, stopping: false, configFile: undefined };

/** Fails fast when a port is taken (a half-started stack must not pass for a running one). */
export function checkPortFree(name: string, p: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          err.code === 'EADDRINUSE'
            ? `port ${p} is in use (${name}); stop what holds it or set ${name}=<free port>`
            : `cannot use port ${p} (${name}): ${err.message}`,
        ),
      ),
    );
    s.listen(p, '127.0.0.1', () => s.close(() => resolve()));
  });
}

/** A part died after startup: say which and why, stop the others, exit non-zero. */
export function partDied(name: string, code: number | null, signal: NodeJS.Signals | null): void {
  if (state.stopping) return;
  console.error(`demo failed: ${name} exited (${signal ?? `code ${code}`}); stopping the others`);
  void stopAll().then(() => process.exit(1));
}

/** Starts a node script; resolves once `ready()` is true (polled), rejects if the child exits first. */
export function startChild(
  name: string,
  script: string,
  args: string[],
  env: Record<string, string>,
  ready: () => Promise<boolean>,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(root, script), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  child.stdout?.on('data', (d: Buffer) => process.stdout.write(`[${name}] ${d.toString()}`));
  child.stderr?.on('data', (d: Buffer) => process.stderr.write(`[${name}] ${d.toString()}`));
  return new Promise((resolve, reject) => {
    let settled = false;
    child.once('exit', (code, signal) => {
      if (!settled) {
        settled = true;
        reject(new Error(`${name} exited during startup (${signal ?? `code ${code}`})`));
      } else if (state.up) partDied(name, code, signal);
    });
    const deadline = Date.now() + 20_000;
    const poll = (): void => {
      if (settled) return;
      ready().then(
        (ok) => {
          if (settled) return;
          if (ok && running(child)) {
            settled = true;
            resolve(child);
          } else if (Date.now() > deadline) {
            settled = true;
            reject(new Error(`${name} did not become ready in 20 s`));
          } else setTimeout(poll, 50);
        },
        () => setTimeout(poll, 50),
      );
    };
    poll();
  });
}

export const httpOk = (url: string) => async (): Promise<boolean> => (await fetch(url)).ok;

/** Every part answers: the mock, ai-extproc's /readyz and Envoy's /ready, and no child has exited. */
export async function everyPartAnswers(): Promise<void> {
  const checks: [string, string][] = [
    ['mock provider', `http://127.0.0.1:${UPSTREAM_PORT}/healthz`],
    ['ai-extproc', `http://127.0.0.1:${METRICS_PORT}/readyz`],
    ['Envoy', `http://127.0.0.1:${ADMIN_PORT}/ready`],
  ];
  for (const [name, url] of checks) {
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (!ok) throw new Error(`${name} does not answer at ${url}`);
  }
  if (!children.every(running) || !state.envoy || !running(state.envoy.proc))
    throw new Error('a part of the stack exited during startup');
}

/** A child killed by a signal keeps exitCode null: check both. */
export const running = (c: ChildProcess): boolean => c.exitCode === null && c.signalCode === null;

export async function stopAll(): Promise<void> {
  state.stopping = true;
  await state.envoy?.stop();
  const live = children.filter(running);
  for (const c of live) c.kill('SIGTERM');
  await Promise.all(live.map((c) => new Promise((r) => c.once('exit', r))));
}

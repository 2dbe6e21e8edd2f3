/**
 * The processes `make bench` measures: the mock provider, ai-extproc, Envoy (a) without and (b) with the
 * filter, and (c) Envoy with the null ext_proc server when Go is installed.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startEnvoy } from '../test/helpers/envoy.js';
import { commOf, rssMibOf, spawnNode, stopChild, track } from './proc.js';
import { LOADGEN_JS, MOCK_JS, ROOT, SERVER_JS, TEMPLATE_A, TEMPLATE_B } from './run-settings.js';
import { f, log, problems, sleep } from './run-state.js';
import type { Stack } from './run-types.js';

export async function startStack(cleanups: (() => Promise<void>)[]): Promise<Stack> {
  for (const file of [SERVER_JS, MOCK_JS, LOADGEN_JS]) {
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: run "npx tsc -p ." (make build) first`);
  }
  const mockPort = await freePort();
  const mock = await spawnNode(MOCK_JS, ['--port', String(mockPort), '--host', '127.0.0.1'], {
    ready: /mock-provider listening on http:\/\/127\.0\.0\.1:(\d+)/,
  });
  cleanups.push(() => stopChild(mock.child));
  log(`mock provider pid ${mock.child.pid ?? '?'} on 127.0.0.1:${mockPort}`);

  const socket = `ai-extproc-bench-${process.pid}`;
  const metricsPort = await freePort();
  const inspectPort = await freePort();
  const server = await spawnNode(SERVER_JS, [], {
    // Only so that the memory phase can force a full GC (bench/server-metrics.ts).
    nodeArgs: [`--inspect=127.0.0.1:${inspectPort}`],
    env: {
      ...process.env,
      LISTEN_ADDR: `unix-abstract:${socket}`,
      METRICS_ADDR: `127.0.0.1:${metricsPort}`,
      LOG_LEVEL: 'error',
      AI_OTEL_CONFIG_DIRS: '/nonexistent',
    },
  });
  cleanups.push(() => stopChild(server.child, 8000));
  const serverPid = server.child.pid;
  if (serverPid === undefined) throw new Error('ai-extproc did not start');
  const readyBy = Date.now() + 20_000;
  for (;;) {
    if (server.child.exitCode !== null) throw new Error(`ai-extproc exited: ${server.stderr()}`);
    try {
      if ((await fetch(`http://127.0.0.1:${metricsPort}/readyz`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > readyBy) throw new Error(`ai-extproc not ready: ${server.stderr()}`);
    await sleep(50);
  }
  log(`ai-extproc pid ${serverPid} on @${socket}, RSS ${f(rssMibOf(serverPid), 1)} MiB at start`);

  const envoy = {} as Stack['envoy'];
  for (const [config, template] of [
    ['a', TEMPLATE_A],
    ['b', TEMPLATE_B],
  ] as const) {
    const e = await startEnvoy({
      template,
      vars: { EXTPROC_SOCKET: socket, UPSTREAM_PORT: mockPort },
      concurrency: 1,
    });
    track(e.proc);
    cleanups.push(() => e.stop());
    envoy[config] = e;
    const pid = e.proc.pid ?? -1;
    if (commOf(pid) !== 'envoy')
      problems.push(`Envoy ${config} pid ${pid} is "${commOf(pid)}", not envoy: its CPU figures are wrong`);
    log(`Envoy ${config} pid ${pid} on 127.0.0.1:${e.listenPort} (${path.relative(ROOT, template)})`);
  }
  const nullServer = await startNullExtproc(cleanups);
  if (nullServer) {
    const e = await startEnvoy({
      template: TEMPLATE_B,
      vars: { EXTPROC_SOCKET: nullServer.socket, UPSTREAM_PORT: mockPort },
      concurrency: 1,
    });
    track(e.proc);
    cleanups.push(() => e.stop());
    envoy.c = e;
    log(
      `Envoy c pid ${e.proc.pid ?? -1} on 127.0.0.1:${e.listenPort} (kgateway config, null ext_proc server)`,
    );
  }
  return {
    mock: mock.child,
    mockPort,
    server: server.child,
    serverPid,
    metricsPort,
    inspectPort,
    envoy,
    ...(nullServer ? { nullPid: nullServer.pid } : {}),
  };
}

/**
 * Builds and starts bench/null-extproc (Go, standard library only) when a Go toolchain is found:
 * the cheapest possible ext_proc server, so that (c) shows what Envoy's ext_proc work alone costs.
 */
async function startNullExtproc(
  cleanups: (() => Promise<void>)[],
): Promise<{ socket: string; pid: number } | undefined> {
  const go = [process.env['GO'], 'go', '/usr/local/go/bin/go'].find((g) => {
    if (!g) return false;
    try {
      execFileSync(g, ['version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });
  if (!go) {
    log('no Go toolchain: skipping the null ext_proc server (c)');
    return undefined;
  }
  const bin = path.join(os.tmpdir(), `null-extproc-${process.pid}`);
  try {
    execFileSync(go, ['build', '-o', bin, '.'], {
      cwd: path.join(ROOT, 'bench/null-extproc'),
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' },
    });
  } catch (err) {
    problems.push(`could not build bench/null-extproc: ${String(err).slice(0, 300)}`);
    return undefined;
  }
  const socket = `ai-extproc-null-${process.pid}`;
  const child = track(spawn(bin, ['-listen', `@${socket}`], { stdio: ['ignore', 'pipe', 'inherit'] }));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`null-extproc exited with ${String(code)}`)));
  });
  cleanups.push(async () => {
    await stopChild(child);
    fs.rmSync(bin, { force: true });
  });
  log(`null ext_proc server pid ${child.pid ?? '?'} on @${socket}`);
  return { socket, pid: child.pid ?? -1 };
}

export function pidOf(c: ChildProcess): number {
  if (c.pid === undefined) throw new Error('child has no pid');
  return c.pid;
}

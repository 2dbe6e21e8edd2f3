/**
 * One standalone gateway for a bench: ai-extproc on an abstract socket with the given config,
 * waited for until its metrics answer (a fixed sleep is too short on a busy machine), and Envoy
 * on the config generated from the same file.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { DEFAULT_BOOTSTRAP } from '../src/config/envoy/bootstrap.js';
import { freePort, startEnvoy } from '../test/helpers/envoy.js';
import type { EnvoyProcess } from '../test/helpers/envoy.js';
import { envoyConfigText } from '../src/envoy-config-command.js';
import { repoRoot } from '../test/helpers/repo.js';

export interface BenchGateway {
  readonly server: ChildProcess;
  readonly envoy: EnvoyProcess;
  readonly metricsPort: number;
  stop(): Promise<void>;
}

export async function startBenchGateway(
  configPath: string,
  name: string,
  env: Record<string, string> = {},
  /** Edits the generated Envoy config (YAML text), e.g. to add a baseline route. */
  patchEnvoy: (yaml: string) => string = (y) => y,
): Promise<BenchGateway> {
  const socket = `bench-${name}-${process.pid}`;
  const metricsPort = await freePort();
  const server = spawn(process.execPath, [path.join(repoRoot(), 'dist/src/main.js')], {
    env: {
      PATH: process.env.PATH ?? '',
      AI_EXTPROC_CONFIG: configPath,
      LISTEN_ADDR: `unix-abstract:${socket}`,
      METRICS_ADDR: `127.0.0.1:${metricsPort}`,
      LOG_LEVEL: 'error',
      // e.g. BENCH_SERVER_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile the server
      ...(process.env.BENCH_SERVER_NODE_OPTIONS
        ? { NODE_OPTIONS: process.env.BENCH_SERVER_NODE_OPTIONS }
        : {}),
      ...env,
    },
    stdio: 'ignore',
  });
  for (let i = 0; i < 300; i++) {
    const up = await fetch(`http://127.0.0.1:${metricsPort}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (server.exitCode !== null) throw new Error(`ai-extproc exited with ${server.exitCode}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const envoy = await startEnvoy({
    render: ({ listenPort, adminPort, accessLog }) =>
      patchEnvoy(
        envoyConfigText(configPath, {
          ...DEFAULT_BOOTSTRAP,
          listen: { host: '127.0.0.1', port: listenPort },
          admin: { host: '127.0.0.1', port: adminPort },
          extproc: { kind: 'abstract', name: socket },
          accessLog,
        }),
      ),
    vars: {},
  });
  return {
    server,
    envoy,
    metricsPort,
    async stop() {
      await envoy.stop();
      server.kill('SIGTERM');
    },
  };
}

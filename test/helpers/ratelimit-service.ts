/** The real envoyproxy/ratelimit service (built by `make` into .tools/bin), backed by a test Redis. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './envoy.js';
import { repoRoot } from './repo.js';

export interface RateLimitService {
  readonly grpcPort: number;
  /** The last 4 KB it wrote to stderr (its log). */
  log(): string;
  stop(): Promise<void>;
}

export function rateLimitBin(): string {
  const bin = process.env.RATELIMIT_BIN || path.join(repoRoot(), '.tools/bin/service_cmd');
  if (!fs.existsSync(bin)) throw new Error(`envoyproxy/ratelimit not found at ${bin}; run "make test-e2e"`);
  return bin;
}

/** `configYaml` is the service's config file (domain and descriptors). */
export async function startRateLimitService(
  redisPort: number,
  configYaml: string,
): Promise<RateLimitService> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-extproc-ratelimit-'));
  fs.mkdirSync(path.join(dir, 'ratelimit/config'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'ratelimit/config/ai.yaml'), configYaml);
  const [httpPort, grpcPort, debugPort] = [await freePort(), await freePort(), await freePort()];
  const proc: ChildProcess = spawn(rateLimitBin(), [], {
    env: {
      USE_STATSD: 'false',
      LOG_LEVEL: process.env.RATELIMIT_LOG_LEVEL ?? 'warn',
      BACKEND_TYPE: 'redis',
      REDIS_SOCKET_TYPE: 'tcp',
      REDIS_URL: `127.0.0.1:${redisPort}`,
      RUNTIME_ROOT: dir,
      RUNTIME_SUBDIRECTORY: 'ratelimit',
      RUNTIME_WATCH_ROOT: 'false',
      HOST: '127.0.0.1',
      PORT: String(httpPort),
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: String(grpcPort),
      DEBUG_HOST: '127.0.0.1',
      DEBUG_PORT: String(debugPort),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-200_000)));
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`ratelimit exited with ${proc.exitCode}: ${stderr}`);
    try {
      if ((await fetch(`http://127.0.0.1:${httpPort}/healthcheck`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`ratelimit did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    grpcPort,
    log: () => stderr,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(t);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

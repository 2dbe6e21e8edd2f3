/** The kgateway-style stack for e2e tests: mock provider ← real Envoy ← ai-extproc (abstract socket). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEnvoy } from './envoy.js';
import { envoyConfigText } from '../../src/envoy-config-command.js';
import type { EnvoyExtras } from '../../src/config/envoy/bootstrap.js';
import type { RateLimitOptions } from '../../src/config/envoy/rate-limit.js';
import type { EnvoyProcess } from './envoy.js';
import { startMockProvider } from '../../mock-provider/server.js';
import type { MockProvider } from '../../mock-provider/server.js';
import { startTestApp } from './app.js';
import type { TestApp } from './app.js';
import { repoRoot } from './repo.js';

export interface KgatewayStack {
  readonly envoy: EnvoyProcess;
  readonly mock: MockProvider;
  readonly ext: TestApp;
  close(): Promise<void>;
}

export async function startKgatewayStack(
  env: Record<string, string> = {},
  templateVars: Record<string, string | number> = {},
): Promise<KgatewayStack> {
  const mock = await startMockProvider({});
  const ext = await startTestApp(env, { abstractSocket: true });
  const socket = ext.socketName!;
  const envoy = await closingOnFailure([ext, mock], () =>
    startEnvoy({
      template: path.join(repoRoot(), 'envoy/kgateway/envoy.yaml'),
      vars: { EXTPROC_SOCKET: socket, UPSTREAM_PORT: mock.port, ...templateVars },
    }),
  );
  return {
    envoy,
    mock,
    ext,
    async close() {
      await envoy.stop();
      await ext.close();
      await mock.close();
    },
  };
}

/**
 * Runs `start`; when it fails, closes what was already started, so a failed `before` hook leaves
 * no server holding the test process open.
 */
async function closingOnFailure<T>(
  started: readonly { close(): Promise<void> }[],
  start: () => Promise<T>,
): Promise<T> {
  try {
    return await start();
  } catch (e) {
    for (const s of started) await s.close().catch(() => undefined);
    throw e;
  }
}

export interface StandaloneStack extends KgatewayStack {
  readonly configPath: string;
  /** Rewrites the config file (for hot-reload tests); {{UPSTREAM}} is filled in. */
  writeConfig(yaml: string): void;
}

/** Standalone mode: the extension reads a YAML config and routes, authenticates and translates. */
export async function startStandaloneStack(
  configYaml: string,
  env: Record<string, string> = {},
  secretsEnv: NodeJS.ProcessEnv = {},
  opts: { readonly extras?: EnvoyExtras; readonly rateLimit?: RateLimitOptions } = {},
): Promise<StandaloneStack> {
  const mock = await startMockProvider({});
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-extproc-standalone-'));
  const configPath = path.join(dir, 'config.yaml');
  const writeConfig = (yaml: string): void => {
    // Atomic replace, as editors and config-map updates do.
    fs.writeFileSync(`${configPath}.tmp`, yaml.replaceAll('{{UPSTREAM}}', `127.0.0.1:${mock.port}`));
    fs.renameSync(`${configPath}.tmp`, configPath);
  };
  writeConfig(configYaml);
  // Envoy runs on the config the generator makes from ours, and follows our reloads (xDS files).
  const xdsDir = path.join(dir, 'xds');
  const ext = await startTestApp(
    { AI_EXTPROC_CONFIG: configPath, CONFIG_POLL_MS: '100', ENVOY_XDS_DIR: xdsDir, ...env },
    { abstractSocket: true, secretsEnv },
  );
  const envoy = await closingOnFailure([ext, mock], () =>
    startEnvoy({
      render: ({ listenPort, adminPort, accessLog }) =>
        envoyConfigText(configPath, {
          listen: { host: '127.0.0.1', port: listenPort },
          admin: { host: '127.0.0.1', port: adminPort },
          extproc: { kind: 'abstract', name: ext.socketName! },
          accessLog,
          xdsDir,
          extras: opts.extras,
          ...(opts.rateLimit ? { rateLimit: opts.rateLimit } : {}),
          ...(ext.app.mcpGateway
            ? { mcp: { kind: 'tcp' as const, host: '127.0.0.1', port: ext.app.mcpGateway.port } }
            : {}),
        }),
      vars: {},
    }),
  );
  return {
    envoy,
    mock,
    ext,
    configPath,
    writeConfig,
    async close() {
      await envoy.stop();
      await ext.close();
      await mock.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The kgateway-style stack for e2e tests: mock provider ← real Envoy ← ai-extproc (abstract socket). */
import path from 'node:path';
import { startEnvoy } from './envoy.js';
import type { EnvoyProcess } from './envoy.js';
import { startMockProvider } from './mock-provider.js';
import type { MockProvider } from './mock-provider.js';
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
  const envoy = await startEnvoy({
    template: path.join(repoRoot(), 'envoy/kgateway/envoy.yaml'),
    vars: { EXTPROC_SOCKET: socket, UPSTREAM_PORT: mock.port, ...templateVars },
  });
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

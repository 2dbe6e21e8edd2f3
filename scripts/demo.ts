/**
 * `make demo`: the local stack as plain processes — the mock LLM provider (OpenAI, Anthropic,
 * Gemini, Bedrock; streaming and not), ai-extproc and the real Envoy from the pinned wheel — then
 * ready-to-paste examples. Offline, no API keys. Ctrl-C stops everything.
 *
 * DEMO_MODE=standalone (default): ai-extproc routes, authenticates and translates from its built-in
 *   config (config/examples/standalone.yaml), behind an Envoy whose config is generated from it
 *   (ai-extproc envoy-config) and follows its reloads.
 * DEMO_MODE=kgateway: kgateway's drop-in mode behind envoy/kgateway/envoy.yaml.
 * DEMO_REAL=1 with OPENAI_API_KEY and/or ANTHROPIC_API_KEY: standalone mode routed to the real providers.
 *
 * Ports (override with env): DEMO_PORT=10000 (Envoy), DEMO_ADMIN_PORT=9901, DEMO_UPSTREAM_PORT=18080,
 * DEMO_METRICS_PORT=9092, DEMO_MCP_PORT=18081 (the MCP server). `--smoke` sends a few requests, prints the results and exits.
 *
 * This file holds the start-up order; the parts: demo-settings.ts (env, standalone config),
 * demo-processes.ts (children, health, stop), demo-examples.ts (the banner), demo-smoke.ts (--smoke).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEnvoy } from '../test/helpers/envoy.js';
import { envoyConfigText } from '../src/envoy-config-command.js';
import { mcpGatewayBanner, mcpGatewayListing, mcpGatewaySocket } from './demo-mcp-gateway.js';
import { examples } from './demo-examples.js';
import {
  checkPortFree,
  everyPartAnswers,
  httpOk,
  partDied,
  startChild,
  state,
  stopAll,
} from './demo-processes.js';
import {
  ADMIN_PORT,
  ENVOY_PORT,
  MCP_PORT,
  METRICS_PORT,
  MODE,
  REAL,
  SOCKET,
  UPSTREAM_PORT,
  root,
  smoke,
  standaloneConfig,
} from './demo-settings.js';
import { smokeTest } from './demo-smoke.js';

async function main(): Promise<void> {
  process.on('SIGINT', () => void stopAll().then(() => process.exit(0)));
  process.on('SIGTERM', () => void stopAll().then(() => process.exit(0)));
  for (const [name, p] of [
    ['DEMO_PORT', ENVOY_PORT],
    ['DEMO_ADMIN_PORT', ADMIN_PORT],
    ['DEMO_UPSTREAM_PORT', UPSTREAM_PORT],
    ['DEMO_METRICS_PORT', METRICS_PORT],
    ...(MODE === 'standalone' && !REAL ? ([['DEMO_MCP_PORT', MCP_PORT]] as const) : []),
  ] as const)
    await checkPortFree(name, p);
  await startChild(
    'mock',
    'dist/mock-provider/main.js',
    ['--port', String(UPSTREAM_PORT)],
    {},
    httpOk(`http://127.0.0.1:${UPSTREAM_PORT}/healthz`),
  );
  let xdsDir: string | undefined;
  if (MODE === 'standalone') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-extproc-demo-'));
    state.configFile = path.join(dir, 'config.yaml');
    fs.writeFileSync(state.configFile, standaloneConfig());
    // Envoy's clusters and routes follow the config: the server rewrites them on every reload.
    xdsDir = path.join(dir, 'xds');
  }
  await startChild(
    'ai-extproc',
    'dist/src/main.js',
    [],
    {
      LISTEN_ADDR: `unix-abstract:${SOCKET}`,
      METRICS_ADDR: `127.0.0.1:${METRICS_PORT}`,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
      ...(state.configFile ? { AI_EXTPROC_CONFIG: state.configFile } : {}),
      ...(xdsDir ? { ENVOY_XDS_DIR: xdsDir } : {}),
      MCP_ADDR: `unix-abstract:${mcpGatewaySocket(SOCKET)}`,
    },
    httpOk(`http://127.0.0.1:${METRICS_PORT}/readyz`),
  );
  // After ai-extproc, so the banner's child indexes hold (mock, ai-extproc, mcp).
  if (MODE === 'standalone' && !REAL)
    await startChild(
      'mcp',
      'dist/mock-provider/mcp-main.js',
      ['--port', String(MCP_PORT)],
      {},
      httpOk(`http://127.0.0.1:${MCP_PORT}/healthz`),
    );
  // Standalone: Envoy's config is generated from ours (ai-extproc envoy-config); kgateway: kgateway's shape.
  const generated = state.configFile;
  state.envoy = await startEnvoy({
    ...(generated
      ? {
          render: ({ accessLog }: { accessLog: string }) =>
            envoyConfigText(generated, {
              listen: { host: '127.0.0.1', port: ENVOY_PORT },
              admin: { host: '127.0.0.1', port: ADMIN_PORT },
              extproc: { kind: 'abstract', name: SOCKET },
              accessLog,
              xdsDir,
              extras: undefined,
              mcp: { kind: 'abstract', name: mcpGatewaySocket(SOCKET) },
            }),
        }
      : { template: path.join(root, 'envoy/kgateway/envoy.yaml') }),
    vars: { EXTPROC_SOCKET: SOCKET, UPSTREAM_PORT, LISTEN_PORT: ENVOY_PORT, ADMIN_PORT },
  });
  state.envoy.proc.once('exit', (code, signal) => partDied('Envoy', code, signal));
  await everyPartAnswers();
  state.up = true;
  const url = `http://127.0.0.1:${ENVOY_PORT}`;
  const gateway = MODE === 'standalone' && !REAL ? await mcpGatewayListing(url) : undefined;
  if (smoke) {
    try {
      if (gateway) console.log(gateway);
      await smokeTest(url);
      console.log('demo smoke test passed');
    } finally {
      await stopAll();
    }
    process.exit(0);
  }
  console.log(examples(url) + (gateway ? mcpGatewayBanner(url, gateway) : ''));
}

main().catch(async (err: unknown) => {
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
  await stopAll();
  process.exit(1);
});

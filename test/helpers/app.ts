/** Starts the real server in-process for integration and e2e tests. */
import { Writable } from 'node:stream';
import { startApp } from '../../src/app.js';
import type { App, AppOptions } from '../../src/app.js';
import { loadSettings } from '../../src/config/env.js';
import type { ServerSettings } from '../../src/config/env.js';
import { createLogger } from '../../src/logging/logger.js';

export interface TestApp {
  readonly app: App;
  readonly settings: ServerSettings;
  /** grpc-js target for the scripted client. */
  readonly target: string;
  /** The abstract socket name, when listening on one. */
  readonly socketName: string | undefined;
  readonly metricsUrl: string;
  /** Log lines the server wrote (parsed JSON). */
  readonly logs: Record<string, unknown>[];
  metrics(): Promise<string>;
  close(): Promise<void>;
}

let counter = 0;

export async function startTestApp(
  env: Record<string, string> = {},
  opts: AppOptions & { abstractSocket?: boolean } = {},
): Promise<TestApp> {
  const socketName = `ai-extproc-test-${process.pid}-${++counter}`;
  const settings = loadSettings({
    LISTEN_ADDR: opts.abstractSocket ? `unix-abstract:${socketName}` : '127.0.0.1:0',
    METRICS_ADDR: '127.0.0.1:0',
    MCP_ADDR: '127.0.0.1:0',
    LOG_LEVEL: 'debug',
    AI_OTEL_CONFIG_DIRS: '/nonexistent',
    ...env,
  });
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n'))
        if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const app = await startApp(settings, { logger: createLogger(settings.logLevel, sink), ...opts });
  const port = app.grpc.port;
  // grpc-js has no unix-abstract: scheme; a unix: path with a leading NUL reaches the same socket.
  const target = opts.abstractSocket ? `unix:\0${socketName}` : `127.0.0.1:${port}`;
  const metricsPort = (app.metricsServer.address() as { port: number }).port;
  const metricsUrl = `http://127.0.0.1:${metricsPort}`;
  return {
    app,
    settings,
    target,
    socketName: opts.abstractSocket ? socketName : undefined,
    metricsUrl,
    logs,
    metrics: async () => (await fetch(`${metricsUrl}/metrics`)).text(),
    close: () => app.close(),
  };
}

/** The value of one Prometheus sample, e.g. metricValue(text, 'ai_prompt_tokens_total', {llm:'openai'}). */
export function metricValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  let total: number | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
    const m = /^([^{ ]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = new Map<string, string>();
    for (const kv of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) have.set(kv[1]!, kv[2]!);
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) total = (total ?? 0) + Number(m[3]);
  }
  return total;
}

#!/usr/bin/env node
/** Entry point: settings from the environment, start, and stop gracefully on SIGTERM/SIGINT. */
import v8 from 'node:v8';
import { nodeVersionProblem } from './node-version.js';

async function main(): Promise<void> {
  const problem = nodeVersionProblem();
  if (problem !== undefined) throw new Error(problem);
  if (process.argv[2] === 'envoy-config') {
    const { envoyConfigCommand } = await import('./envoy-config-command.js');
    try {
      process.stdout.write(envoyConfigCommand(process.argv.slice(3)));
    } catch (err) {
      process.stderr.write(`ai-extproc envoy-config: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(2);
    }
    return;
  }
  const { loadSettings } = await import('./config/env.js');
  // --config FILE is AI_EXTPROC_CONFIG=FILE; --xds-dir DIR is ENVOY_XDS_DIR=DIR.
  const env = { ...process.env };
  for (const [flag, name] of [
    ['--config', 'AI_EXTPROC_CONFIG'],
    ['--xds-dir', 'ENVOY_XDS_DIR'],
  ] as const) {
    const i = process.argv.indexOf(flag);
    const v = i > 0 ? process.argv[i + 1] : undefined;
    if (v) env[name] = v;
  }
  const settings = loadSettings(env);
  // V8 reads this each time it sizes the heap after a full GC. Set it before the app's modules
  // load (hence the dynamic import), so the full GCs of startup already size the heap with it.
  if (settings.heapGrowingPercent > 0)
    v8.setFlagsFromString(`--heap-growing-percent=${settings.heapGrowingPercent}`);
  const { startApp } = await import('./app.js');
  const app = await startApp(settings);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    const hard = setTimeout(() => process.exit(0), settings.shutdownGraceMs);
    hard.unref();
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`ai-extproc failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

/**
 * The mock LLM provider (mock-provider/server.ts) in its own process, for the bench.
 *
 *   node dist/bench/mock-server.js --port N [--host 127.0.0.1]
 *
 * Same server as mock-provider/main.ts, except that it forgets its recorded requests every
 * second: the mock records every request (body and parsed JSON) for the tests, which over a
 * bench's few hundred thousand requests (some of 100 KiB) would grow it by gigabytes and slow it
 * down with GC as the run goes on, skewing the later phases.
 *
 * Prints `mock-provider listening on http://HOST:PORT`, then serves until SIGTERM/SIGINT.
 */
import { parseArgs } from 'node:util';
import { startMockProvider } from '../mock-provider/server.js';

const RESET_EVERY_MS = 1000;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: 'string' }, host: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  const mock = await startMockProvider({ port: Number(values.port ?? 0), host: values.host ?? '127.0.0.1' });
  const parent = process.ppid;
  const timer = setInterval(() => {
    mock.reset();
    // The bench runner died without stopping us (we were re-parented): stop.
    if (process.ppid !== parent) stop();
  }, RESET_EVERY_MS);
  console.log(`mock-provider listening on ${mock.url}`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    clearInterval(timer);
    const hard = setTimeout(() => process.exit(0), 2000);
    hard.unref();
    mock.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // Also exit if the parent dies without signalling (the stdout pipe closes).
  process.stdout.on('error', stop);
}

main().catch((err: unknown) => {
  console.error('mock-server:', err);
  process.exit(1);
});

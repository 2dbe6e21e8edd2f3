/**
 * CLI for the mock LLM provider (mock-provider/server.ts), used by `make demo` and e2e setups.
 *
 *   node dist/mock-provider/main.js --port 18080 [--host 127.0.0.1] [--stream-delay-ms 20]
 *
 * Prints exactly one line, `mock-provider listening on http://HOST:PORT`, then serves until SIGTERM/SIGINT.
 */
import { parseArgs } from 'node:util';
import { startMockProvider } from '../mock-provider/server.js';
import type { MockProviderOptions } from '../mock-provider/server.js';

function usage(message: string): never {
  console.error(`mock-provider: ${message}`);
  console.error('usage: mock-provider [--port N] [--host ADDR] [--stream-delay-ms MS]');
  process.exit(2);
}

function intArg(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) usage(`--${name} must be a non-negative integer, got "${value}"`);
  return n;
}

async function main(): Promise<void> {
  let values: { port?: string; host?: string; 'stream-delay-ms'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        'stream-delay-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    usage(err instanceof Error ? err.message : String(err));
  }
  if (values.help === true) {
    console.log('usage: mock-provider [--port N] [--host ADDR] [--stream-delay-ms MS]');
    return;
  }
  const opts: MockProviderOptions = {};
  const port = intArg('port', values.port);
  if (port !== undefined) opts.port = port;
  if (values.host !== undefined) opts.host = values.host;
  const delay = intArg('stream-delay-ms', values['stream-delay-ms']);
  if (delay !== undefined) opts.streamDelayMs = delay;

  const mock = await startMockProvider(opts);
  console.log(`mock-provider listening on ${mock.url}`);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    mock.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('mock-provider: close failed:', err);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error('mock-provider:', err);
  process.exit(1);
});

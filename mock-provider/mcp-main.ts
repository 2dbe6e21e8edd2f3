/**
 * CLI for the small MCP server (mock-provider/mcp-server.ts, on the official v2 SDK), used by
 * `make demo`.
 *
 *   node dist/mock-provider/mcp-main.js --port 18081 [--host 127.0.0.1]
 *
 * Prints one line, `mcp-server listening on http://HOST:PORT/mcp`, then serves until SIGTERM/SIGINT.
 */
import { parseArgs } from 'node:util';
import { startMcpFixture } from './mcp-server.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: 'string', short: 'p' }, host: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  const port = Number(values.port ?? 18081);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad --port ${values.port}`);
  const server = await startMcpFixture({ port, host: values.host ?? '127.0.0.1' });
  console.log(`mcp-server listening on http://${values.host ?? '127.0.0.1'}:${server.port}/mcp`);
  const stop = (): void => void server.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error(`mcp-server: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(2);
});

/**
 * A small MCP server over stdio on the official v2 SDK (serveStdio), for the gateway's stdio
 * upstream tests: `echo` and `whoami` (which returns the FIXTURE_ENV variable, proving the
 * configured environment reached the child), and `crash`, which exits the process (the gateway
 * must start it again). Run as `node dist/mock-provider/mcp-stdio-server.js`.
 */
import { McpServer, fromJsonSchema } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';

const textArg = fromJsonSchema<{ text: string }>({
  type: 'object',
  properties: { text: { type: 'string' } },
  required: ['text'],
});
const noArgs = fromJsonSchema<Record<string, never>>({ type: 'object', properties: {} });

serveStdio(() => {
  const s = new McpServer({ name: 'ai-extproc-mcp-stdio-fixture', version: '1.0.0' });
  s.registerTool('echo', { description: 'Returns its text.', inputSchema: textArg }, (args) => ({
    content: [{ type: 'text', text: args.text }],
  }));
  s.registerTool('whoami', { description: 'Returns FIXTURE_ENV and the pid.', inputSchema: noArgs }, () => ({
    content: [
      {
        type: 'text',
        text: `${process.env.FIXTURE_ENV ?? ''} ${process.pid} ${process.env.SECRET_OF_PARENT ?? ''}`,
      },
    ],
  }));
  s.registerTool('crash', { description: 'Exits the process.', inputSchema: noArgs }, () => {
    // Stderr is bounded by the gateway: a lot of it must not hurt.
    process.stderr.write('x'.repeat(100_000));
    setImmediate(() => process.exit(3));
    return { content: [{ type: 'text', text: 'bye' }] };
  });
  return s;
});

/**
 * An upstream MCP server we start ourselves and talk to over stdio (the official client's stdio
 * transport). Its environment is only what the config gives (plus PATH and HOME, so a command can
 * be found), never ours: our secrets stay out of the child. Output is bounded: a stdout line larger
 * than MAX_STDOUT_LINE closes the connection (the SDK's buffer limit), and stderr is drained,
 * keeping only its last STDERR_TAIL characters for the debug log. Restarts (with backoff) are the
 * pool's: a child that exits closes the connection, and the next use starts a new one.
 */
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import type { McpUpstreamServer } from '../config/standalone/mcp-gateway.js';

export const MAX_STDOUT_LINE = 4 * 1024 * 1024;
export const STDERR_TAIL = 4096;

/** The last characters a child wrote to stderr, per server (for the debug log when it fails). */
export const stderrTails = new Map<string, string>();

export function openStdioTransport(s: McpUpstreamServer): StdioClientTransport {
  const cmd = s.stdio;
  if (!cmd) throw new Error(`MCP server ${s.name} has neither url nor command`);
  const env: Record<string, string> = {};
  for (const k of ['PATH', 'HOME']) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  for (const [k, v] of cmd.env) env[k] = v;
  const t = new StdioClientTransport({
    command: cmd.command,
    args: [...cmd.args],
    env,
    stderr: 'pipe',
    maxBufferSize: MAX_STDOUT_LINE,
    ...(cmd.cwd !== undefined ? { cwd: cmd.cwd } : {}),
  });
  const err = t.stderr;
  if (err) {
    let tail = '';
    err.on('data', (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-STDERR_TAIL);
      stderrTails.set(s.name, tail);
    });
  }
  return t;
}

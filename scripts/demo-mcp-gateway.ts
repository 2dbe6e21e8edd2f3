/**
 * `make demo`'s MCP gateway endpoint: two small MCP servers on the official SDK behind one MCP
 * endpoint (/mcp-gateway): the demo's HTTP MCP server (`tools`) and a stdio server ai-extproc
 * starts itself (`local`). The endpoint listens on an abstract socket named after the demo's, so it
 * needs no port. The banner shows what an MCP client sees there: the merged, prefixed tool list
 * (the rules leave out the dangerous tools) and one call on each server.
 */
import path from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { repoRoot } from '../test/helpers/repo.js';

/** The endpoint's abstract socket (MCP_ADDR and the Envoy cluster). */
export const mcpGatewaySocket = (demoSocket: string): string => `${demoSocket}-mcp`;

/** The mcpServers: and mcpGateway: sections appended to the demo's standalone config. */
export function mcpGatewaySection(httpMcpPort: number): string {
  const stdio = path.join(repoRoot(), 'dist/mock-provider/mcp-stdio-server.js');
  return `
# MCP gateway endpoint (/mcp-gateway): the MCP server above and a stdio server we start, behind one
# MCP endpoint; names are prefixed <server>__<name>, lists merged, the rules apply to both.
mcpServers:
  tools: { url: 'http://127.0.0.1:${httpMcpPort}/mcp' }
  local:
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(stdio)}]
    env: { FIXTURE_ENV: demo }
mcpGateway:
  path: /mcp-gateway
  rules:
    tools: { deny: [{ regex: '.*__delete_everything' }, { regex: '.*__debug_.*' }] }
  guards:
    response:
      regex: { action: MASK, builtins: [CREDIT_CARD] }
`;
}

function text(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.map((c) => c.text ?? '').join('');
}

/** What the official MCP client sees at the endpoint: the merged tools, and a call on each server. */
export async function mcpGatewayListing(url: string): Promise<string> {
  const c = new Client({ name: 'demo', version: '1.0.0' });
  await c.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp-gateway`)));
  try {
    const tools = (await c.listTools()).tools.map((t) => t.name);
    const a = text(await c.callTool({ name: 'tools__echo', arguments: { text: 'hello tools' } }));
    const b = text(await c.callTool({ name: 'local__echo', arguments: { text: 'hello local' } }));
    return [
      `mcp gateway tools/list: ${tools.join(', ')}`,
      `mcp gateway tools__echo: ${a}`,
      `mcp gateway local__echo: ${b}`,
    ].join('\n');
  } finally {
    await c.close();
  }
}

/** The banner's MCP gateway paragraph. */
export function mcpGatewayBanner(url: string, listing: string): string {
  return `MCP gateway (${url}/mcp-gateway: the MCP server above and a stdio server, merged; any MCP client):
${listing
  .split('\n')
  .map((l) => `  ${l}`)
  .join('\n')}

`;
}

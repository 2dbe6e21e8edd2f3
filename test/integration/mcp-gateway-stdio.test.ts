/**
 * A stdio MCP server behind the gateway: started by us from the config (command, args, env), with
 * only the configured environment (nothing of ours but PATH and HOME), listed and called beside an
 * HTTP server, and started again when it exits.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { repoRoot } from '../helpers/repo.js';
import { startMcpFixture } from '../../mock-provider/mcp-server.js';
import type { McpFixture } from '../../mock-provider/mcp-server.js';

function text(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.map((c) => c.text ?? '').join('');
}

const config = (http: number) => `version: 1
backends:
  mock: { provider: openai, baseUrl: 'http://127.0.0.1:9', auth: { none: true }, defaultModel: m }
routes:
  - name: ai
    match: { pathPrefix: /v1 }
    backend: mock
mcpServers:
  web: { url: 'http://127.0.0.1:${http}/mcp' }
  local:
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(path.join(repoRoot(), 'dist/mock-provider/mcp-stdio-server.js'))}]
    env:
      FIXTURE_ENV: from-config
      FIXTURE_TOKEN: { env: STDIO_TOKEN }
mcpGateway: { timeoutMs: 10000 }
`;

describe('MCP gateway: a stdio server', () => {
  let web: McpFixture;
  let app: TestApp;
  let c: Client;
  before(async () => {
    web = await startMcpFixture();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-stdio-'));
    const file = path.join(dir, 'config.yaml');
    fs.writeFileSync(file, config(web.port));
    // Our own environment must not reach the child.
    process.env.SECRET_OF_PARENT = 'parent-secret';
    app = await startTestApp({ AI_EXTPROC_CONFIG: file }, { secretsEnv: { STDIO_TOKEN: 'tok' } });
    c = new Client(
      { name: 'it-stdio', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    await c.connect(
      new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${app.app.mcpGateway!.port}/mcp-gateway`)),
    );
  });
  after(async () => {
    delete process.env.SECRET_OF_PARENT;
    await c?.close();
    await app?.close();
    await web?.close();
  });

  it('is listed and called beside the HTTP server, with only its configured environment', async () => {
    const tools = (await c.listTools()).tools.map((t) => t.name);
    assert.ok(tools.includes('local__echo') && tools.includes('web__echo'), tools.join(','));
    assert.equal(
      text(await c.callTool({ name: 'local__echo', arguments: { text: 'via stdio' } })),
      'via stdio',
    );
    const [env, pid, leaked] = text(await c.callTool({ name: 'local__whoami', arguments: {} })).split(' ');
    assert.equal(env, 'from-config');
    assert.ok(Number(pid) > 0);
    assert.equal(leaked, '');
  });

  it('is started again when it exits', async () => {
    const before = text(await c.callTool({ name: 'local__whoami', arguments: {} })).split(' ')[1];
    assert.equal(text(await c.callTool({ name: 'local__crash', arguments: {} })), 'bye');
    let after = before;
    for (let i = 0; i < 100 && after === before; i++) {
      try {
        after = text(await c.callTool({ name: 'local__whoami', arguments: {} })).split(' ')[1];
      } catch {
        // Being restarted: the call fails plainly until it is back.
      }
      if (after === before) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(after && after !== before, `a new process (${before} → ${after})`);
  });
});

/**
 * The MCP gateway endpoint without Envoy: the official v2 client (2026-07-28, stateless) and v1
 * client (2025 handshake) against two fixture servers on the official v2 server SDK. Merged and
 * prefixed lists, calls routed with the prefix removed, rules per client identity, relayed log
 * notifications, upstream credentials sent upstream and never to the client, a server that is down
 * left out of lists.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startTestApp, metricValue } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { GATEWAY_SECRETS, gatewayConfig } from '../helpers/mcp-gateway.js';
import { startMcpFixture } from '../../mock-provider/mcp-server.js';
import type { McpFixture } from '../../mock-provider/mcp-server.js';

async function v2(url: string, headers: Record<string, string> = {}): Promise<Client> {
  const c = new Client(
    { name: 'it-v2', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  await c.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return c;
}

function text(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.map((c) => c.text ?? '').join('');
}

async function rpcError(p: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await p;
  } catch (err) {
    return { code: (err as { code: number }).code, message: (err as Error).message };
  }
  assert.fail('expected a JSON-RPC error');
}

describe('MCP gateway endpoint (no Envoy)', () => {
  let a: McpFixture;
  let b: McpFixture;
  let app: TestApp;
  let url: string;
  before(async () => {
    a = await startMcpFixture();
    b = await startMcpFixture({ responseMode: 'sse' });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-gateway-'));
    const file = path.join(dir, 'config.yaml');
    fs.writeFileSync(file, gatewayConfig(a.port, b.port).replaceAll('{{UPSTREAM}}', '127.0.0.1:9'));
    app = await startTestApp(
      { AI_EXTPROC_CONFIG: file, MCP_ADDR: '127.0.0.1:0' },
      { secretsEnv: GATEWAY_SECRETS },
    );
    url = `http://127.0.0.1:${app.app.mcpGateway!.port}/mcp-gateway`;
  });
  after(async () => {
    await app?.close();
    await a?.close();
    await b?.close();
  });

  it('v2 client: merged, prefixed lists filtered by the default rules', async () => {
    const c = await v2(url);
    try {
      const tools = (await c.listTools()).tools.map((t) => t.name).sort();
      assert.deepEqual(tools, [
        'alpha__card_lookup',
        'alpha__echo',
        'alpha__progress_echo',
        'beta__card_lookup',
        'beta__echo',
        'beta__progress_echo',
      ]);
      const prompts = (await c.listPrompts()).prompts.map((p) => p.name).sort();
      assert.deepEqual(prompts, ['alpha__greet', 'beta__greet']);
      const resources = (await c.listResources()).resources.map((r) => r.uri).sort();
      assert.deepEqual(resources, ['alpha+mem://public/readme', 'beta+mem://public/readme']);
      // Neither server supports resource subscriptions, so the gateway does not claim to.
      assert.equal(c.getServerCapabilities()?.resources?.subscribe, undefined);
      const read = await c.readResource({ uri: 'beta+mem://public/readme' });
      assert.deepEqual(
        read.contents.map((x) => [x.uri, 'text' in x ? x.text : '']),
        [['beta+mem://public/readme', 'read me']],
      );
    } finally {
      await c.close();
    }
  });

  it('v2 client: calls reach the right server with the prefix removed; denied tools never do', async () => {
    const c = await v2(url);
    try {
      assert.equal(text(await c.callTool({ name: 'alpha__echo', arguments: { text: 'to a' } })), 'to a');
      assert.equal(text(await c.callTool({ name: 'beta__echo', arguments: { text: 'to b' } })), 'to b');
      assert.deepEqual(a.calls.at(-1), { name: 'echo', args: { text: 'to a' } });
      assert.deepEqual(b.calls.at(-1), { name: 'echo', args: { text: 'to b' } });
      const before = a.calls.length + b.calls.length;
      const denied = await rpcError(c.callTool({ name: 'alpha__delete_everything', arguments: {} }));
      assert.equal(denied.code, -32602);
      assert.match(denied.message, /Tool alpha__delete_everything not found/);
      const unknown = await rpcError(c.callTool({ name: 'gamma__echo', arguments: { text: 'x' } }));
      assert.equal(unknown.code, -32602);
      assert.equal((await rpcError(c.getPrompt({ name: 'beta__internal_prompt' }))).code, -32602);
      const res = await rpcError(c.readResource({ uri: 'alpha+mem://private/keys' }));
      // The v2 SDK answers a missing resource with -32602 on 2026-07-28 (it maps -32002).
      assert.equal(res.code, -32602, res.message);
      assert.match(res.message, /Resource alpha\+mem:\/\/private\/keys not found/);
      assert.equal(a.calls.length + b.calls.length, before);
      const greet = await c.getPrompt({ name: 'alpha__greet' });
      assert.equal(greet.messages.length, 1);
    } finally {
      await c.close();
    }
  });

  it('a log notification the server sends during a call is relayed to the client', async () => {
    const c = await v2(url);
    const seen: string[] = [];
    c.setNotificationHandler('notifications/message', (n) => {
      seen.push(String(n.params.data));
    });
    try {
      const r = await c.callTool({
        name: 'beta__progress_echo',
        arguments: { text: 'hello' },
        _meta: { 'io.modelcontextprotocol/logLevel': 'debug' },
      });
      assert.equal(text(r), 'hello');
      assert.deepEqual(seen, ['echoing 5 characters']);
    } finally {
      await c.close();
    }
  });

  it('rules per client: bob (virtual key or identity header) sees and calls only beta__echo', async () => {
    for (const headers of [{ authorization: 'Bearer vk-bob' }, { 'x-client-id': 'bob' }]) {
      const c = await v2(url, headers);
      try {
        assert.deepEqual(
          (await c.listTools()).tools.map((t) => t.name),
          ['beta__echo'],
        );
        assert.equal(text(await c.callTool({ name: 'beta__echo', arguments: { text: 'ok' } })), 'ok');
        assert.equal(
          (await rpcError(c.callTool({ name: 'alpha__echo', arguments: { text: 'x' } }))).code,
          -32602,
        );
      } finally {
        await c.close();
      }
    }
    // alice has no entry: the default rules.
    const alice = await v2(url, { authorization: 'Bearer vk-alice' });
    try {
      assert.equal((await alice.listTools()).tools.length, 6);
    } finally {
      await alice.close();
    }
  });

  it('upstream credentials go to their server and never to the client', async () => {
    const c = await v2(url, { authorization: 'Bearer vk-alice' });
    try {
      await c.callTool({ name: 'alpha__echo', arguments: { text: 'cred' } });
      await c.callTool({ name: 'beta__echo', arguments: { text: 'cred' } });
    } finally {
      await c.close();
    }
    const raw = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/list',
        params: {
          _meta: {
            'io.modelcontextprotocol/protocolVersion': '2026-07-28',
            'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
            'io.modelcontextprotocol/clientCapabilities': {},
          },
        },
      }),
    });
    const all = JSON.stringify([...raw.headers]) + (await raw.text());
    assert.ok(!all.includes('alpha-secret') && !all.includes('beta-secret'));
    // The fixture records bodies only; the secrets are checked on the wire by the e2e test.
    assert.ok(!JSON.stringify(a.requests).includes('vk-alice'));
  });

  it('v1 client (2025 handshake) lists the merged tools and calls one on each server', async () => {
    const c = new V1Client({ name: 'it-v1', version: '1.0.0' });
    await c.connect(new V1Transport(new URL(url)));
    try {
      const tools = (await c.listTools()).tools.map((t) => t.name);
      assert.equal(tools.length, 6);
      assert.ok(tools.includes('alpha__echo') && tools.includes('beta__echo'));
      assert.equal(text(await c.callTool({ name: 'alpha__echo', arguments: { text: 'v1a' } })), 'v1a');
      assert.equal(text(await c.callTool({ name: 'beta__echo', arguments: { text: 'v1b' } })), 'v1b');
      const denied = await c.callTool({ name: 'beta__debug_dump', arguments: {} }).then(
        () => undefined,
        (err: unknown) => err as { code: number },
      );
      assert.equal(denied?.code, -32602);
    } finally {
      await c.close();
    }
  });

  it('request bodies over the bound get 413; other paths 404', async () => {
    const big = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'x'.repeat(5 * 1024 * 1024),
    });
    assert.equal(big.status, 413);
    assert.equal((await fetch(url.replace('/mcp-gateway', '/other'))).status, 404);
  });

  it('a server that is down is left out; the other stays usable (logged, counted)', async () => {
    await a.close();
    const c = await v2(url);
    try {
      const tools = (await c.listTools()).tools.map((t) => t.name).sort();
      assert.deepEqual(tools, ['beta__card_lookup', 'beta__echo', 'beta__progress_echo']);
      assert.equal(text(await c.callTool({ name: 'beta__echo', arguments: { text: 'still' } })), 'still');
      const down = await rpcError(c.callTool({ name: 'alpha__echo', arguments: { text: 'x' } }));
      assert.equal(down.code, -32603);
      assert.equal(down.message.includes('127.0.0.1'), false);
    } finally {
      await c.close();
    }
    const m = await app.metrics();
    assert.ok(
      (metricValue(m, 'ai_extproc_mcp_gateway_server_left_out_total', { server: 'alpha' }) ?? 0) >= 1,
    );
    assert.ok(
      (metricValue(m, 'ai_extproc_mcp_gateway_upstream_calls_total', {
        server: 'beta',
        tool: 'echo',
        result: 'ok',
      }) ?? 0) >= 1,
    );
    assert.ok(app.logs.some((l) => l.msg === 'MCP server left out of a list' && l.server === 'alpha'));
    assert.ok(
      app.logs.some((l) => l.msg === 'mcp gateway summary' && l.tool === 'echo' && l.server === 'beta'),
    );
  });
});

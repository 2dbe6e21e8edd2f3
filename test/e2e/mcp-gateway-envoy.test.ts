/**
 * The MCP gateway endpoint through real Envoy (the generated config routes the public path to our
 * MCP listener): the official v2 client (2026-07-28) and v1 client (2025 handshake) list the merged
 * tools of two fixture servers, call one on each, see a log notification relayed, and neither list
 * nor call a denied tool; the identity header Envoy vouches for picks a client's rules; one server
 * down leaves the other usable. Upstream credentials reach their servers and never the client.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startStandaloneStack } from '../helpers/stack.js';
import type { StandaloneStack } from '../helpers/stack.js';
import { startMcpFixture } from '../../mock-provider/mcp-server.js';
import type { McpFixture } from '../../mock-provider/mcp-server.js';
import { GATEWAY_SECRETS, gatewayConfig } from '../helpers/mcp-gateway.js';

function text(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.map((c) => c.text ?? '').join('');
}

/** A recording HTTP proxy in front of a fixture: the headers each upstream request carried. */
async function recordingProxy(
  target: number,
): Promise<{ port: number; seen: http.IncomingHttpHeaders[]; close(): Promise<void> }> {
  const seen: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers);
    const up = http.request(
      { host: '127.0.0.1', port: target, path: req.url, method: req.method, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('MCP gateway endpoint through real Envoy', () => {
  let a: McpFixture;
  let b: McpFixture;
  let proxyA: Awaited<ReturnType<typeof recordingProxy>>;
  let stack: StandaloneStack;
  let url: string;
  before(async () => {
    a = await startMcpFixture();
    b = await startMcpFixture({ responseMode: 'sse' });
    proxyA = await recordingProxy(a.port);
    stack = await startStandaloneStack(gatewayConfig(proxyA.port, b.port), {}, GATEWAY_SECRETS);
    url = `${stack.envoy.url}/mcp-gateway`;
  });
  after(async () => {
    await stack?.close();
    await proxyA?.close();
    await a?.close();
    await b?.close();
  });

  it('v2 client: merged tools, one call on each server, a relayed notification, a denied tool', async () => {
    const c = new Client(
      { name: 'e2e-v2', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    await c.connect(new StreamableHTTPClientTransport(new URL(url)));
    const logs: string[] = [];
    c.setNotificationHandler('notifications/message', (n) => void logs.push(String(n.params.data)));
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
      assert.equal(text(await c.callTool({ name: 'alpha__echo', arguments: { text: 'a' } })), 'a');
      const r = await c.callTool({
        name: 'beta__progress_echo',
        arguments: { text: 'b!' },
        _meta: { 'io.modelcontextprotocol/logLevel': 'info' },
      });
      assert.equal(text(r), 'b!');
      assert.deepEqual(logs, ['echoing 2 characters']);
      const before = a.calls.length;
      await assert.rejects(
        c.callTool({ name: 'alpha__delete_everything', arguments: {} }),
        (e: { code: number }) => e.code === -32602,
      );
      assert.equal(a.calls.length, before);
    } finally {
      await c.close();
    }
  });

  it('v1 client: merged tools, one call on each server, a denied tool', async () => {
    const c = new V1Client({ name: 'e2e-v1', version: '1.0.0' });
    await c.connect(new V1Transport(new URL(url)));
    try {
      const tools = (await c.listTools()).tools.map((t) => t.name);
      assert.equal(tools.length, 6);
      assert.ok(!tools.some((t) => t.includes('delete_everything') || t.includes('debug_')));
      assert.equal(text(await c.callTool({ name: 'alpha__echo', arguments: { text: 'v1a' } })), 'v1a');
      assert.equal(text(await c.callTool({ name: 'beta__echo', arguments: { text: 'v1b' } })), 'v1b');
      await assert.rejects(
        c.callTool({ name: 'beta__debug_dump', arguments: {} }),
        (e: { code: number }) => e.code === -32602,
      );
    } finally {
      await c.close();
    }
  });

  it("bob's virtual key picks his rules; a forged identity header picks nothing; credentials stay upstream", async () => {
    const list = async (headers: Record<string, string>) => {
      const c = new Client(
        { name: 'e2e-id', version: '1.0.0' },
        { versionNegotiation: { mode: { pin: '2026-07-28' } } },
      );
      await c.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
      try {
        return (await c.listTools()).tools.map((t) => t.name);
      } finally {
        await c.close();
      }
    };
    assert.deepEqual(await list({ authorization: 'Bearer vk-bob' }), ['beta__echo']);
    // Envoy's edge removes a client's copy of the identity header: the default rules apply.
    assert.equal((await list({ 'x-client-id': 'bob' })).length, 6);
    assert.ok(proxyA.seen.length > 0);
    for (const h of proxyA.seen) {
      assert.equal(h.authorization, 'Bearer alpha-secret');
      assert.equal(h['x-client-id'], undefined);
      assert.ok(!JSON.stringify(h).includes('vk-bob'));
    }
    const raw = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'raw', version: '1' },
        },
      }),
    });
    const all = JSON.stringify([...raw.headers]) + (await raw.text());
    assert.ok(!all.includes('alpha-secret') && !all.includes('beta-secret'));
  });

  it('one server down: left out of the list, the other still usable', async () => {
    await proxyA.close();
    const c = new Client(
      { name: 'e2e-down', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    await c.connect(new StreamableHTTPClientTransport(new URL(url)));
    try {
      const tools = (await c.listTools()).tools.map((t) => t.name).sort();
      assert.deepEqual(tools, ['beta__card_lookup', 'beta__echo', 'beta__progress_echo']);
      assert.equal(text(await c.callTool({ name: 'beta__echo', arguments: { text: 'up' } })), 'up');
    } finally {
      await c.close();
    }
  });
});

/**
 * The MCP guard through real Envoy, with the official MCP clients (v2 @modelcontextprotocol/client
 * on the stateless 2026-07-28 protocol, v1 @modelcontextprotocol/sdk with 2025 sessions) against a
 * fixture server on the official v2 server SDK: denied tools never reach the server, lists are
 * filtered over JSON and SSE, headers that disagree with the body get 400 -32020, and card numbers
 * are masked in tool arguments before the server sees them and in tool results before the client does.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startStandaloneStack } from '../helpers/stack.js';
import type { StandaloneStack } from '../helpers/stack.js';
import { repoRoot } from '../helpers/repo.js';
import { metricValue } from '../helpers/app.js';
import { FIXTURE_CARD, startMcpFixture } from '../../mock-provider/mcp-server.js';
import type { McpFixture } from '../../mock-provider/mcp-server.js';

const CONFIG = fs.readFileSync(path.join(repoRoot(), 'test/fixtures/mcp/e2e.yaml'), 'utf8');
const MASK = '<CREDIT_CARD>';

async function modernClient(url: string): Promise<Client> {
  const c = new Client(
    { name: 'e2e-v2', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  await c.connect(new StreamableHTTPClientTransport(new URL(url)));
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

describe('MCP guard through real Envoy', () => {
  let stack: StandaloneStack;
  let auto: McpFixture;
  let sse: McpFixture;
  before(async () => {
    auto = await startMcpFixture();
    sse = await startMcpFixture({ responseMode: 'sse' });
    const yaml = CONFIG.replaceAll('{{MCP_AUTO}}', `127.0.0.1:${auto.port}`).replaceAll(
      '{{MCP_SSE}}',
      `127.0.0.1:${sse.port}`,
    );
    stack = await startStandaloneStack(yaml);
  });
  after(async () => {
    await stack?.close();
    await auto?.close();
    await sse?.close();
  });

  const post = (p: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${stack.envoy.url}${p}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('v2 client: tools/list is filtered (JSON answers)', async () => {
    const c = await modernClient(`${stack.envoy.url}/mcp`);
    try {
      const names = (await c.listTools()).tools.map((t) => t.name).sort();
      assert.deepEqual(names, ['card_lookup', 'echo', 'progress_echo']);
      const prompts = (await c.listPrompts()).prompts.map((p) => p.name);
      assert.deepEqual(prompts, ['greet']);
      const resources = (await c.listResources()).resources.map((r) => r.uri);
      assert.deepEqual(resources, ['mem://public/readme']);
    } finally {
      await c.close();
    }
  });

  it('v2 client: a denied tool is answered like a missing one and the server sees no call', async () => {
    const c = await modernClient(`${stack.envoy.url}/mcp`);
    try {
      const before = auto.calls.length;
      const e = await rpcError(c.callTool({ name: 'delete_everything', arguments: {} }));
      assert.equal(e.code, -32602);
      assert.match(e.message, /Tool delete_everything not found/);
      const d = await rpcError(c.callTool({ name: 'debug_dump', arguments: {} }));
      assert.equal(d.code, -32602);
      assert.equal(auto.calls.length, before);
      assert.ok(!auto.calls.some((x) => x.name === 'delete_everything' || x.name === 'debug_dump'));
      // Denied prompt and resource: their own answers.
      assert.equal((await rpcError(c.getPrompt({ name: 'internal_prompt' }))).code, -32602);
      assert.equal((await rpcError(c.readResource({ uri: 'mem://private/keys' }))).code, -32002);
      const pub = await c.readResource({ uri: 'mem://public/readme' });
      assert.deepEqual(
        pub.contents.map((x) => ('text' in x ? x.text : '')),
        ['read me'],
      );
      // An allowed tool works.
      assert.equal(text(await c.callTool({ name: 'echo', arguments: { text: 'hello' } })), 'hello');
    } finally {
      await c.close();
    }
  });

  it('v2 client: a card number is masked in the arguments before the server sees it, and in results', async () => {
    const c = await modernClient(`${stack.envoy.url}/mcp`);
    try {
      const r = await c.callTool({ name: 'echo', arguments: { text: `pay with ${FIXTURE_CARD} please` } });
      const seen = auto.calls.filter((x) => x.name === 'echo').at(-1)!;
      assert.equal(seen.args.text, `pay with ${MASK} please`);
      assert.ok(!JSON.stringify(auto.requests).includes(FIXTURE_CARD));
      assert.equal(text(r), `pay with ${MASK} please`);
      const card = await c.callTool({ name: 'card_lookup', arguments: {} });
      assert.equal(text(card), `card on file: ${MASK}`);
    } finally {
      await c.close();
    }
  });

  it('SSE answers: lists filtered and results masked event by event, other events pass', async () => {
    const c = await modernClient(`${stack.envoy.url}/sse/mcp`);
    try {
      const names = (await c.listTools()).tools.map((t) => t.name).sort();
      assert.deepEqual(names, ['card_lookup', 'echo', 'progress_echo']);
      assert.equal(text(await c.callTool({ name: 'card_lookup', arguments: {} })), `card on file: ${MASK}`);
      // A raw request: the server's log notification goes first, byte for byte; the answer is masked.
      const meta = {
        'io.modelcontextprotocol/protocolVersion': '2026-07-28',
        'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
        'io.modelcontextprotocol/clientCapabilities': {},
        'io.modelcontextprotocol/logLevel': 'debug',
      };
      const arg = `card ${FIXTURE_CARD}`;
      const raw = await post(
        '/sse/mcp',
        {
          jsonrpc: '2.0',
          id: 41,
          method: 'tools/call',
          params: { name: 'progress_echo', arguments: { text: arg }, _meta: meta },
        },
        { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'progress_echo' },
      );
      assert.equal(raw.status, 200);
      assert.match(raw.headers.get('content-type') ?? '', /text\/event-stream/);
      const events = (await raw.text()).split('\n\n').filter((e) => e !== '');
      assert.equal(events.length, 2);
      const log = `event: message\ndata: {"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"echoing ${`card ${MASK}`.length} characters"}}`;
      assert.equal(events[0], log);
      const answer = JSON.parse(events[1]!.replace(/^event: message\ndata: /, '')) as {
        id: number;
        result: unknown;
      };
      assert.equal(answer.id, 41);
      assert.equal(text(answer.result), `card ${MASK}`);
      assert.equal(sse.calls.filter((x) => x.name === 'progress_echo').at(-1)!.args.text, `card ${MASK}`);
    } finally {
      await c.close();
    }
  });

  it('Mcp-Method / Mcp-Name disagreeing with the body: 400 with -32020, nothing reaches the server', async () => {
    const before = auto.requests.length;
    const body = {
      jsonrpc: '2.0',
      id: 9,
      method: 'tools/call',
      params: { name: 'echo', arguments: { text: 'x' } },
    };
    const r = await post('/mcp', body, { 'mcp-method': 'tools/call', 'mcp-name': 'delete_everything' });
    assert.equal(r.status, 400);
    assert.deepEqual(await r.json(), {
      jsonrpc: '2.0',
      id: 9,
      error: { code: -32020, message: 'Mcp-Name header does not match the body' },
    });
    const m = await post('/mcp', body, { 'mcp-method': 'tools/list' });
    assert.equal(m.status, 400);
    assert.equal(((await m.json()) as { error: { code: number } }).error.code, -32020);
    assert.equal(auto.requests.length, before);
  });

  it('one JSON-RPC message per POST: batches and non-JSON get JSON-RPC errors', async () => {
    const before = auto.requests.length;
    const batch = await post('/mcp', [{ jsonrpc: '2.0', id: 1, method: 'ping' }]);
    assert.equal(batch.status, 400);
    assert.equal(((await batch.json()) as { error: { code: number } }).error.code, -32600);
    const junk = await post('/mcp', '{not json');
    assert.equal(junk.status, 400);
    assert.equal(((await junk.json()) as { error: { code: number } }).error.code, -32700);
    assert.equal(auto.requests.length, before);
  });

  it('denyStatus 403 and the method allow-list', async () => {
    const call = await post('/strict/mcp', {
      jsonrpc: '2.0',
      id: 'a',
      method: 'tools/call',
      params: { name: 'card_lookup' },
    });
    assert.equal(call.status, 403);
    assert.deepEqual(await call.json(), {
      jsonrpc: '2.0',
      id: 'a',
      error: { code: -32602, message: 'Tool card_lookup not found' },
    });
    const method = await post('/strict/mcp', { jsonrpc: '2.0', id: 2, method: 'prompts/list' });
    assert.equal(method.status, 403);
    assert.equal(((await method.json()) as { error: { code: number } }).error.code, -32601);
  });

  it('v1 SDK with sessions: filtered, denied, masked; session traffic (GET stream, DELETE) passes', async () => {
    const client = new V1Client({ name: 'e2e-v1', version: '1.0.0' });
    const transport = new V1Transport(new URL(`${stack.envoy.url}/mcp`));
    await client.connect(transport);
    const session = transport.sessionId!;
    assert.ok(session);
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    assert.deepEqual(names, ['card_lookup', 'echo', 'progress_echo']);
    const before = auto.calls.length;
    const e = await rpcError(client.callTool({ name: 'delete_everything', arguments: {} }));
    assert.equal(e.code, -32602);
    assert.equal(auto.calls.length, before);
    const r = await client.callTool({ name: 'echo', arguments: { text: FIXTURE_CARD } });
    assert.equal(text(r), MASK);
    assert.equal(auto.calls.at(-1)!.args.text, MASK);
    await transport.terminateSession();
    await client.close();
    const mine = auto.requests.filter((q) => q.session === session).map((q) => q.method);
    assert.ok(mine.includes('GET'), `the session's GET stream reached the server: ${mine.join(',')}`);
    assert.ok(mine.includes('DELETE'), `the session's DELETE reached the server: ${mine.join(',')}`);
  });

  it('Envoy 1.40 honours mode_override at response headers: bodies no rule reads never reach ai-extproc', async () => {
    const count = async (phase: string) =>
      metricValue(await stack.ext.metrics(), 'ai_extproc_phase_duration_seconds_count', { phase }) ?? 0;
    const bodies0 = await count('response_body');
    const headers0 = await count('response_headers');
    const c = await modernClient(`${stack.envoy.url}/open/mcp`);
    try {
      for (let i = 0; i < 3; i++)
        assert.equal(text(await c.callTool({ name: 'echo', arguments: { text: `open ${i}` } })), `open ${i}`);
      assert.equal((await c.listTools()).tools.length, 5);
    } finally {
      await c.close();
    }
    assert.ok((await count('response_headers')) >= headers0 + 4);
    assert.equal(await count('response_body'), bodies0, 'no response body message for unguarded MCP answers');
    // A guarded result is read: its body comes.
    const g = await modernClient(`${stack.envoy.url}/mcp`);
    try {
      await g.callTool({ name: 'echo', arguments: { text: 'guarded' } });
    } finally {
      await g.close();
    }
    assert.ok((await count('response_body')) > bodies0);
  });

  it('counts MCP requests by route, method, tool and result; AI routes are unaffected', async () => {
    const m = await stack.ext.metrics();
    const denied = metricValue(m, 'ai_extproc_mcp_requests_total', {
      route: 'guarded',
      method: 'tools/call',
      tool: 'delete_everything',
      result: 'denied',
    });
    assert.ok((denied ?? 0) >= 2, `denied tool calls counted: ${denied}`);
    const masked = metricValue(m, 'ai_extproc_mcp_requests_total', {
      route: 'guarded',
      method: 'tools/call',
      tool: 'echo',
      result: 'masked',
    });
    assert.ok((masked ?? 0) >= 1);
    assert.match(m, /ai_extproc_mcp_request_duration_seconds_bucket\{[^}]*method="tools\/list"/);
    const summary = stack.ext.logs.find(
      (l) => l.msg === 'mcp request summary' && l.tool === 'delete_everything',
    );
    assert.equal(summary?.decision, 'denied');
    const ai = await post('/v1/chat/completions', {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(ai.status, 200);
  });
});

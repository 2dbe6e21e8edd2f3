/**
 * The README's protocol table, cell by cell, through real Envoy: clients of each generation (the
 * official v2 client on 2026-07-28, the official v1 client on 2025-11-25 sessions, a 2025-06-18
 * session client speaking raw HTTP) against servers of each generation (2026-07-28, and 2025-only
 * servers on 2025-11-25 and 2025-06-18), each listing the merged tools and calling one on every
 * server; the servers see the protocol they speak. A 2025 session also hears a list change, and
 * resource updates from a 2026-07-28 and a 2025 server reach a v1 session and a v2 listen stream.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { startStandaloneStack } from '../helpers/stack.js';
import type { StandaloneStack } from '../helpers/stack.js';
import { startMcpFixture } from '../../mock-provider/mcp-server.js';
import type { McpFixture } from '../../mock-provider/mcp-server.js';

const SERVERS = ['s2026', 's20251125', 's20250618'] as const;

const config = (ports: readonly number[]) => `version: 1
backends:
  mock: { provider: openai, baseUrl: 'http://{{UPSTREAM}}', auth: { none: true }, defaultModel: m }
routes:
  - name: ai
    match: { pathPrefix: /v1 }
    backend: mock
mcpServers:
${SERVERS.map((s, i) => `  ${s}: { url: 'http://127.0.0.1:${ports[i]}/mcp' }`).join('\n')}
mcpGateway: { timeoutMs: 10000, sessions: { key: { env: SESSION_KEY } } }
`;

interface Session {
  tools(): Promise<string[]>;
  call(name: string, text: string): Promise<string>;
  close(): Promise<void>;
}

function text(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.map((c) => c.text ?? '').join('');
}

async function v2(url: string): Promise<Session> {
  const c = new Client(
    { name: 'e2e-v2', version: '1' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  await c.connect(new StreamableHTTPClientTransport(new URL(url)));
  return {
    tools: async () => (await c.listTools()).tools.map((t) => t.name),
    call: async (name, t) => text(await c.callTool({ name, arguments: { text: t } })),
    close: () => c.close(),
  };
}

async function v1(url: string): Promise<Session & { client: V1Client }> {
  const c = new V1Client({ name: 'e2e-v1', version: '1' });
  await c.connect(new V1Transport(new URL(url)));
  return {
    client: c,
    tools: async () => (await c.listTools()).tools.map((t) => t.name),
    call: async (name, t) => text(await c.callTool({ name, arguments: { text: t } })),
    close: () => c.close(),
  };
}

/** A 2025-06-18 client in plain HTTP: initialize, then requests with its session id. */
async function raw20250618(url: string): Promise<Session & { version: string }> {
  let id = 0;
  let session = '';
  const rpc = async (method: string, params: object): Promise<Record<string, unknown>> => {
    const r = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...(session ? { 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' } : {}),
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
    });
    assert.equal(r.status, 200, `${method}: ${r.status}`);
    session ||= r.headers.get('mcp-session-id') ?? '';
    const body = await r.text();
    const json = r.headers.get('content-type')?.includes('event-stream')
      ? body
          .split('\n')
          .filter((l) => l.startsWith('data: '))
          .map((l) => JSON.parse(l.slice(6)) as Record<string, unknown>)
          .find((m) => m.id === id)
      : (JSON.parse(body) as Record<string, unknown>);
    assert.ok(json && 'result' in json, `${method}: ${body.slice(0, 300)}`);
    return json.result as Record<string, unknown>;
  };
  const init = await rpc('initialize', {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'raw', version: '1' },
  });
  assert.ok(session.startsWith('v1.'));
  await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-session-id': session,
      'mcp-protocol-version': '2025-06-18',
    },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  return {
    version: String(init.protocolVersion),
    tools: async () => ((await rpc('tools/list', {})).tools as { name: string }[]).map((t) => t.name),
    call: async (name, t) => text(await rpc('tools/call', { name, arguments: { text: t } })),
    close: async () => {
      await fetch(url, {
        method: 'DELETE',
        headers: { 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' },
      });
    },
  };
}

describe('MCP gateway protocol table through real Envoy', () => {
  let fixtures: McpFixture[];
  let stack: StandaloneStack;
  let url: string;
  before(async () => {
    fixtures = [
      await startMcpFixture({ extras: true, subscribe: true }),
      await startMcpFixture({
        protocol: 'legacy',
        legacyVersion: '2025-11-25',
        extras: true,
        subscribe: true,
      }),
      await startMcpFixture({ protocol: 'legacy', legacyVersion: '2025-06-18' }),
    ];
    stack = await startStandaloneStack(
      config(fixtures.map((f) => f.port)),
      {},
      { SESSION_KEY: 'protocol-table-session-key-32-chars!!' },
    );
    url = `${stack.envoy.url}/mcp-gateway`;
  });
  after(async () => {
    await stack?.close();
    for (const f of fixtures ?? []) await f.close();
  });

  const clients: [string, (u: string) => Promise<Session>][] = [
    ['2026-07-28 (v2 client)', v2],
    ['2025-11-25 (v1 client)', v1],
    ['2025-06-18 (raw HTTP)', raw20250618],
  ];
  for (const [generation, open] of clients)
    it(`${generation}: merged tools of every server generation, a call on each`, async () => {
      const s = await open(url);
      try {
        const tools = await s.tools();
        for (const server of SERVERS)
          assert.ok(tools.includes(`${server}__echo`), `${server}: ${tools.join(',')}`);
        for (const server of SERVERS) {
          const mark = `${generation}→${server}`;
          assert.equal(await s.call(`${server}__echo`, mark), mark);
          const f = fixtures[SERVERS.indexOf(server)]!;
          const seen = f.requests.find((r) => r.body.includes(JSON.stringify(mark)))!;
          // Each server hears the protocol it speaks; only 2025 servers have sessions.
          if (server === 's2026') assert.equal(seen.session, '');
          else {
            assert.ok(seen.session !== '');
            assert.equal(seen.version, server === 's20251125' ? '2025-11-25' : '2025-06-18');
          }
        }
      } finally {
        await s.close();
      }
    });

  it('the raw client negotiated 2025-06-18 with the gateway', async () => {
    const s = await raw20250618(url);
    assert.equal(s.version, '2025-06-18');
    await s.close();
  });

  it('a v1 session hears a 2025 server’s list change through Envoy', async () => {
    const s = await v1(url);
    let heard = 0;
    s.client.setNotificationHandler(ToolListChangedNotificationSchema, () => void heard++);
    try {
      await s.tools();
      await s.client.callTool({ name: 's20251125__add_tool', arguments: {} });
      for (let i = 0; i < 300 && heard === 0; i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(heard > 0, 'list change relayed');
      assert.ok((await s.tools()).includes('s20251125__extra'));
    } finally {
      await s.close();
    }
  });

  it('resource updates reach a v1 session and a v2 listen stream through Envoy', async () => {
    const uris = ['s2026+mem://live/status', 's20251125+mem://live/status'].sort();
    const s = await v1(url);
    const v1Heard: string[] = [];
    s.client.setNotificationHandler(
      ResourceUpdatedNotificationSchema,
      (n) => void v1Heard.push(n.params.uri),
    );
    const c = new Client(
      { name: 'e2e-v2', version: '1' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    const v2Heard: string[] = [];
    c.setNotificationHandler('notifications/resources/updated', (n) => void v2Heard.push(n.params.uri));
    try {
      await c.connect(new StreamableHTTPClientTransport(new URL(url)));
      await s.tools(); // the v1 client's GET stream is open once it has talked
      for (const uri of uris) await s.client.subscribeResource({ uri });
      const sub = await c.listen({ resourceSubscriptions: uris });
      assert.deepEqual([...(sub.honoredFilter.resourceSubscriptions ?? [])].sort(), uris);
      for (const server of ['s2026', 's20251125'])
        await c.callTool({ name: `${server}__touch`, arguments: { text: 'mem://live/status' } });
      const all = () => uris.every((u) => v1Heard.includes(u) && v2Heard.includes(u));
      for (let i = 0; i < 300 && !all(); i++) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual([...v1Heard].sort(), uris);
      assert.deepEqual([...v2Heard].sort(), uris);
      await sub.close();
    } finally {
      await c.close();
      await s.close();
    }
  });
});

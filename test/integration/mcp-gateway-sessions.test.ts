/**
 * MCP gateway sessions and relays without Envoy: 2025 clients (the official v1 SDK) get one sealed
 * Mcp-Session-Id hiding their own upstream sessions; forged, altered, foreign-key and other
 * callers' ids get 404, a missing one 400; DELETE ends the upstream sessions; a restart with the
 * same key keeps sessions (upstream sessions resumed), a new key ends them. List changes, progress,
 * sampling and elicitation are relayed; the MCP guard's masking runs on arguments and results.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { GATEWAY_SECRETS, sessionsConfig } from '../helpers/mcp-gateway.js';
import { FIXTURE_CARD, startMcpFixture } from '../../mock-provider/mcp-server.js';
import type { McpFixture } from '../../mock-provider/mcp-server.js';
import { SessionSealer } from '../../src/mcp-gateway/session-token.js';

function text(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.map((c) => c.text ?? '').join('');
}

/** Resolves when `ok()` holds (checked on each event), rejects after a generous bound. */
function eventually(what: string, ok: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      if (ok()) return resolve();
      if (Date.now() - started > 15_000) return reject(new Error(`never happened: ${what}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

async function v1(
  url: string,
  opts: { sampling?: boolean; elicitation?: boolean; sessionId?: string } = {},
): Promise<{ c: V1Client; t: V1Transport }> {
  const c = new V1Client(
    { name: 'it-v1', version: '1.0.0' },
    {
      capabilities: {
        ...(opts.sampling ? { sampling: {} } : {}),
        ...(opts.elicitation ? { elicitation: {} } : {}),
      },
    },
  );
  if (opts.sampling)
    c.setRequestHandler(CreateMessageRequestSchema, (req) => {
      const m = req.params.messages[0]?.content;
      const said = m && !Array.isArray(m) && m.type === 'text' ? m.text : '';
      return { role: 'assistant', model: 'm', content: { type: 'text', text: `you said ${said}` } };
    });
  if (opts.elicitation)
    c.setRequestHandler(ElicitRequestSchema, () => ({ action: 'accept', content: { answer: 'yes' } }));
  const t = new V1Transport(new URL(url), opts.sessionId ? { sessionId: opts.sessionId } : {});
  await c.connect(t);
  return { c, t };
}

const listTools = (url: string, session: string | undefined) =>
  fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-06-18',
      ...(session === undefined ? {} : { 'mcp-session-id': session }),
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list', params: {} }),
  });

describe('MCP gateway sessions and relays (no Envoy)', () => {
  let fresh: McpFixture;
  let old: McpFixture;
  let app: TestApp;
  let url: string;
  let file: string;
  const start = async (secrets: Record<string, string> = GATEWAY_SECRETS) => {
    app = await startTestApp({ AI_EXTPROC_CONFIG: file, MCP_ADDR: '127.0.0.1:0' }, { secretsEnv: secrets });
    url = `http://127.0.0.1:${app.app.mcpGateway!.port}/mcp-gateway`;
  };
  before(async () => {
    fresh = await startMcpFixture({ extras: true });
    old = await startMcpFixture({ extras: true, protocol: 'legacy' });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-sessions-'));
    file = path.join(dir, 'config.yaml');
    fs.writeFileSync(file, sessionsConfig(fresh.port, old.port).replaceAll('{{UPSTREAM}}', '127.0.0.1:9'));
    await start();
  });
  after(async () => {
    await app?.close();
    await fresh?.close();
    await old?.close();
  });

  it('a v1 client holds one sealed id; its calls to the 2025 server ride an upstream session of its own', async () => {
    const one = await v1(url);
    const two = await v1(url);
    try {
      const sid = one.t.sessionId!;
      assert.match(sid, /^v1\.[A-Za-z0-9_-]+$/);
      const tools = (await one.c.listTools()).tools.map((t) => t.name);
      assert.ok(tools.includes('new__echo') && tools.includes('old__echo'), tools.join(','));
      assert.equal(text(await one.c.callTool({ name: 'old__echo', arguments: { text: 'o1' } })), 'o1');
      assert.equal(text(await two.c.callTool({ name: 'old__echo', arguments: { text: 'o2' } })), 'o2');
      assert.equal(text(await one.c.callTool({ name: 'new__echo', arguments: { text: 'n1' } })), 'n1');
      const calls = old.requests.filter((r) => r.body.includes('"tools/call"'));
      const [s1, s2] = [calls.find((r) => r.body.includes('o1'))!, calls.find((r) => r.body.includes('o2'))!];
      assert.ok(s1.session && s2.session && s1.session !== s2.session, 'two clients, two upstream sessions');
      // The upstream's session id is nowhere in what the client holds (sealed, not encoded).
      const opened = Buffer.from(sid.slice(3), 'base64url').toString('latin1');
      assert.ok(!sid.includes(s1.session) && !opened.includes(s1.session));
      // The 2026-07-28 server has no session: the shared stateless client serves everyone.
      assert.ok(fresh.requests.every((r) => r.session === ''));
    } finally {
      await one.c.close();
      await two.c.close();
    }
  });

  it('forged, altered, foreign-key and other callers’ ids get 404; no id gets 400', async () => {
    const { c, t } = await v1(url);
    try {
      const sid = t.sessionId!;
      assert.equal((await listTools(url, sid)).status, 200);
      assert.equal((await listTools(url, 'v1.forged-session-id')).status, 404);
      assert.equal((await listTools(url, 'not-even-our-format')).status, 404);
      const mid = 3 + Math.floor((sid.length - 3) / 2);
      const altered = sid.slice(0, mid) + (sid[mid] === 'A' ? 'B' : 'A') + sid.slice(mid + 1);
      assert.equal((await listTools(url, altered)).status, 404);
      const claims = {
        sid: 'x',
        pv: '2025-06-18',
        client: undefined,
        sampling: false,
        elicitation: false,
        exp: Math.floor(Date.now() / 1000) + 3600,
        up: {},
      };
      const foreign = new SessionSealer('another key, also long enough to pass 32').seal(claims);
      assert.equal((await listTools(url, foreign)).status, 404);
      const ours = new SessionSealer(GATEWAY_SECRETS.SESSION_KEY);
      assert.equal((await listTools(url, ours.seal({ ...claims, exp: 1 }))).status, 404, 'expired');
      // Alice's session presented by an anonymous caller.
      assert.equal((await listTools(url, ours.seal({ ...claims, client: 'alice' }))).status, 404);
      const none = await listTools(url, undefined);
      assert.equal(none.status, 400);
      assert.match(await none.text(), /Mcp-Session-Id/);
    } finally {
      await c.close();
    }
  });

  it('DELETE ends the session: its upstream session is ended and its id refused', async () => {
    const { c, t } = await v1(url);
    await c.callTool({ name: 'old__echo', arguments: { text: 'bye' } });
    const upstream = old.requests.find((r) => r.body.includes('"bye"'))!.session;
    const sid = t.sessionId!;
    await t.terminateSession();
    await c.close();
    assert.equal((await listTools(url, sid)).status, 404);
    assert.ok(old.requests.some((r) => r.method === 'DELETE' && r.session === upstream));
  });

  it('relays list changes from both servers to a v1 session (GET stream) and a v2 listen stream', async () => {
    const { c } = await v1(url);
    const v2 = new Client(
      { name: 'it-v2', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    await v2.connect(new StreamableHTTPClientTransport(new URL(url)));
    let v1Heard = 0;
    let v2Heard = 0;
    c.setNotificationHandler(ToolListChangedNotificationSchema, () => void v1Heard++);
    v2.setNotificationHandler('notifications/tools/list_changed', () => void v2Heard++);
    const sub = await v2.listen({ toolsListChanged: true });
    try {
      await c.listTools(); // the v1 client's GET stream is open once it has talked
      await c.callTool({ name: 'old__add_tool', arguments: {} });
      await eventually('v1 session told of old', () => v1Heard >= 1);
      await eventually('v2 listener told of old', () => v2Heard >= 1);
      const before = [v1Heard, v2Heard] as const;
      await v2.callTool({ name: 'new__add_tool', arguments: {} });
      await eventually('v2 listener told of new', () => v2Heard > before[1]);
      await eventually('v1 session told of new', () => v1Heard > before[0]);
      const tools = (await c.listTools()).tools.map((t) => t.name);
      assert.ok(tools.includes('old__extra') && tools.includes('new__extra'), tools.join(','));
    } finally {
      await sub.close();
      await v2.close();
      await c.close();
    }
  });

  it('relays progress, sampling and elicitation; a client that declared neither gets a clear error', async () => {
    const { c } = await v1(url, { sampling: true, elicitation: true });
    try {
      const progress: number[] = [];
      const r = await c.callTool({ name: 'old__count_progress', arguments: {} }, undefined, {
        onprogress: (p) => void progress.push(p.progress),
      });
      assert.equal(text(r), 'counted');
      assert.deepEqual(progress, [1, 2]);
      const sampled = await c.callTool({ name: 'old__sample', arguments: { text: 'hi' } });
      assert.equal(text(sampled), 'sampled: you said hi');
      const asked = await c.callTool({ name: 'old__ask_user', arguments: { text: 'ok?' } });
      assert.equal(text(asked), 'accept: yes');
    } finally {
      await c.close();
    }
    const plain = await v1(url);
    try {
      const r = await plain.c.callTool({ name: 'old__sample', arguments: { text: 'hi' } });
      assert.equal(r.isError, true);
      assert.match(text(r), /sampling/i);
    } finally {
      await plain.c.close();
    }
  });

  it('the MCP guard masks card numbers in tool arguments and results', async () => {
    const { c } = await v1(url);
    try {
      const echoed = text(
        await c.callTool({ name: 'new__echo', arguments: { text: `pay ${FIXTURE_CARD}` } }),
      );
      assert.ok(!echoed.includes(FIXTURE_CARD), echoed);
      const sent = fresh.calls.filter((x) => x.name === 'echo').at(-1)!.args.text as string;
      assert.ok(sent.startsWith('pay ') && !sent.includes(FIXTURE_CARD), sent);
      const looked = text(await c.callTool({ name: 'old__card_lookup', arguments: {} }));
      assert.ok(looked.startsWith('card on file: ') && !looked.includes(FIXTURE_CARD), looked);
    } finally {
      await c.close();
    }
  });

  it('a session resumed after a restart reopens its upstream GET stream: list changes reach the client', async () => {
    const first = await v1(url);
    await first.c.callTool({ name: 'old__echo', arguments: { text: 'resume-get' } });
    const upstream = old.requests.find((r) => r.body.includes('"resume-get"'))!.session;
    const sid = first.t.sessionId!;
    const pv = first.t.protocolVersion!;
    await first.c.close();
    await app.close();
    await start();
    const gets = () => old.requests.filter((r) => r.method === 'GET' && r.session === upstream).length;
    const getsBefore = gets();
    // A plain 2025 client opens its GET stream again on the session the new process rebuilds.
    const stop = new AbortController();
    const stream = await fetch(url, {
      headers: { accept: 'text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': pv },
      signal: stop.signal,
    });
    const other = await v1(url);
    try {
      assert.equal(stream.status, 200);
      assert.ok(gets() > getsBefore, 'the upstream session’s GET stream was opened again');
      let heard = '';
      const reading = (async () => {
        const decoder = new TextDecoder();
        for await (const chunk of stream.body!)
          heard += decoder.decode(chunk as Uint8Array, { stream: true });
      })().catch(() => undefined);
      // Another client changes the 2025 server's tools: every upstream session is told, ours too.
      await other.c.callTool({ name: 'old__add_tool', arguments: {} });
      await eventually('the resumed session told of the change', () =>
        heard.includes('notifications/tools/list_changed'),
      );
      stop.abort();
      await reading;
    } finally {
      stop.abort();
      await other.c.close();
    }
  });

  it('a restart with the same key keeps a session (upstream session resumed); a new key ends it', async () => {
    const first = await v1(url);
    await first.c.callTool({ name: 'old__echo', arguments: { text: 'before' } });
    const upstream = old.requests.find((r) => r.body.includes('"before"'))!.session;
    const sid = first.t.sessionId!;
    await first.c.close();
    await app.close();
    await start();
    const again = await v1(url, { sessionId: sid });
    try {
      assert.equal(
        text(await again.c.callTool({ name: 'old__echo', arguments: { text: 'after' } })),
        'after',
      );
      assert.equal(old.requests.find((r) => r.body.includes('"after"'))!.session, upstream);
    } finally {
      await again.c.close();
    }
    await app.close();
    await start({ ...GATEWAY_SECRETS, SESSION_KEY: 'a different key, just as long as the first one' });
    assert.equal((await listTools(url, sid)).status, 404);
  });
});

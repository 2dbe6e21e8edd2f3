/**
 * MCP gateway resource subscriptions without Envoy, against the SDK fixture servers: a 2025 session
 * client (the official v1 SDK) subscribes on a 2025 server (its own upstream session) and on a
 * 2026-07-28 server (a shared listen stream), and hears `notifications/resources/updated` with the
 * URI it knows; a 2026-07-28 client (the official v2 SDK) names the URIs on its listen stream. A
 * server without the capability, and a URI the rules deny, are refused.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { GATEWAY_SECRETS, subscriptionsConfig } from '../helpers/mcp-gateway.js';
import { startMcpFixture } from '../../mock-provider/mcp-server.js';
import type { McpFixture } from '../../mock-provider/mcp-server.js';

const OLD_LIVE = 'old+mem://live/status';
const NEW_LIVE = 'new+mem://live/status';
const touch = { arguments: { text: 'mem://live/status' } };

/** Resolves when `ok()` holds, rejects after a generous bound. */
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

const auth = (key: string | undefined) =>
  key ? { requestInit: { headers: { authorization: `Bearer ${key}` } } } : {};

async function v1(url: string, key?: string): Promise<{ c: V1Client; heard: string[] }> {
  const c = new V1Client({ name: 'it-v1', version: '1.0.0' });
  const heard: string[] = [];
  c.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void heard.push(n.params.uri));
  await c.connect(new V1Transport(new URL(url), auth(key)));
  await c.listTools(); // the client's GET stream is open once it has talked
  return { c, heard };
}

async function v2(url: string, key?: string): Promise<{ c: Client; heard: string[] }> {
  const c = new Client(
    { name: 'it-v2', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  const heard: string[] = [];
  c.setNotificationHandler('notifications/resources/updated', (n) => void heard.push(n.params.uri));
  await c.connect(new StreamableHTTPClientTransport(new URL(url), auth(key)));
  return { c, heard };
}

const requestsOf = (f: McpFixture, method: string) =>
  f.requests.filter((r) => r.body.includes(`"${method}"`));

describe('MCP gateway resource subscriptions (no Envoy)', () => {
  let fresh: McpFixture;
  let old: McpFixture;
  let plain: McpFixture;
  let app: TestApp;
  let url: string;
  let file: string;
  const start = async () => {
    app = await startTestApp(
      { AI_EXTPROC_CONFIG: file, MCP_ADDR: '127.0.0.1:0' },
      { secretsEnv: GATEWAY_SECRETS },
    );
    url = `http://127.0.0.1:${app.app.mcpGateway!.port}/mcp-gateway`;
  };
  before(async () => {
    fresh = await startMcpFixture({ extras: true, subscribe: true });
    old = await startMcpFixture({ extras: true, subscribe: true, protocol: 'legacy' });
    plain = await startMcpFixture({ extras: true, protocol: 'legacy' });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-subscriptions-'));
    file = path.join(dir, 'config.yaml');
    fs.writeFileSync(file, subscriptionsConfig(fresh.port, old.port, plain.port));
    await start();
  });
  after(async () => {
    await app?.close();
    await fresh?.close();
    await old?.close();
    await plain?.close();
  });

  it('a v1 session subscribes on a 2025 and a 2026-07-28 server and hears updates as it named them', async () => {
    const { c, heard } = await v1(url);
    try {
      assert.equal(c.getServerCapabilities()?.resources?.subscribe, true);
      await c.subscribeResource({ uri: OLD_LIVE });
      await c.subscribeResource({ uri: NEW_LIVE });
      // The 2025 server was asked on the session's own upstream session, with its own URI.
      const asked = requestsOf(old, 'resources/subscribe').at(-1)!;
      assert.ok(asked.session !== '' && asked.body.includes('"mem://live/status"'), asked.body);
      await c.callTool({ name: 'old__touch', ...touch });
      await eventually('the 2025 server’s update', () => heard.includes(OLD_LIVE));
      await c.callTool({ name: 'new__touch', ...touch });
      await eventually('the 2026-07-28 server’s update', () => heard.includes(NEW_LIVE));
      assert.deepEqual(heard, [OLD_LIVE, NEW_LIVE]);

      await c.unsubscribeResource({ uri: OLD_LIVE });
      await c.unsubscribeResource({ uri: NEW_LIVE });
      assert.equal(requestsOf(old, 'resources/unsubscribe').at(-1)!.session, asked.session);
      await c.callTool({ name: 'old__touch', ...touch });
      await c.callTool({ name: 'new__touch', ...touch });
      // Subscribed again: this update comes after any the unsubscribed touches would have caused.
      await c.subscribeResource({ uri: OLD_LIVE });
      await c.callTool({ name: 'old__touch', ...touch });
      await eventually('the update after subscribing again', () => heard.length >= 3);
      assert.deepEqual(heard, [OLD_LIVE, NEW_LIVE, OLD_LIVE]);
    } finally {
      await c.close();
    }
  });

  it('a server without subscriptions and a URI the rules deny are refused with a JSON-RPC error', async () => {
    const { c } = await v1(url);
    const bob = await v1(url, GATEWAY_SECRETS.BOB_KEY);
    try {
      await assert.rejects(c.subscribeResource({ uri: 'plain+mem://live/status' }), (err: Error) => {
        assert.equal((err as Error & { code?: number }).code, -32601);
        assert.match(err.message, /MCP server plain does not support resource subscriptions/);
        return true;
      });
      assert.equal(requestsOf(plain, 'resources/subscribe').length, 0);
      const before = requestsOf(old, 'resources/subscribe').length;
      await assert.rejects(bob.c.subscribeResource({ uri: OLD_LIVE }));
      assert.equal(requestsOf(old, 'resources/subscribe').length, before);
    } finally {
      await c.close();
      await bob.c.close();
    }
  });

  it('a 2026-07-28 listen stream gets updates for the URIs it named, and lets go of them when closed', async () => {
    const { c, heard } = await v2(url);
    const bob = await v2(url, GATEWAY_SECRETS.BOB_KEY);
    try {
      assert.equal(c.getServerCapabilities()?.resources?.subscribe, true);
      const named = [OLD_LIVE, NEW_LIVE, 'plain+mem://live/status', 'nobody+mem://live/status'];
      const sub = await c.listen({ resourceSubscriptions: named });
      assert.deepEqual([...(sub.honoredFilter.resourceSubscriptions ?? [])].sort(), [NEW_LIVE, OLD_LIVE]);
      const bobs = await bob.c.listen({ resourceSubscriptions: [OLD_LIVE, NEW_LIVE] });
      assert.deepEqual(
        bobs.honoredFilter.resourceSubscriptions,
        [NEW_LIVE],
        'the rules deny bob the old one',
      );

      await c.callTool({ name: 'old__touch', ...touch });
      await eventually('the 2025 server’s update', () => heard.includes(OLD_LIVE));
      await c.callTool({ name: 'new__touch', ...touch });
      await eventually('the 2026-07-28 server’s update', () => heard.includes(NEW_LIVE));
      await eventually('bob’s update', () => bob.heard.includes(NEW_LIVE));
      assert.deepEqual(heard, [OLD_LIVE, NEW_LIVE]);
      assert.deepEqual(bob.heard, [NEW_LIVE]);

      // The last stream holding the 2025 server's URI closes: the shared upstream subscription ends.
      const unsubscribed = requestsOf(old, 'resources/unsubscribe').length;
      await sub.close();
      await eventually(
        'the upstream unsubscribe',
        () => requestsOf(old, 'resources/unsubscribe').length > unsubscribed,
      );
      // Bob still holds the 2026-07-28 server's URI: the shared subscription stays for him.
      await bob.c.callTool({ name: 'new__touch', ...touch });
      await eventually('bob’s second update', () => bob.heard.length === 2);
      assert.deepEqual(heard, [OLD_LIVE, NEW_LIVE], 'the closed stream hears nothing more');
      await bobs.close();
    } finally {
      await c.close();
      await bob.c.close();
    }
  });

  it('a 2025 server’s subscription outlives a restart: the resumed session hears its updates', async () => {
    const c = new V1Client({ name: 'it-v1', version: '1.0.0' });
    const t = new V1Transport(new URL(url));
    await c.connect(t);
    await c.subscribeResource({ uri: OLD_LIVE });
    const sid = t.sessionId!;
    const pv = t.protocolVersion!;
    await c.close();
    await app.close();
    await start();
    // A plain 2025 client opens its GET stream again on the session the new process rebuilds.
    const stop = new AbortController();
    const stream = await fetch(url, {
      headers: { accept: 'text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': pv },
      signal: stop.signal,
    });
    const other = await v1(url);
    try {
      assert.equal(stream.status, 200);
      let heard = '';
      const reading = (async () => {
        const decoder = new TextDecoder();
        for await (const chunk of stream.body!)
          heard += decoder.decode(chunk as Uint8Array, { stream: true });
      })().catch(() => undefined);
      await other.c.callTool({ name: 'old__touch', ...touch });
      await eventually('the update on the resumed session', () =>
        heard.includes('notifications/resources/updated'),
      );
      assert.ok(heard.includes(`"uri":"${OLD_LIVE}"`), heard);
      assert.deepEqual(other.heard, [], 'the other session did not subscribe');
      stop.abort();
      await reading;
    } finally {
      stop.abort();
      await other.c.close();
    }
  });
});

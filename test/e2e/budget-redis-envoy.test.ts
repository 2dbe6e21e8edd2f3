/**
 * Budgets in Redis through real Envoy, with the server as its own OS process: two servers sharing
 * one Redis never overshoot a 1,000-token budget under 50 concurrent streams; a server killed
 * mid-stream leaves a reservation that expires by its TTL; Redis stopped and restarted mid-run
 * fails open (admitted, counted) or closed (503), as configured, and limits again once it is back.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { startMockProvider } from '../../mock-provider/server.js';
import type { MockProvider } from '../../mock-provider/server.js';
import { envoyConfigText } from '../../src/envoy-config-command.js';
import { startEnvoy } from '../helpers/envoy.js';
import type { EnvoyProcess } from '../helpers/envoy.js';
import { metricValue } from '../helpers/app.js';
import { startRedis } from '../helpers/redis.js';
import type { RedisServer } from '../helpers/redis.js';
import { startServerProcess } from '../helpers/server-process.js';
import type { ServerProcess } from '../helpers/server-process.js';
import {
  BUDGET_SECRETS,
  budgetConfig,
  client,
  reservation,
  spentTokens,
  wave,
  WAVE_PROMPT,
} from '../helpers/budget-wave.js';

const REDIS_STORES = (failOpen: boolean): string =>
  `stores:\n  reservationTtlSeconds: 5\n  redis: { url: { env: REDIS_URL }, failOpen: ${failOpen}, timeoutMs: 500 }`;
const KEY_ORPHAN = BUDGET_SECRETS.KEY_ORPHAN;

interface Gateway {
  server: ServerProcess;
  readonly envoy: EnvoyProcess;
  readonly socket: string;
}

let seq = 0;

describe('budgets in Redis through real Envoy, two server processes', () => {
  let redis: RedisServer;
  let mock: MockProvider;
  let dir: string;
  let configPath: string;
  const gateways: Gateway[] = [];
  const env = (): Record<string, string> => ({
    ...BUDGET_SECRETS,
    REDIS_URL: redis.url,
    AI_EXTPROC_CONFIG: configPath,
    CONFIG_POLL_MS: '100',
  });
  const writeConfig = (failOpen: boolean): void => {
    const text = budgetConfig(REDIS_STORES(failOpen)).replaceAll('{{UPSTREAM}}', `127.0.0.1:${mock.port}`);
    fs.writeFileSync(`${configPath}.tmp`, text);
    fs.renameSync(`${configPath}.tmp`, configPath);
  };
  const startServer = (socket: string): Promise<ServerProcess> =>
    startServerProcess({ ...env(), LISTEN_ADDR: `unix-abstract:${socket}` });
  const startGateway = async (): Promise<Gateway> => {
    const socket = `ai-extproc-budget-${process.pid}-${++seq}`;
    const server = await startServer(socket);
    const envoy = await startEnvoy({
      render: ({ listenPort, adminPort, accessLog }) =>
        envoyConfigText(configPath, {
          listen: { host: '127.0.0.1', port: listenPort },
          admin: { host: '127.0.0.1', port: adminPort },
          extproc: { kind: 'abstract', name: socket },
          accessLog,
          xdsDir: undefined,
          extras: undefined,
        }),
      vars: {},
    });
    const g = { server, envoy, socket };
    gateways.push(g);
    return g;
  };

  before(async () => {
    redis = await startRedis();
    mock = await startMockProvider({});
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-extproc-budget-'));
    configPath = path.join(dir, 'config.yaml');
    writeConfig(true);
    await startGateway();
    await startGateway();
  });
  after(async () => {
    for (const g of gateways) {
      await g.envoy.stop();
      await g.server.stop();
    }
    await mock?.close();
    await redis?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('50 concurrent streams through two servers sharing one Redis never overshoot 1,000 tokens', async () => {
    const [a, b] = gateways;
    const cap = 20;
    const each = reservation(cap);
    const slow = { 'x-mock-stream-delay-ms': '20' };
    const [ra, rb] = await Promise.all([
      wave(client(a!.envoy.url, BUDGET_SECRETS.KEY_WAVE), 25, cap, slow),
      wave(client(b!.envoy.url, BUDGET_SECRETS.KEY_WAVE), 25, cap, slow),
    ]);
    assert.deepEqual([...ra.other, ...rb.other], []);
    const admitted = ra.admitted + rb.admitted;
    assert.ok(admitted >= Math.floor(1000 / each), `admitted ${admitted}, reservation ${each}`);
    assert.ok(ra.limited + rb.limited > 0);
    // Both servers admitted some: the budget really is shared.
    assert.ok(ra.admitted > 0 && rb.admitted > 0);
    const spent = spentTokens(mock);
    assert.ok(spent <= 1000, `spent ${spent}`);
    // What both servers counted is what the provider charged.
    let counted = 0;
    for (const g of [a!, b!])
      counted +=
        metricValue(await g.server.metrics(), 'ai_extproc_client_tokens_total', { client: 'wave' }) ?? 0;
    assert.equal(counted, spent);
  });

  it('a server killed mid-stream leaves a reservation that expires by its TTL', async () => {
    const g = gateways[1]!;
    const c = client(g.envoy.url, KEY_ORPHAN);
    // Reserves nearly the whole budget, and is still streaming when the server dies.
    const stream = await c.chat.completions.create(
      {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: WAVE_PROMPT }],
        stream: true,
        max_tokens: 980,
      },
      { headers: { 'x-mock-stream-delay-ms': '300' } },
    );
    const reading = (async () => {
      try {
        for await (const _ of stream) {
          /* read until the reset */
        }
      } catch {
        /* the stream dies with its server */
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    await g.server.kill();
    await reading;
    const killedAt = Date.now();
    g.server = await startServer(g.socket);
    const ask = (): Promise<number> => statusOf(c);
    // The orphan still holds its reservation…
    if (Date.now() - killedAt < 4000) assert.equal(await ask(), 429);
    // … until its TTL (5 s) lets it go.
    await new Promise((r) => setTimeout(r, Math.max(0, 5200 - (Date.now() - killedAt))));
    assert.equal(await ask(), 200);
  });

  it('Redis stopped mid-run: fail open (admitted, counted); back up: limits again', async () => {
    const g = gateways[0]!;
    const c = client(g.envoy.url, BUDGET_SECRETS.KEY_WAVE);
    const ask = (): Promise<number> => statusOf(c);
    // Spend what is left of the wave client's budget: limited while Redis is up.
    let status = 0;
    for (let i = 0; i < 100 && status !== 429; i++) status = await ask();
    assert.equal(status, 429);
    await redis.stop();
    assert.equal(await ask(), 200);
    const m = await g.server.metrics();
    assert.ok((metricValue(m, 'ai_extproc_budget_decisions_total', { decision: 'store_error' }) ?? 0) > 0);
    assert.ok(g.server.logs.some((l) => l.msg === 'budget store unavailable'));
    await redis.start();
    // Redis came back empty (no persistence): the budget starts over; it limits again.
    // Back means a request admitted without a store error (a 200 alone may still be fail-open).
    const storeErrors = async (): Promise<number> =>
      metricValue(await g.server.metrics(), 'ai_extproc_budget_decisions_total', {
        decision: 'store_error',
      }) ?? 0;
    let back = false;
    for (let i = 0; i < 100 && !back; i++) {
      const before = await storeErrors();
      back = (await ask()) === 200 && (await storeErrors()) === before;
      if (!back) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(back, 'Redis is back');
    const spent = await wave(c, 60, 20);
    assert.ok(spent.limited > 0, 'limited again');
  });

  it('failOpen: false answers 503 while Redis is down, and serves again once it is back', async () => {
    writeConfig(false);
    const g = gateways[0]!;
    for (let i = 0; i < 100 && !g.server.logs.some((l) => l.msg === 'config reloaded'); i++)
      await new Promise((r) => setTimeout(r, 50));
    assert.ok(g.server.logs.some((l) => l.msg === 'config reloaded'));
    const c = client(g.envoy.url, BUDGET_SECRETS.KEY_SMALL);
    const ask = (): Promise<number> => statusOf(c);
    await redis.stop();
    assert.equal(await ask(), 503);
    await redis.start();
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      status = await ask();
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status, 200);
  });
});

/** One small chat request: its HTTP status (200, or the error's). */
function statusOf(c: OpenAI): Promise<number> {
  return c.chat.completions
    .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 20 })
    .then(
      () => 200,
      (e: unknown) => (e instanceof OpenAI.APIError ? Number(e.status) : -1),
    );
}

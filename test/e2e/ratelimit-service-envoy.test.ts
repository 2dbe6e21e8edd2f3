/**
 * Part B: Envoy's own global rate limiting (the real envoyproxy/ratelimit service over Redis)
 * charged in tokens from ai-extproc's metadata: the estimate on the request (BUFFERED, so it is
 * there before the rate-limit filter runs), the correction at stream end. The service's counter
 * equals the sum of the addends we emitted, and what admitted requests spent stays within the
 * documented bound: limit + requests in flight × max output.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { startStandaloneStack } from '../helpers/stack.js';
import type { StandaloneStack } from '../helpers/stack.js';
import { startRedis } from '../helpers/redis.js';
import type { RedisServer } from '../helpers/redis.js';
import { startRateLimitService } from '../helpers/ratelimit-service.js';
import type { RateLimitService } from '../helpers/ratelimit-service.js';
import { client, spentTokens, wave } from '../helpers/budget-wave.js';

const CONFIG = `
version: 1
backends:
  mock: { provider: openai, baseUrl: http://{{UPSTREAM}}, auth: { apiKey: { env: GW_KEY } }, defaultModel: gpt-4o-mini }
routes:
  - name: chat
    match: { pathPrefix: /v1 }
    backend: mock
`;
const LIMIT = 300;
const SERVICE_CONFIG = `domain: ai-extproc
descriptors:
  - key: generic_key
    value: ai_tokens
    rate_limit: { unit: hour, requests_per_unit: ${LIMIT} }
`;

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v) || 0);

describe("Envoy's rate-limit service charging tokens (part B)", () => {
  let redis: RedisServer;
  let rls: RateLimitService;
  let stack: StandaloneStack;
  before(async () => {
    redis = await startRedis();
    rls = await startRateLimitService(redis.port, SERVICE_CONFIG);
    stack = await startStandaloneStack(
      CONFIG,
      {},
      { GW_KEY: 'sk-gw' },
      {
        rateLimit: { host: '127.0.0.1', port: rls.grpcPort, domain: 'ai-extproc', header: undefined },
      },
    );
  });
  after(async () => {
    await stack?.close();
    await rls?.stop();
    await redis?.close();
  });

  it('50 concurrent streams: counter = sum of our addends; spend within limit + in flight × max output', async () => {
    const cap = 20;
    const r = await wave(client(stack.envoy.url, 'any'), 50, cap, { 'x-mock-stream-delay-ms': '20' });
    assert.deepEqual(r.other, []);
    assert.ok(r.admitted > 0 && r.limited > 0, `admitted ${r.admitted}, limited ${r.limited}`);
    const lines = await stack.envoy.waitForAccessLog(50);
    // Every request reached the service with its estimate (it counts even those it refuses); the
    // admitted ones also with their correction, at stream end.
    const addends = lines.reduce(
      (sum, l) => sum + num(l.rate_limited_tokens) + num(l.rate_limit_correction),
      0,
    );
    const corrections = lines.filter((l) => num(l.rate_limit_correction) > 0).length;
    assert.equal(corrections, r.admitted);
    const db = createClient({ url: redis.url });
    await db.connect();
    let counted = 0;
    try {
      // The stream-end hits are fire and forget: wait for the last of them.
      for (let i = 0; i < 100; i++) {
        const keys = await db.keys('ai-extproc_generic_key_ai_tokens_*');
        counted = 0;
        for (const k of keys) counted += Number(await db.get(k));
        if (counted === addends) break;
        await new Promise((res) => setTimeout(res, 50));
      }
    } finally {
      await db.close();
    }
    assert.equal(counted, addends);
    const spent = spentTokens(stack.mock);
    assert.ok(spent <= LIMIT + 50 * cap, `spent ${spent}`);
  });
});

/**
 * Store parity on the L1 fixtures: the memory store and Redis (Debian's redis-server, real) answer
 * the same keys with the same entries, partitions never leak, and a Redis that is down fails fast
 * (the stage turns that into a miss). One redis-server for the file.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryCacheStore } from '../../../src/cache/memory-store.js';
import { cacheKeys } from '../../../src/cache/request-key.js';
import type { CacheEntry, CacheStore } from '../../../src/cache/types.js';
import { RedisCacheStore } from '../../../src/stores/redis-cache-store.js';
import { PARAPHRASES, NEAR_MISSES } from '../../fixtures/cache/pairs.js';
import { startRedis } from '../../helpers/redis.js';
import type { RedisServer } from '../../helpers/redis.js';

const K = { route: 'chat', model: 'm', client: 'alice', version: 'v1', family: 'openai' };
const questions = [...new Set([...PARAPHRASES, ...NEAR_MISSES].flatMap((p) => [p.a, p.b]))];
const keysOf = (q: string, client = 'alice') =>
  cacheKeys({ model: 'm', messages: [{ role: 'user', content: q }] }, { ...K, client })!;
const entry = (q: string): CacheEntry => ({
  completion: {
    object: 'chat.completion',
    choices: [{ index: 0, message: { role: 'assistant', content: `A: ${q}` } }],
  },
  promptTokens: 3,
  completionTokens: 4,
  model: 'm',
});

describe('cache store parity: memory and Redis (L1)', () => {
  let redisServer: RedisServer;
  let redis: RedisCacheStore;
  const memory = new MemoryCacheStore();
  before(async () => {
    redisServer = await startRedis();
    redis = new RedisCacheStore({ url: redisServer.url });
    assert.ok(await redis.ready(10_000));
  });
  after(async () => {
    await redis?.close();
    await redisServer?.close();
  });

  async function answers(store: CacheStore): Promise<unknown[]> {
    const out: unknown[] = [];
    for (const q of questions) out.push(await store.exact(keysOf(q).partition, keysOf(q).exact));
    for (const q of questions)
      out.push(await store.exact(keysOf(q, 'bob').partition, keysOf(q, 'bob').exact));
    return out;
  }

  it('the same fixtures give the same answers from both stores', async () => {
    // Every other question is stored, for alice only.
    for (const [i, q] of questions.entries())
      if (i % 2 === 0)
        for (const s of [memory, redis])
          await s.put(keysOf(q).partition, keysOf(q).exact, undefined, entry(q), 60_000, 100);
    const [m, r] = [await answers(memory), await answers(redis)];
    assert.deepEqual(r, m);
    assert.equal(m.filter((e) => e !== undefined).length, Math.ceil(questions.length / 2));
  });

  it('Redis expires entries by the TTL', async () => {
    const k = keysOf('short-lived');
    await redis.put(k.partition, k.exact, undefined, entry('x'), 50, 10);
    await new Promise((r) => setTimeout(r, 120));
    assert.equal(await redis.exact(k.partition, k.exact), undefined);
  });

  it('a Redis that is down fails fast (a miss for the stage), and serves again when back', async () => {
    const k = keysOf(questions[0]!);
    await redisServer.stop();
    const t0 = Date.now();
    await assert.rejects(redis.exact(k.partition, k.exact));
    assert.ok(Date.now() - t0 < 5000);
    await redisServer.start();
    // Entries did not survive the restart (no persistence): the store answers again, with a miss.
    let answered = false;
    for (let i = 0; i < 50 && !answered; i++) {
      answered = await redis.exact(k.partition, k.exact).then(
        () => true,
        () => false,
      );
      if (!answered) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(answered);
  });
});

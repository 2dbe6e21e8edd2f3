/**
 * Store parity on the fixtures: the memory store, PostgreSQL with pgvector (PGlite served over the
 * wire, through the production `pg` client) and Redis (Debian's redis-server, L1 only) answer the
 * same keys with the same entries; memory and pgvector find the same nearest entry with the same
 * similarity (real MiniLM vectors of the threshold fixtures), so they make the same hit decisions.
 * Partitions never leak, entries expire, and a store that is down fails fast (the stage turns that
 * into a miss: test/unit/pipeline/stages/cache.test.ts). One server of each for the file.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryCacheStore } from '../../../src/cache/memory-store.js';
import { cacheKeys, embedText } from '../../../src/cache/request-key.js';
import type { CacheEntry, CacheStore } from '../../../src/cache/types.js';
import { DEFAULT_THRESHOLDS } from '../../../src/config/standalone/cache.js';
import { LocalEmbedder } from '../../../src/embedders/local-embedder.js';
import { PostgresCacheStore } from '../../../src/stores/postgres-cache-store.js';
import { RedisCacheStore } from '../../../src/stores/redis-cache-store.js';
import { PARAPHRASES, NEAR_MISSES, UNRELATED } from '../../fixtures/cache/pairs.js';
import { LOCAL_MODEL_DIR } from '../../helpers/cache-embed.js';
import { freePort } from '../../helpers/envoy.js';
import { startPostgres } from '../../helpers/pglite.js';
import type { PostgresServer } from '../../helpers/pglite.js';
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
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('cache store parity: memory, PostgreSQL + pgvector, Redis (L1)', () => {
  let redisServer: RedisServer;
  let pgServer: PostgresServer;
  let redis: RedisCacheStore;
  let postgres: PostgresCacheStore;
  const memory = new MemoryCacheStore();
  const embedder = new LocalEmbedder(LOCAL_MODEL_DIR);
  const vectors = new Map<string, Float32Array>();
  const vec = (q: string) => vectors.get(q)!;

  before(async () => {
    [redisServer, pgServer] = await Promise.all([startRedis(), startPostgres()]);
    redis = new RedisCacheStore({ url: redisServer.url });
    postgres = new PostgresCacheStore({ url: pgServer.url, table: 'parity_cache', dimensions: 384 });
    assert.ok(await redis.ready(10_000));
    const texts = [...questions, ...UNRELATED.flatMap((p) => [p.a, p.b])];
    for (const q of texts) vectors.set(q, await embedder.embed(embedText(q), AbortSignal.timeout(60_000)));
  });
  after(async () => {
    await redis?.close();
    await postgres?.close();
    await redisServer?.close();
    await pgServer?.close();
  });

  async function exactAnswers(store: CacheStore): Promise<unknown[]> {
    const out: unknown[] = [];
    for (const client of ['alice', 'bob'])
      for (const q of questions)
        out.push(await store.exact(keysOf(q, client).partition, keysOf(q, client).exact));
    return out;
  }

  it('L1: the same fixtures give the same answers from all three stores', async () => {
    // Every other question is stored, for alice only.
    for (const [i, q] of questions.entries())
      if (i % 2 === 0)
        for (const s of [memory, redis, postgres])
          await s.put(keysOf(q).partition, keysOf(q).exact, vec(q), entry(q), 60_000, 100);
    const [m, r, p] = [await exactAnswers(memory), await exactAnswers(redis), await exactAnswers(postgres)];
    assert.deepEqual(r, m);
    assert.deepEqual(p, m);
    assert.equal(m.filter((e) => e !== undefined).length, Math.ceil(questions.length / 2));
  });

  it('L2: memory and pgvector find the same nearest entry and similarity, so the same hits', async () => {
    const t = DEFAULT_THRESHOLDS.local;
    // One partition per pair (as one history would be): the stored question is a, asked is b.
    const pairs = [...PARAPHRASES, ...NEAR_MISSES, ...UNRELATED];
    const decisions: Record<string, boolean[]> = { memory: [], postgres: [] };
    for (const [i, { a, b }] of pairs.entries()) {
      const part = `pair-${i}`;
      for (const s of [memory, postgres]) await s.put(part, `k-${a}`, vec(a), entry(a), 60_000, 100);
      const [m, p] = [await memory.nearest(part, vec(b)), await postgres.nearest(part, vec(b))];
      assert.ok(m && p, `${a} / ${b}: both find an entry`);
      assert.deepEqual(p.entry, m.entry);
      assert.ok(
        Math.abs(p.similarity - m.similarity) < 1e-4,
        `${a} / ${b}: ${p.similarity} vs ${m.similarity}`,
      );
      decisions.memory!.push(m.similarity >= t);
      decisions.postgres!.push(p.similarity >= t);
    }
    assert.deepEqual(decisions.postgres, decisions.memory);
    // Every paraphrase hits, nothing else does.
    assert.deepEqual(
      decisions.memory,
      pairs.map((_, i) => i < PARAPHRASES.length),
    );
  });

  it('L2 nearest of several: the closest entry of the partition, never another partition’s', async () => {
    // One question per embedded text ("capital of France?" and "capital of france" embed alike).
    const all = [...new Map(questions.map((q) => [embedText(q), q])).values()];
    for (const s of [memory, postgres])
      for (const q of all) await s.put('many', `k-${q}`, vec(q), entry(q), 60_000, 1000);
    for (const q of all) {
      const [m, p] = [await memory.nearest('many', vec(q)), await postgres.nearest('many', vec(q))];
      assert.deepEqual(p?.entry, m?.entry);
      assert.deepEqual(m?.entry, entry(q));
    }
    // Another partition holding nothing finds nothing, whatever the vector.
    assert.equal(await postgres.nearest('empty-partition', vec(all[0]!)), undefined);
    assert.equal(await memory.nearest('empty-partition', vec(all[0]!)), undefined);
  });

  it('pgvector: a partition keeps its newest maxEntries; a vector of another size is refused', async () => {
    for (let i = 0; i < 5; i++) {
      await postgres.put('bounded', `k${i}`, vec(questions[i]!), entry(`q${i}`), 60_000, 3);
      await sleep(5);
    }
    const kept = [];
    for (let i = 0; i < 5; i++) kept.push((await postgres.exact('bounded', `k${i}`)) !== undefined);
    assert.deepEqual(kept, [false, false, true, true, true]);
    await assert.rejects(postgres.nearest('bounded', new Float32Array(8)), /8 dimensions/);
  });

  it('Redis and pgvector expire entries by the TTL', async () => {
    const k = { partition: 'ttl', exact: 'short-lived' };
    for (const s of [redis, postgres])
      await s.put(k.partition, k.exact, vec(questions[0]!), entry('x'), 50, 10);
    await sleep(150);
    assert.equal(await redis.exact(k.partition, k.exact), undefined);
    assert.equal(await postgres.exact(k.partition, k.exact), undefined);
    assert.equal(await postgres.nearest(k.partition, vec(questions[0]!)), undefined);
  });

  it('a PostgreSQL that is down fails fast (a miss for the stage), and serves again when back', async () => {
    const k = keysOf(questions[0]!);
    await pgServer.stop();
    await assert.rejects(postgres.exact(k.partition, k.exact));
    await assert.rejects(postgres.nearest(k.partition, vec(questions[0]!)));
    await pgServer.start();
    let back: CacheEntry | undefined;
    for (let i = 0; i < 50 && !back; i++) {
      back = await postgres.exact(k.partition, k.exact).catch(() => undefined);
      if (!back) await sleep(100);
    }
    assert.deepEqual(back, entry(questions[0]!));
  });

  it('a PostgreSQL that never answered: every call fails, nothing hangs, close works', async () => {
    const port = await freePort();
    const nowhere = new PostgresCacheStore({
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      table: 'nowhere',
      dimensions: 384,
      timeoutMs: 500,
    });
    await assert.rejects(nowhere.exact('p', 'k'));
    await assert.rejects(nowhere.put('p', 'k', undefined, entry('x'), 1000, 10));
    await nowhere.close();
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
      if (!answered) await sleep(100);
    }
    assert.ok(answered);
  });
});

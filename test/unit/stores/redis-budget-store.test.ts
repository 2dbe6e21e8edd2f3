/** The Redis store against a real redis-server: the same contract as the memory store, plus fail-fast when Redis is down. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RedisBudgetStore } from '../../../src/stores/redis-budget-store.js';
import { StoreError } from '../../../src/limits/types.js';
import type { CounterHold } from '../../../src/limits/types.js';
import { startRedis } from '../../helpers/redis.js';
import type { RedisServer } from '../../helpers/redis.js';

let n = 0;
const fresh = (): string => `t${process.pid}-${++n}`;
const hold = (key: string, limit: number, amount: number): CounterHold => ({
  key,
  limit,
  amount,
  windowEndsAt: Date.now() + 3_600_000,
});

describe('RedisBudgetStore', () => {
  let redis: RedisServer;
  let store: RedisBudgetStore;
  before(async () => {
    redis = await startRedis();
    store = new RedisBudgetStore({ url: redis.url, timeoutMs: 1000 });
    assert.ok(await store.ready(5000));
  });
  after(async () => {
    await store?.close();
    await redis?.close();
  });

  it('reserves on every counter or on none, and reports what each holds', async () => {
    const [x, y] = [fresh(), fresh()];
    assert.deepEqual(await store.reserve('a', [hold(x, 100, 60), hold(y, 10, 1)], 60_000), { ok: true });
    const r = await store.reserve('b', [hold(y, 10, 1), hold(x, 100, 50)], 60_000);
    assert.deepEqual(r, { ok: false, blocked: 1, used: [1, 60] });
    assert.equal(await store.used(y), 1);
  });

  it('settles to the actual amount (a refund), and concurrent reservations never overshoot', async () => {
    const t = fresh();
    const h = [hold(t, 100, 80)];
    assert.ok((await store.reserve('a', h, 60_000)).ok);
    await store.settle('a', h, [20]);
    assert.equal(await store.used(t), 20);
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => store.reserve(`c${i}`, [hold(t, 100, 7)], 60_000)),
    );
    assert.equal(results.filter((r) => r.ok).length, Math.floor(80 / 7));
    assert.equal(await store.used(t), 20 + 7 * Math.floor(80 / 7));
  });

  it('a reservation nobody settles expires after its TTL', async () => {
    const t = fresh();
    assert.ok((await store.reserve('orphan', [hold(t, 100, 90)], 300)).ok);
    assert.equal((await store.reserve('b', [hold(t, 100, 20)], 300)).ok, false);
    await new Promise((r) => setTimeout(r, 350));
    assert.ok((await store.reserve('b', [hold(t, 100, 20)], 300)).ok);
  });

  it('Redis down: calls fail at once with a StoreError; back up: they work again', async () => {
    await redis.stop();
    await assert.rejects(store.reserve('d', [hold(fresh(), 10, 1)], 1000), StoreError);
    await redis.start();
    let ok = false;
    for (let i = 0; i < 100 && !ok; i++) {
      try {
        ok = (await store.reserve('e', [hold(fresh(), 10, 1)], 1000)).ok;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    assert.ok(ok, 'reconnected');
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryCacheStore } from '../../../src/cache/memory-store.js';
import { normalize } from '../../../src/cache/types.js';
import type { CacheEntry } from '../../../src/cache/types.js';

const entry = (text: string): CacheEntry => ({
  completion: { choices: [{ message: { content: text } }] },
  promptTokens: 1,
  completionTokens: 1,
  model: 'm',
});
const v = (...xs: number[]) => normalize(Float32Array.from(xs));

describe('memory cache store', () => {
  it('exact and nearest within a partition only', async () => {
    const s = new MemoryCacheStore();
    await s.put('p1', 'k1', v(1, 0), entry('a'), 60_000, 10);
    await s.put('p1', 'k2', v(0, 1), entry('b'), 60_000, 10);
    await s.put('p2', 'k3', v(1, 0.01), entry('c'), 60_000, 10);
    assert.equal((await s.exact('p1', 'k1'))?.model, 'm');
    assert.equal(await s.exact('p2', 'k1'), undefined);
    const near = await s.nearest('p1', v(1, 0.1));
    assert.equal(
      (near?.entry.completion.choices as { message: { content: string } }[])[0]!.message.content,
      'a',
    );
    assert.ok(near!.similarity > 0.99 && near!.similarity <= 1.0001);
    assert.equal(await s.nearest('p3', v(1, 0)), undefined);
  });

  it('TTL: an expired entry is gone', async () => {
    let now = 1000;
    const s = new MemoryCacheStore(100, () => now);
    await s.put('p', 'k', v(1), entry('a'), 50, 10);
    now += 49;
    assert.ok(await s.exact('p', 'k'));
    now += 2;
    assert.equal(await s.exact('p', 'k'), undefined);
    assert.equal(await s.nearest('p', v(1)), undefined);
    assert.equal(s.size(), 0);
  });

  it('LRU: per partition and in all, the least recently used goes', async () => {
    const s = new MemoryCacheStore(3);
    await s.put('p', 'a', undefined, entry('a'), 60_000, 2);
    await s.put('p', 'b', undefined, entry('b'), 60_000, 2);
    await s.exact('p', 'a'); // a is now the most recent
    await s.put('p', 'c', undefined, entry('c'), 60_000, 2);
    assert.ok(await s.exact('p', 'a'));
    assert.equal(await s.exact('p', 'b'), undefined);
    await s.put('q', 'x', undefined, entry('x'), 60_000, 2);
    await s.put('r', 'y', undefined, entry('y'), 60_000, 2);
    assert.equal(s.size(), 3);
    // p was used least recently: its oldest entry went first.
    assert.equal(await s.exact('p', 'c'), undefined);
  });
});

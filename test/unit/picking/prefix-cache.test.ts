/** Approximate prefix affinity: chained block hashes and per-server LRUs. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BLOCK_CHARS, BlockLru, PrefixIndex, prefixHashes } from '../../../src/picking/prefix-cache.js';

describe('prefix index', () => {
  const shared = 'x'.repeat(BLOCK_CHARS * 10);
  it('hashes whole blocks only, each naming its whole prefix', () => {
    assert.equal(prefixHashes('short').length, 0);
    const a = prefixHashes(shared + 'a'.repeat(BLOCK_CHARS));
    const b = prefixHashes(shared + 'b'.repeat(BLOCK_CHARS));
    assert.equal(a.length, 11);
    assert.deepEqual(a.slice(0, 10), b.slice(0, 10));
    assert.notEqual(a[10], b[10]);
    // The same block after a different prefix hashes differently.
    assert.notEqual(prefixHashes('y'.repeat(BLOCK_CHARS) + shared)[1], a[1]);
  });

  it('scores the share of leading blocks a server served', () => {
    const idx = new PrefixIndex();
    idx.served('s1', prefixHashes(shared));
    const q = prefixHashes(shared + 'z'.repeat(BLOCK_CHARS * 10));
    assert.equal(idx.score('s1', q), 0.5);
    assert.equal(idx.score('s2', q), 0);
    assert.equal(idx.score('s1', []), 0);
    idx.retain(new Set(['s2']));
    assert.equal(idx.score('s1', q), 0);
  });

  it('forgets the least recently served blocks past its capacity', () => {
    const lru = new BlockLru(3);
    lru.add([1, 2, 3]);
    lru.add([1]); // 1 is fresh again
    lru.add([4]);
    assert.equal(lru.size, 3);
    assert.equal(lru.matched([1]), 1);
    assert.equal(lru.matched([2]), 0);
  });
});

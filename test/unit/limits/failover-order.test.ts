/** Failover order: priorities, weighted split, cooldown; and the Retry-After hints. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CooldownTable, orderTargets } from '../../../src/limits/failover-order.js';
import { MAX_HINT_MS, retryAfterMs } from '../../../src/limits/retry-after.js';

/** A seeded generator (mulberry32): the split test is repeatable. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const never = (): boolean => false;

describe('orderTargets', () => {
  it('tries priorities in ascending order, every target once', () => {
    const t = [
      { priority: 2, weight: 1 },
      { priority: 0, weight: 1 },
      { priority: 1, weight: 1 },
    ];
    assert.deepEqual(orderTargets(t, never, seeded(1)), [1, 2, 0]);
  });

  it('splits by weight inside a priority within 5 % over 2,000 requests', () => {
    const t = [
      { priority: 0, weight: 3 },
      { priority: 0, weight: 1 },
      { priority: 1, weight: 1 },
    ];
    const rnd = seeded(42);
    const first = [0, 0, 0];
    for (let n = 0; n < 2000; n++) {
      const order = orderTargets(t, never, rnd);
      first[order[0]!]!++;
      // The lower priority is always last; the other target of priority 0 second.
      assert.equal(order[2], 2);
      assert.equal(new Set(order).size, 3);
    }
    assert.ok(Math.abs(first[0]! / 2000 - 0.75) < 0.05, `target 0 first ${first[0]} of 2000`);
    assert.ok(Math.abs(first[1]! / 2000 - 0.25) < 0.05, `target 1 first ${first[1]} of 2000`);
    assert.equal(first[2], 0);
  });

  it('puts targets in cooldown last, keeping the order of the others', () => {
    const t = [
      { priority: 0, weight: 1 },
      { priority: 1, weight: 1 },
      { priority: 2, weight: 1 },
    ];
    assert.deepEqual(
      orderTargets(t, (i) => i === 0, seeded(3)),
      [1, 2, 0],
    );
    // All cooling: the configured order stays (someone must be tried).
    assert.deepEqual(
      orderTargets(t, () => true, seeded(3)),
      [0, 1, 2],
    );
  });
});

describe('CooldownTable', () => {
  it('cools a target until its time has passed; a longer cooldown wins; clear ends it', () => {
    const c = new CooldownTable();
    c.cool('a', 1000, 30_000);
    assert.equal(c.cooling('a', 30_999), true);
    c.cool('a', 2000, 1000); // shorter: ignored
    assert.equal(c.cooling('a', 30_999), true);
    assert.equal(c.cooling('a', 31_000), false);
    c.cool('b', 0, 5000);
    c.clear('b');
    assert.equal(c.cooling('b', 1), false);
  });

  it('stays bounded', () => {
    const c = new CooldownTable(2);
    c.cool('a', 0, 10);
    c.cool('b', 0, 1000);
    c.cool('c', 100, 1000); // a has expired: swept, c fits
    assert.equal(c.cooling('c', 200), true);
    c.cool('d', 200, 1000); // full of live entries: not recorded
    assert.equal(c.cooling('d', 300), false);
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const h =
    (o: Record<string, string>) =>
    (n: string): string | undefined =>
      o[n];
  it('reads retry-after-ms, retry-after seconds and dates, x-ratelimit-reset', () => {
    assert.equal(retryAfterMs(h({ 'retry-after-ms': '250' }), now), 250);
    assert.equal(retryAfterMs(h({ 'retry-after': '30' }), now), 30_000);
    assert.equal(retryAfterMs(h({ 'retry-after': 'Thu, 01 Jan 2026 00:00:10 GMT' }), now), 10_000);
    assert.equal(retryAfterMs(h({ 'x-ratelimit-reset': '2' }), now), 2000);
    assert.equal(retryAfterMs(h({ 'x-ratelimit-reset': String(now / 1000 + 5) }), now), 5000);
  });
  it('ignores garbage and caps huge hints', () => {
    assert.equal(retryAfterMs(h({ 'retry-after': 'soon' }), now), undefined);
    assert.equal(retryAfterMs(h({ 'retry-after': '-3' }), now), undefined);
    assert.equal(retryAfterMs(h({}), now), undefined);
    assert.equal(retryAfterMs(h({ 'retry-after': '99999999' }), now), MAX_HINT_MS);
    assert.equal(retryAfterMs(h({ 'retry-after': 'Wed, 31 Dec 2025 00:00:00 GMT' }), now), 0);
  });
});

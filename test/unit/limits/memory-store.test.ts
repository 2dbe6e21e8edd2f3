/** The memory store: atomic all-or-none reservations, settle with refunds, expiry of orphaned holds. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBudgetStore } from '../../../src/limits/memory-store.js';
import { StoreError } from '../../../src/limits/types.js';
import type { CounterHold } from '../../../src/limits/types.js';

const hold = (key: string, limit: number, amount: number): CounterHold => ({
  key,
  limit,
  amount,
  windowEndsAt: 1e15,
});

describe('MemoryBudgetStore', () => {
  it('reserves on every counter or on none', () => {
    const s = new MemoryBudgetStore(() => 1000);
    assert.deepEqual(s.reserve('a', [hold('x', 100, 60), hold('y', 10, 1)], 5000), { ok: true });
    // x has 40 left: the whole reservation is refused, and y is untouched.
    const r = s.reserve('b', [hold('y', 10, 1), hold('x', 100, 50)], 5000);
    assert.deepEqual(r, { ok: false, blocked: 1, used: [1, 60] });
    assert.equal(s.used('y'), 1);
  });

  it('settles to the actual amount: a short answer refunds, and the refund admits the next request', () => {
    const s = new MemoryBudgetStore(() => 1000);
    const h = [hold('t', 100, 80)];
    assert.ok(s.reserve('a', h, 5000).ok);
    assert.equal(s.reserve('b', [hold('t', 100, 30)], 5000).ok, false);
    s.settle('a', h, [20]);
    assert.equal(s.used('t'), 20);
    assert.ok(s.reserve('b', [hold('t', 100, 30)], 5000).ok);
    assert.equal(s.used('t'), 50);
  });

  it('drops a reservation nobody settles after its TTL', () => {
    let now = 1000;
    const s = new MemoryBudgetStore(() => now);
    assert.ok(s.reserve('orphan', [hold('t', 100, 90)], 2000).ok);
    assert.equal(s.reserve('b', [hold('t', 100, 20)], 2000).ok, false);
    now += 2001;
    assert.ok(s.reserve('b', [hold('t', 100, 20)], 2000).ok);
    assert.equal(s.used('t'), 20);
    // A late settle of the expired reservation still charges what was spent.
    s.settle('orphan', [hold('t', 100, 90)], [5]);
    assert.equal(s.used('t'), 25);
  });

  it('is bounded: past its counter limit, a reservation fails like a down store (the stage applies failOpen)', () => {
    let now = 1000;
    const s = new MemoryBudgetStore(() => now, 3);
    const h = (key: string): CounterHold => ({ key, limit: 10, amount: 1, windowEndsAt: 2000 });
    for (const k of ['a', 'b', 'c']) assert.ok(s.reserve(k, [h(k)], 100).ok);
    assert.throws(() => s.reserve('d', [h('d')], 100), StoreError);
    // Once their window is over and their holds expired, old counters make room.
    now = 2500;
    assert.ok(s.reserve('d', [h('d')], 100).ok);
  });
});

/** Limit keys, fixed windows, prices and the 429 headers. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { costMicros, keyValue, limitHeaders, plan, priceFor, resetText } from '../../../src/limits/plan.js';
import type { KeyFacts } from '../../../src/limits/plan.js';
import type { LimitSpec } from '../../../src/limits/types.js';

const facts: KeyFacts = {
  client: 'alice',
  team: undefined,
  route: 'chat',
  model: 'fast',
  ip: '10.0.0.1',
  header: (n) => (n === 'x-tenant' ? 'acme|corp' : undefined),
};

const limit: LimitSpec = {
  name: 'per-client',
  id: 'g/per-client',
  key: [{ kind: 'client' }, { kind: 'team' }, { kind: 'header', name: 'x-tenant' }],
  quotas: { requests: { limit: 10, windowMs: 60_000 }, tokens: { limit: 1000, windowMs: 3_600_000 } },
};

describe('limits plan', () => {
  it('builds composite keys; a missing part counts in one shared bucket; the separator is escaped', () => {
    assert.equal(keyValue(limit, facts), 'alice|-|acme%7Ccorp');
  });

  it('one counter per dimension, in fixed windows aligned to the epoch', () => {
    const p = plan([limit], facts, { tokens: 120, cost: undefined }, 3_600_000 * 5 + 90_000);
    assert.deepEqual(
      p.holds.map((h) => [h.amount, h.limit, h.windowEndsAt]),
      [
        [1, 10, 3_600_000 * 5 + 120_000],
        [120, 1000, 3_600_000 * 6],
      ],
    );
    assert.deepEqual(
      p.counters.map((c) => c.dimension),
      ['requests', 'tokens'],
    );
  });

  it('prices by exact model, then the longest configured prefix, then "*"; in micro-USD', () => {
    const table = new Map([
      ['gpt-4.1', { input: 2, output: 8, cachedInput: 0.5 }],
      ['gpt-4', { input: 30, output: 60, cachedInput: undefined }],
      ['*', { input: 1, output: 1, cachedInput: undefined }],
    ]);
    assert.equal(priceFor(table, 'gpt-4.1-2025-04-14')?.name, 'gpt-4.1');
    assert.equal(priceFor(table, 'gpt-4')?.name, 'gpt-4');
    assert.equal(priceFor(table, 'other')?.name, '*');
    // 1000 input (400 cached) and 100 output at 2 / 0.5 / 8 USD per million.
    assert.equal(costMicros(table.get('gpt-4.1')!, 1000, 400, 100), 600 * 2 + 400 * 0.5 + 800);
  });

  it('429 headers: retry-after, OpenAI x-ratelimit-* of the tightest counter', () => {
    const now = 3_600_000 * 5 + 90_000;
    const p = plan([limit], facts, { tokens: 120, cost: undefined }, now);
    const h = new Map(limitHeaders(p, [3, 950], 1, now));
    assert.equal(h.get('retry-after'), String(3_600_000 / 1000 - 90));
    assert.equal(h.get('x-should-retry'), 'false');
    assert.equal(h.get('x-ratelimit-limit-tokens'), '1000');
    assert.equal(h.get('x-ratelimit-remaining-tokens'), '50');
    assert.equal(h.get('x-ratelimit-remaining-requests'), '7');
    assert.equal(h.get('x-ratelimit-reset-requests'), '30s');
    assert.equal(resetText(3_690_000), '1h1m30s');
    assert.equal(resetText(250), '250ms');
  });
});

/** The restart backoff of upstream servers: at once, then doubling from 0.5 s, capped at 30 s. */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { BACKOFF_MAX_MS, backoffMs, isModern } from '../../../src/mcp-gateway/upstream.js';

it('backoff: the first retry at once, then doubling, capped', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5].map((n) => backoffMs(n)),
    [0, 500, 1000, 2000, 4000],
  );
  assert.equal(backoffMs(40), BACKOFF_MAX_MS);
});

it('protocol generations: 2026-07-28 and later are stateless', () => {
  assert.equal(isModern('2026-07-28'), true);
  assert.equal(isModern('2025-11-25'), false);
  assert.equal(isModern(undefined), false);
});

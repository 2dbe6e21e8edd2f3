import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadSettings } from '../../../src/config/env.js';

describe('loadSettings', () => {
  it('V8_HEAP_GROWING_PERCENT: 50 by default, 0 keeps V8 heuristics, negatives are refused', () => {
    assert.equal(loadSettings({}).heapGrowingPercent, 50);
    assert.equal(loadSettings({ V8_HEAP_GROWING_PERCENT: '0' }).heapGrowingPercent, 0);
    assert.equal(loadSettings({ V8_HEAP_GROWING_PERCENT: '120' }).heapGrowingPercent, 120);
    assert.throws(() => loadSettings({ V8_HEAP_GROWING_PERCENT: '-5' }), /V8_HEAP_GROWING_PERCENT/);
    assert.throws(() => loadSettings({ V8_HEAP_GROWING_PERCENT: 'lots' }), /V8_HEAP_GROWING_PERCENT/);
  });
});

/** The proxy's subset hint as the endpoint-pick stage reads it from forwarded metadata. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { subsetHint } from '../../../../src/pipeline/stages/endpoint-pick.js';

const ns = (v: unknown) => ({ 'envoy.lb.subset_hint': { 'x-gateway-destination-endpoint-subset': v } });

describe('subsetHint', () => {
  it('no namespace or no key: no hint', () => {
    assert.equal(subsetHint({}), undefined);
    assert.equal(subsetHint({ 'envoy.lb.subset_hint': {} }), undefined);
    assert.equal(subsetHint({ 'envoy.lb.subset_hint': 'x' }), undefined);
  });
  it('a list, or one comma-separated string', () => {
    assert.deepEqual(subsetHint(ns(['10.0.0.1:80', ' 10.0.0.2:80 '])), ['10.0.0.1:80', '10.0.0.2:80']);
    assert.deepEqual(subsetHint(ns('10.0.0.1:80,10.0.0.2:80')), ['10.0.0.1:80', '10.0.0.2:80']);
  });
  it('an empty or unreadable hint is an empty subset (a 503), never "any server"', () => {
    assert.deepEqual(subsetHint(ns([])), []);
    assert.deepEqual(subsetHint(ns('')), []);
    assert.deepEqual(subsetHint(ns(42)), []);
    assert.deepEqual(subsetHint(ns([1, null])), []);
  });
  it('is bounded', () => {
    const many = Array.from({ length: 1000 }, (_, i) => `10.0.${i >> 8}.${i & 255}:80`);
    assert.equal(subsetHint(ns(many))?.length, 256);
  });
});

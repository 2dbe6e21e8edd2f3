/** Compiled guards survive a config reload when their config is unchanged, and go when it is removed. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GuardCache } from '../../../src/pipeline/guard-stages.js';
import type { GuardServices } from '../../../src/pipeline/guard-stages.js';

const services = { maxCustomMatchChars: 256 } as unknown as GuardServices;
const regex = { action: 'MASK' as const, builtins: ['EMAIL' as const], matches: [] };

describe('GuardCache.retain (config reload)', () => {
  it('keeps the compiled guards of keys the new config still uses, drops the rest', () => {
    const cache = new GuardCache(services);
    const kept = cache.regex(regex, 'req:route-a');
    cache.regex(regex, 'resp:route-a');
    cache.regex(regex, 'req:route-b');
    assert.equal(cache.size, 3);
    cache.retain(['route-a']);
    assert.equal(cache.size, 2);
    assert.equal(cache.regex(regex, 'req:route-a'), kept, 'the same compiled guard, not a recompile');
    assert.equal(cache.size, 2);
    cache.retain([]);
    assert.equal(cache.size, 0);
  });
});

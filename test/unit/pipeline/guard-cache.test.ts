/** Compiled guards survive a config reload when their config is unchanged, and go when it is removed. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GuardCache } from '../../../src/pipeline/guard-runner.js';
import type { GuardServices } from '../../../src/pipeline/guard-runner.js';
import { compileRegexGuard } from '../../../src/guards/regex/index.js';
import { re2PoolSize } from '../../../src/guards/regex/re2-pool.js';

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

/** Ten `\w`-style patterns (each about 200 KiB of RE2's fixed 16 MiB heap) and route i's pick of five. */
const WORDY = Array.from({ length: 10 }, (_, k) => `\\b(?:tok${k})_\\w+@\\w+\\b`);
const routePatterns = (i: number): string[] =>
  [0, 1, 2, 3, 4].map((j) => WORDY[(i * 3 + j * (1 + (i % 4))) % WORDY.length]!);
const customGuard = (patterns: readonly string[]) => ({
  action: 'MASK' as const,
  builtins: [],
  matches: patterns.map((pattern) => ({ pattern })),
});

describe('GuardCache and RE2 heap: shared patterns, freed on reload', () => {
  it('200 routes × 5 \\w-style patterns all compile and mask; reloads free what they drop', () => {
    const cache = new GuardCache(services);
    const before = re2PoolSize();
    for (let i = 0; i < 200; i++) {
      const g = cache.regex(customGuard(routePatterns(i)), `req:route-${i}`);
      const k = Number(/tok(\d)/.exec(routePatterns(i)[0]!)![1]);
      assert.equal(g.mask(`send tok${k}_abc@host now`).text, 'send <CUSTOM> now', `route ${i}`);
    }
    assert.ok(re2PoolSize() - before <= WORDY.length, 'one compiled regex per distinct pattern');
    // Reloads: every generation drops the old routes and brings ten new patterns of its own.
    for (let gen = 0; gen < 3; gen++) {
      cache.retain([]);
      assert.equal(re2PoolSize(), before, `generation ${gen}: everything dropped was freed`);
      for (let i = 0; i < 200; i++) {
        const own = routePatterns(i).map((p) => p.replace('tok', `g${gen}tok`));
        const g = cache.regex(customGuard(own), `req:route-${i}`);
        const k = Number(/tok(\d)/.exec(own[0]!)![1]);
        assert.equal(g.test(`x g${gen}tok${k}_a@b`), true, `generation ${gen}, route ${i}`);
      }
      assert.ok(re2PoolSize() - before <= WORDY.length);
    }
    cache.retain([]);
    const simple = cache.regex(customGuard(['simple-\\d+']), 'req:after');
    assert.equal(simple.mask('id simple-42').text, 'id <CUSTOM>');
    cache.retain([]);
    assert.equal(re2PoolSize(), before);
  });

  it('a guard dropped while a stream still uses it keeps working', () => {
    const cache = new GuardCache(services);
    const g = cache.regex(customGuard(['inflight-\\w+']), 'req:r');
    cache.retain([]);
    assert.equal(g.mask('x inflight-abc').text, 'x <CUSTOM>');
    g.release();
  });

  it('past the heap: errors that say so (never a dead RE2 for everyone), and the heap recovers', () => {
    // Seven distinct heavy patterns (about 3 MiB each once used), all in use: more than fits in 16 MiB.
    const held: ReturnType<typeof compileRegexGuard>[] = [];
    const errors: string[] = [];
    const attempt = (f: () => void): void => {
      try {
        f();
      } catch (e) {
        errors.push(e instanceof Error ? e.message : String(e));
      }
    };
    for (let i = 0; i < 7; i++) {
      attempt(() => held.push(compileRegexGuard(customGuard([`heavy${i}_\\w{8,32}`]))));
      for (const h of held) attempt(() => h.test('heavy_x'));
    }
    for (const h of held) h.release();
    assert.ok(
      errors.every((m) => /out of memory/.test(m)),
      errors.join('\n'),
    );
    const ok = compileRegexGuard(customGuard(['fine-\\d+']));
    assert.equal(ok.mask('a fine-7').text, 'a <CUSTOM>');
    ok.release();
  });
});

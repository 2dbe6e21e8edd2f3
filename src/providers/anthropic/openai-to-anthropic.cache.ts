/**
 * Anthropic takes at most 4 `cache_control` breakpoints per request (a 5th is a 400). A canonical request
 * may carry more (an OpenAI client's markers): the later ones, in Anthropic's prompt order (tools, system,
 * messages), are removed and `cache_control` is reported, as Bedrock's cache points are capped
 * (../bedrock/openai-to-bedrock.cache-points.ts). The body's blocks are the translator's own objects.
 */
import type { Json } from '../translate/types.js';
import { MAX_CACHE_POINTS } from '../translate/cache-control.js';
import { asArray, asObj } from '../../json.js';
import type { DroppedParams } from './dropped.js';

/** Every block of the body that may carry cache_control, in prompt order. */
function* markable(body: Json): Generator<Json> {
  for (const t of asArray(body.tools)) if (asObj(t) !== undefined) yield t as Json;
  for (const b of asArray(body.system)) if (asObj(b) !== undefined) yield b as Json;
  for (const m of asArray(body.messages)) {
    for (const b of asArray(asObj(m)?.content)) {
      const block = asObj(b);
      if (block === undefined) continue;
      yield block;
      for (const inner of asArray(block.content)) if (asObj(inner) !== undefined) yield inner as Json;
    }
  }
}

export function capCacheControl(body: Json, dropped: DroppedParams): void {
  let seen = 0;
  for (const block of markable(body)) {
    if (block.cache_control === undefined) continue;
    if (++seen <= MAX_CACHE_POINTS) continue;
    delete block.cache_control;
    dropped.add('cache_control');
  }
}

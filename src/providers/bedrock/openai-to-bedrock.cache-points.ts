/**
 * Bedrock takes at most 4 cache checkpoints per request (tools, system and messages together, as
 * Anthropic takes 4 cache_control breakpoints). Past that, the later ones are removed, in Bedrock's prompt
 * order (toolConfig.tools, system, messages): the earlier ones are the prefixes most requests share. The
 * caller reports `cache_control` as dropped when any was removed. A cachePoint always follows the block it
 * closes, so removing one never empties a list.
 */
import type { ConverseRequest } from './converse-types.js';
import { MAX_CACHE_POINTS } from '../translate/cache-control.js';

const isCachePoint = (b: object): boolean => 'cachePoint' in b;

/** Removes the cache points past the limit from `body`; true when any was removed. */
export function capCachePoints(body: ConverseRequest): boolean {
  let seen = 0;
  let removed = false;
  const keep = <T extends object>(list: T[]): T[] => {
    if (!list.some(isCachePoint)) return list;
    return list.filter((b) => {
      if (!isCachePoint(b)) return true;
      seen++;
      if (seen <= MAX_CACHE_POINTS) return true;
      removed = true;
      return false;
    });
  };
  if (body.toolConfig !== undefined) body.toolConfig.tools = keep(body.toolConfig.tools);
  if (body.system !== undefined) body.system = keep(body.system);
  for (const m of body.messages) m.content = keep(m.content);
  return removed;
}

/**
 * Prompt-caching markers in the canonical form: Anthropic-style `cache_control` on content parts (as LiteLLM
 * and OpenRouter accept them from OpenAI clients). Anthropic keeps them, Bedrock turns each into a
 * `cachePoint` block; providers without explicit cache breakpoints drop them and report `cache_control`.
 */
import { asArray, asObj, isObj, omitKeys } from '../../json.js';

function partHasMarker(part: unknown): boolean {
  return asObj(asObj(part)?.cache_control) !== undefined;
}

/** Whether any message content part carries a cache_control marker. */
export function hasPartCacheControl(messages: unknown): boolean {
  return asArray(messages).some((m) => asArray(asObj(m)?.content).some(partHasMarker));
}

/** The messages without part-level cache_control (copies only the messages and parts that change). */
export function withoutPartCacheControl(messages: readonly unknown[]): unknown[] {
  return messages.map((m) => {
    if (!isObj(m) || !Array.isArray(m.content) || !m.content.some(partHasMarker)) return m;
    const content: unknown[] = m.content;
    return {
      ...m,
      content: content.map((p) => (isObj(p) && 'cache_control' in p ? omitKeys(p, ['cache_control']) : p)),
    };
  });
}

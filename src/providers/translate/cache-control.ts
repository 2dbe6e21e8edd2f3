/**
 * Prompt-caching markers in the canonical form, Anthropic-style `cache_control` as LiteLLM and OpenRouter
 * accept them from OpenAI clients: on content parts, on a tool message (the whole tool result: an Anthropic
 * client's `tool_result.cache_control`), and on a tool definition (`tools[].cache_control`, next to `type`).
 * Anthropic keeps them, Bedrock turns each into a `cachePoint` after what it marks (at most 4, as Bedrock
 * takes); providers without explicit cache breakpoints drop them and report `cache_control`.
 */
import { asArray, asObj, isObj, omitKeys } from '../../json.js';

/** Whether an object (part, message, tool) carries a cache_control marker. */
export function hasMarker(obj: unknown): boolean {
  return asObj(asObj(obj)?.cache_control) !== undefined;
}

/** Whether any message content part carries a cache_control marker. */
export function hasPartCacheControl(messages: unknown): boolean {
  return asArray(messages).some((m) => asArray(asObj(m)?.content).some(hasMarker));
}

/** Whether a request carries a cache_control marker anywhere: parts, tool messages, tool definitions. */
export function hasCacheControl(messages: unknown, tools: unknown): boolean {
  return hasPartCacheControl(messages) || asArray(messages).some(hasMarker) || asArray(tools).some(hasMarker);
}

const strip = (v: unknown): unknown =>
  isObj(v) && 'cache_control' in v ? omitKeys(v, ['cache_control']) : v;

/** The messages without cache_control on parts or messages (copies only what changes). */
export function withoutCacheControl(messages: readonly unknown[]): unknown[] {
  return messages.map((m) => {
    if (!isObj(m)) return m;
    const partMarked = Array.isArray(m.content) && m.content.some(hasMarker);
    if (!partMarked && !('cache_control' in m)) return m;
    const out = strip(m) as Record<string, unknown>;
    if (partMarked) out.content = (m.content as unknown[]).map(strip);
    return out;
  });
}

/** The tool definitions without cache_control (the same array when none has one). */
export function toolsWithoutCacheControl(tools: readonly unknown[]): unknown[] {
  return tools.some((t) => isObj(t) && 'cache_control' in t) ? tools.map(strip) : [...tools];
}

/** Bedrock's (and Anthropic's) limit on cache checkpoints in one request. */
export const MAX_CACHE_POINTS = 4;

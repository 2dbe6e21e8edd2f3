/**
 * Converse `usage` → OpenAI `usage`.
 *
 * Bedrock's `inputTokens` excludes cached tokens, while OpenAI's `prompt_tokens` includes them, so
 * `prompt_tokens = inputTokens + cacheReadInputTokens + cacheWriteInputTokens` (Bedrock's `totalTokens`
 * already counts all three). When Bedrock reports cache fields, `prompt_tokens_details` carries
 * `cached_tokens` (cache reads) and `cache_creation_input_tokens` (cache writes, an extension field), the
 * same convention as the Anthropic translation, so an Anthropic client gets its cache fields back.
 */
import type { Json } from '../translate/types.js';
import { asObj, asCount } from '../../json.js';

export function bedrockToOpenAIUsage(raw: unknown): Json | undefined {
  const u = asObj(raw);
  if (u === undefined) return undefined;
  const input = asCount(u.inputTokens);
  const output = asCount(u.outputTokens);
  if (input === undefined && output === undefined) return undefined;
  const cacheRead = asCount(u.cacheReadInputTokens);
  const cacheWrite = asCount(u.cacheWriteInputTokens);
  const prompt = (input ?? 0) + (cacheRead ?? 0) + (cacheWrite ?? 0);
  const completion = output ?? 0;
  const usage: Json = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: asCount(u.totalTokens) ?? prompt + completion,
  };
  if (cacheRead !== undefined || cacheWrite !== undefined) {
    const details: Json = { cached_tokens: cacheRead ?? 0 };
    if (cacheWrite !== undefined) details.cache_creation_input_tokens = cacheWrite;
    usage.prompt_tokens_details = details;
  }
  return usage;
}

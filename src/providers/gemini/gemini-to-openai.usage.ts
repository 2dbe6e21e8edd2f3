/** Gemini `usageMetadata` → OpenAI usage. */
import type { Json } from '../translate/types.js';
import { asObj, asCount } from '../../json.js';

/**
 * OpenAI usage from `usageMetadata`, or undefined when it has no counts (Vertex streams send `{}`).
 * completion_tokens = candidatesTokenCount + thoughtsTokenCount (OpenAI counts reasoning tokens as
 * completion tokens); the thoughts also appear as completion_tokens_details.reasoning_tokens.
 * total_tokens = prompt + completion (Gemini's totalTokenCount may also include tool-use prompt tokens).
 * cachedContentTokenCount → prompt_tokens_details.cached_tokens.
 */
export function geminiToOpenAIUsage(meta: unknown): Json | undefined {
  const u = asObj(meta);
  if (u === undefined) return undefined;
  const prompt = asCount(u.promptTokenCount);
  const candidates = asCount(u.candidatesTokenCount);
  const thoughts = asCount(u.thoughtsTokenCount);
  if (prompt === undefined && candidates === undefined && thoughts === undefined) return undefined;
  const completion = (candidates ?? 0) + (thoughts ?? 0);
  const usage: Json = {
    prompt_tokens: prompt ?? 0,
    completion_tokens: completion,
    total_tokens: (prompt ?? 0) + completion,
  };
  const cached = asCount(u.cachedContentTokenCount);
  if (cached !== undefined) usage.prompt_tokens_details = { cached_tokens: cached };
  if (thoughts !== undefined) usage.completion_tokens_details = { reasoning_tokens: thoughts };
  return usage;
}

/** Gemini finish reasons and usage → OpenAI. */
import type { Json } from '../translate/types.js';
import { asRecord, count } from '../openai/json.js';

const CONTENT_FILTER = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
]);

/**
 * OpenAI finish_reason for a Gemini finishReason. A candidate that produced function calls finishes with
 * `tool_calls` (Gemini says STOP); MAX_TOKENS stays `length` even then. Other reasons (OTHER, LANGUAGE,
 * MALFORMED_FUNCTION_CALL, …) map to `stop`.
 */
export function finishReason(reason: string, hadToolCalls: boolean): string {
  if (reason === 'MAX_TOKENS') return 'length';
  if (CONTENT_FILTER.has(reason)) return 'content_filter';
  return hadToolCalls ? 'tool_calls' : 'stop';
}

/**
 * OpenAI usage from `usageMetadata`, or undefined when it has no counts (Vertex streams send `{}`).
 * completion_tokens = candidatesTokenCount + thoughtsTokenCount (OpenAI counts reasoning tokens as
 * completion tokens); the thoughts also appear as completion_tokens_details.reasoning_tokens.
 * total_tokens = prompt + completion (Gemini's totalTokenCount may also include tool-use prompt tokens).
 * cachedContentTokenCount → prompt_tokens_details.cached_tokens.
 */
export function openaiUsage(meta: unknown): Json | undefined {
  const u = asRecord(meta);
  if (u === undefined) return undefined;
  const prompt = count(u.promptTokenCount);
  const candidates = count(u.candidatesTokenCount);
  const thoughts = count(u.thoughtsTokenCount);
  if (prompt === undefined && candidates === undefined && thoughts === undefined) return undefined;
  const completion = (candidates ?? 0) + (thoughts ?? 0);
  const usage: Json = {
    prompt_tokens: prompt ?? 0,
    completion_tokens: completion,
    total_tokens: (prompt ?? 0) + completion,
  };
  const cached = count(u.cachedContentTokenCount);
  if (cached !== undefined) usage.prompt_tokens_details = { cached_tokens: cached };
  if (thoughts !== undefined) usage.completion_tokens_details = { reasoning_tokens: thoughts };
  return usage;
}

/** A candidate's index: its `index` field, else its position. */
export function candidateIndex(cand: Json, position: number): number {
  const i = cand.index;
  return typeof i === 'number' && Number.isInteger(i) && i >= 0 ? i : position;
}

/** Gemini finishReason → OpenAI finish_reason. */

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
export function geminiToOpenAIFinishReason(reason: string, hadToolCalls: boolean): string {
  if (reason === 'MAX_TOKENS') return 'length';
  if (CONTENT_FILTER.has(reason)) return 'content_filter';
  return hadToolCalls ? 'tool_calls' : 'stop';
}

/**
 * Anthropic's `POST /v1/messages/count_tokens` for the mock provider: `{"input_tokens": N}` by the
 * mock's usage formula (the same count a Messages call with this prompt reports as input_tokens).
 * The body is a Messages request without `max_tokens` (count_tokens does not take it); otherwise
 * Anthropic's rules (rules/anthropic.ts, signatures verified) apply, with Anthropic's 400.
 */
import { anthropicRequestProblems } from './rules/anthropic.js';
import { verifyThinkingSignature } from './rules/signature.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export const isCountTokensRoute = (pathname: string): boolean =>
  pathname.endsWith('/v1/messages/count_tokens');

/** The problems Anthropic would answer a 400 for. */
export function countTokensProblems(json: unknown): string[] {
  if (!isObj(json)) return ['The request body must be a JSON object'];
  if ('max_tokens' in json) return ['max_tokens: Extra inputs are not permitted'];
  if ('stream' in json) return ['stream: Extra inputs are not permitted'];
  const thinking = isObj(json.thinking) ? json.thinking : undefined;
  const budget = typeof thinking?.budget_tokens === 'number' ? thinking.budget_tokens : 0;
  // The Messages rules need a max_tokens; count_tokens has none, so any valid one stands in.
  return anthropicRequestProblems(
    { ...json, max_tokens: budget + 1 },
    { verifySignature: verifyThinkingSignature },
  );
}

/** The status and body of the answer. */
export function countTokensAnswer(json: unknown, inputTokens: number): { status: number; body: string } {
  const problems = countTokensProblems(json);
  if (problems.length > 0)
    return {
      status: 400,
      body: JSON.stringify({
        type: 'error',
        error: { type: 'invalid_request_error', message: problems.join('; ') },
      }),
    };
  return { status: 200, body: JSON.stringify({ input_tokens: inputTokens }) };
}

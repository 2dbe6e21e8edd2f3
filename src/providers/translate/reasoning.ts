/**
 * Reasoning in the canonical (OpenAI chat) form, shared by every cross-API pair.
 *
 * Requests say what thinking they want with `reasoning_effort` (OpenAI: none, minimal, low, medium, high,
 * xhigh) or with `thinking` (an extension field, as LiteLLM accepts it: `{type:'enabled', budget_tokens}`,
 * `{type:'adaptive'}` or `{type:'disabled'}`); `thinking` wins, so a budget from an Anthropic client reaches
 * Anthropic, Bedrock and Gemini exactly.
 *
 * Signed reasoning travels on assistant messages as `thinking_blocks` (LiteLLM's field), in the provider's
 * order: `{type:'thinking', thinking, signature}` and `{type:'redacted_thinking', data}`. Responses carry them
 * next to `reasoning_content`; a client that sends them back in its history lets Anthropic and Bedrock check
 * the signatures on the next tool turn. In streams, the reasoning text arrives as `reasoning_content` deltas
 * and each finished block once as a `thinking_blocks` delta holding the whole block.
 */
import type { Json } from './types.js';
import { TranslationError } from './types.js';
import { asArray, asObj, asString } from '../../json.js';

export const THINKING_BLOCKS = 'thinking_blocks';

export type ThinkingBlock =
  { type: 'thinking'; thinking: string; signature: string } | { type: 'redacted_thinking'; data: string };

/** reasoning_effort → thinking budget (tokens). Anthropic's minimum budget is 1024. */
export const EFFORT_BUDGET: Readonly<Record<string, number>> = {
  minimal: 1024,
  low: 1024,
  medium: 4096,
  high: 16384,
  xhigh: 32768,
};
export const MIN_ANTHROPIC_BUDGET = 1024;

export type ThinkingRequest =
  | { readonly kind: 'off'; readonly field?: string }
  | { readonly kind: 'budget'; readonly budget: number; readonly exact: boolean; readonly field: string }
  | { readonly kind: 'adaptive'; readonly field: string };

const OFF: ThinkingRequest = { kind: 'off' };

/**
 * The thinking a canonical request asks for. A value no provider understands is reported through `drop`
 * (never a 400: reasoning_effort values change faster than gateways).
 */
export function requestedThinking(req: Json, drop: (name: string) => void): ThinkingRequest {
  const thinking = req.thinking;
  if (thinking !== undefined && thinking !== null) {
    const t = asObj(thinking);
    const budget = t?.budget_tokens;
    if (t?.type === 'disabled') return { kind: 'off', field: 'thinking' };
    if (t?.type === 'adaptive') return { kind: 'adaptive', field: 'thinking' };
    if (t?.type === 'enabled' && typeof budget === 'number' && Number.isInteger(budget) && budget > 0) {
      return { kind: 'budget', budget, exact: true, field: 'thinking' };
    }
    drop('thinking');
  }
  const effort = req.reasoning_effort;
  if (effort === undefined || effort === null) return OFF;
  if (effort === 'none') return { kind: 'off', field: 'reasoning_effort' };
  const budget = typeof effort === 'string' ? EFFORT_BUDGET[effort] : undefined;
  if (budget === undefined) {
    drop('reasoning_effort');
    return OFF;
  }
  return { kind: 'budget', budget, exact: false, field: 'reasoning_effort' };
}

/** A thinking budget → the reasoning_effort OpenAI takes: below 2048 low, below 8192 medium, else high. */
export function effortForBudget(budget: number): 'low' | 'medium' | 'high' {
  return budget < 2048 ? 'low' : budget < 8192 ? 'medium' : 'high';
}

/** The `thinking_blocks` of an assistant message, checked; 400 for a malformed one. */
export function thinkingBlocksOf(msg: Json, where: string): ThinkingBlock[] {
  const raw = msg[THINKING_BLOCKS];
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new TranslationError(400, `${where}.thinking_blocks must be an array`);
  return asArray(raw).map((b, i) => {
    const block = asObj(b);
    const at = `${where}.thinking_blocks[${i}]`;
    if (block?.type === 'thinking') {
      const thinking = asString(block.thinking);
      if (thinking === undefined) throw new TranslationError(400, `${at}.thinking must be a string`);
      return { type: 'thinking', thinking, signature: asString(block.signature) ?? '' };
    }
    const data = asString(block?.data);
    if (block?.type === 'redacted_thinking' && data !== undefined) return { type: 'redacted_thinking', data };
    throw new TranslationError(400, `${at} must be a thinking or redacted_thinking block`);
  });
}

/** Whether a block can be replayed to a provider that checks signatures. */
export function isSigned(block: ThinkingBlock): boolean {
  return block.type === 'redacted_thinking' || block.signature !== '';
}

/**
 * Anthropic (and Claude on Bedrock) require, while thinking is on, that the last assistant message starts
 * with a signed thinking block when it holds tool calls. True when the history breaks that rule, so thinking
 * must be off for this turn (what Anthropic accepts) instead of a 400.
 */
export function lastToolTurnUnsigned(messages: readonly unknown[]): boolean {
  for (let i = messages.length - 1; i >= 0; i--) {
    const msg = asObj(messages[i]);
    if (msg?.role !== 'assistant') continue;
    if (asArray(msg.tool_calls).length === 0) return false;
    const raw = asArray(msg[THINKING_BLOCKS]);
    const first = asObj(raw[0]);
    if (first === undefined) return true;
    return !(
      (first.type === 'thinking' && asString(first.signature) !== undefined && first.signature !== '') ||
      (first.type === 'redacted_thinking' && typeof first.data === 'string')
    );
  }
  return false;
}

/**
 * Claude models whose thinking is adaptive (Anthropic's "Adaptive thinking"): Opus 4.7 and later, Mythos and
 * Fable only take `{type:'adaptive'}` (a budget is a 400); on Opus 4.6 and Sonnet 4.6 budgets are
 * deprecated in its favour. How much such a model thinks is `output_config.effort`.
 */
const ADAPTIVE_ONLY = /opus-4[-.][7-9]|mythos|fable|(opus|sonnet|haiku)-[5-9]/i;
const ADAPTIVE = /(opus|sonnet)-4[-.]6/i;

export function isAdaptiveOnlyClaude(model: string): boolean {
  return ADAPTIVE_ONLY.test(model);
}

/** Whether a reasoning_effort for this model is better sent as adaptive thinking plus an effort. */
export function prefersAdaptiveThinking(model: string): boolean {
  return ADAPTIVE_ONLY.test(model) || ADAPTIVE.test(model);
}

/** reasoning_effort → Claude's output_config.effort (max is Opus's only). */
export function claudeEffort(effort: unknown, model: string): string {
  switch (effort) {
    case 'minimal':
    case 'low':
      return 'low';
    case 'medium':
      return 'medium';
    case 'xhigh':
      return /opus/i.test(model) ? 'max' : 'high';
    default:
      return 'high';
  }
}

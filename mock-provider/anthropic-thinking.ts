/**
 * The mock's Anthropic extended thinking and its request rules, kept out of server.ts.
 *
 * - A request with thinking on (`thinking.type` enabled or adaptive) gets a thinking block first,
 *   signed by the mock (rules/signature.ts), in JSON and in streams (thinking_delta events, then one
 *   signature_delta). Its tokens count in output_tokens, as Anthropic counts them.
 * - Every JSON request is checked against the provider's documented 400 rules (rules/*.ts), with
 *   thinking signatures verified: a lost or forged signature gets Anthropic's 400.
 */
import { isMistralModel, mistralRequestProblems } from './rules/mistral.js';
import { anthropicRequestProblems } from './rules/anthropic.js';
import { openaiRequestProblems } from './rules/openai.js';
import { signThinking, verifyThinkingSignature } from './rules/signature.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The thinking text the mock "thinks" (deterministic). */
export const MOCK_THINKING = 'The user asks something; let me reason step by step before I answer.';

/** The thinking block the mock adds, or undefined when the request has thinking off. */
export function mockThinking(json: unknown): { thinking: string; signature: string } | undefined {
  if (!isObj(json) || !isObj(json.thinking)) return undefined;
  const t = json.thinking.type;
  if (t !== 'enabled' && t !== 'adaptive') return undefined;
  return { thinking: MOCK_THINKING, signature: signThinking(MOCK_THINKING) };
}

/** JSON content with the thinking block first. */
export function withThinkingBlock(content: unknown[], json: unknown): unknown[] {
  const t = mockThinking(json);
  return t ? [{ type: 'thinking', ...t }, ...content] : content;
}

/**
 * Stream events with the thinking block inserted as block 0 (after message_start), and the other
 * blocks' indexes moved up by one.
 */
export function withThinkingEvents(events: [string, unknown][], json: unknown): [string, unknown][] {
  const t = mockThinking(json);
  if (!t) return events;
  const shift = (d: unknown): unknown =>
    isObj(d) && typeof d.index === 'number' ? { ...d, index: d.index + 1 } : d;
  const half = Math.ceil(t.thinking.length / 2);
  const thinking: [string, unknown][] = [
    [
      'content_block_start',
      {
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'thinking', thinking: '', signature: '' },
      },
    ],
    ...[t.thinking.slice(0, half), t.thinking.slice(half)].map((piece): [string, unknown] => [
      'content_block_delta',
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: piece } },
    ]),
    [
      'content_block_delta',
      { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: t.signature } },
    ],
    ['content_block_stop', { type: 'content_block_stop', index: 0 }],
  ];
  const [first, ...rest] = events;
  return first ? [first, ...thinking, ...rest.map(([e, d]): [string, unknown] => [e, shift(d)])] : events;
}

/** The 400 body the provider would answer for this request, or undefined when it takes it. */
export function ruleViolation(
  route: 'openai' | 'anthropic' | 'gemini',
  json: unknown,
  azure = false,
): unknown {
  if (route === 'anthropic') {
    const problems = anthropicRequestProblems(json, { verifySignature: verifyThinkingSignature });
    if (problems.length === 0) return undefined;
    return { type: 'error', error: { type: 'invalid_request_error', message: problems.join('; ') } };
  }
  if (route === 'openai') {
    // Mistral's models on the OpenAI-shaped path get Mistral's rules (rules/mistral.ts).
    const mistral = !azure && isObj(json) && isMistralModel(json.model);
    const problems = mistral ? mistralRequestProblems(json) : openaiRequestProblems(json, { azure });
    if (problems.length === 0) return undefined;
    return {
      error: { message: problems.join('; '), type: 'invalid_request_error', param: null, code: null },
    };
  }
  return undefined;
}

/**
 * The mock's Gemini thinking and request rules, kept out of server.ts.
 *
 * - A request with `generationConfig.thinkingConfig.includeThoughts` and a budget other than 0 gets a thought
 *   part (`thought: true`) before the answer, and the answer's first part carries a `thoughtSignature` (as
 *   Gemini 2.5/3 do); `usageMetadata.thoughtsTokenCount` counts the thought. Streams get the thought in the
 *   first chunk.
 * - Gemini 3 models always think, so their answer's first part is signed even when no thoughts were asked
 *   for (Gemini 3 returns a signature with every function call, and on the last part of a text answer).
 * - Every JSON request is checked against Gemini's documented 400 rules (rules/gemini.ts).
 */
import { geminiRequestProblems } from './rules/gemini.js';
import { signThinking } from './rules/signature.js';
import { MOCK_THINKING } from './anthropic-thinking.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const thoughtTokens = Math.ceil(Buffer.byteLength(MOCK_THINKING) / 4);

function wantsThoughts(request: unknown): boolean {
  const gc = isObj(request) ? request.generationConfig : undefined;
  const tc = isObj(gc) ? gc.thinkingConfig : undefined;
  return isObj(tc) && tc.includeThoughts === true && tc.thinkingBudget !== 0;
}

/** Adds the thought part, the signature and the thought token count to one response object. */
function addThought(response: unknown, withPart: boolean): unknown {
  if (!isObj(response) || !Array.isArray(response.candidates)) return response;
  const cand: unknown = response.candidates[0];
  const content = isObj(cand) ? cand.content : undefined;
  if (!isObj(cand) || !isObj(content) || !Array.isArray(content.parts)) return response;
  const [first, ...rest] = content.parts as unknown[];
  const signed =
    isObj(first) && withPart ? [{ ...first, thoughtSignature: signThinking(MOCK_THINKING) }] : [first];
  const parts = withPart ? [{ text: MOCK_THINKING, thought: true }, ...signed, ...rest] : content.parts;
  const usage = isObj(response.usageMetadata) ? response.usageMetadata : {};
  const total = typeof usage.totalTokenCount === 'number' ? usage.totalTokenCount + thoughtTokens : undefined;
  return {
    ...response,
    candidates: [{ ...cand, content: { ...content, parts } }, ...response.candidates.slice(1)],
    usageMetadata: {
      ...usage,
      thoughtsTokenCount: thoughtTokens,
      ...(total === undefined ? {} : { totalTokenCount: total }),
    },
  };
}

const ALWAYS_SIGNS = /gemini-3/i;

/** The signature alone on a response's first part (a Gemini 3 answer without thoughts asked for). */
function addSignature(response: unknown): unknown {
  if (!isObj(response) || !Array.isArray(response.candidates)) return response;
  const cand: unknown = response.candidates[0];
  const content = isObj(cand) ? cand.content : undefined;
  if (!isObj(cand) || !isObj(content) || !Array.isArray(content.parts)) return response;
  const [first, ...rest] = content.parts as unknown[];
  if (!isObj(first)) return response;
  const parts = [{ ...first, thoughtSignature: signThinking(MOCK_THINKING) }, ...rest];
  return {
    ...response,
    candidates: [{ ...cand, content: { ...content, parts } }, ...response.candidates.slice(1)],
  };
}

/** A generateContent response with thinking, when the request asked for thoughts (signed for Gemini 3). */
export function withGeminiThoughts(response: unknown, request: unknown, model = ''): unknown {
  if (wantsThoughts(request)) return addThought(response, true);
  return ALWAYS_SIGNS.test(model) ? addSignature(response) : response;
}

/** Stream chunks with thinking: the thought in the first chunk, the thought count in every chunk's usage. */
export function withGeminiThoughtChunks(chunks: unknown[], request: unknown, model = ''): unknown[] {
  if (!wantsThoughts(request)) {
    return ALWAYS_SIGNS.test(model) ? chunks.map((c, i) => (i === 0 ? addSignature(c) : c)) : chunks;
  }
  return chunks.map((c, i) => addThought(c, i === 0));
}

/** The 400 body Gemini would answer for this request, or undefined when it takes it. */
export function geminiRuleViolation(route: string, json: unknown, model = ''): unknown {
  if (route !== 'gemini') return undefined;
  const problems = geminiRequestProblems(json, model);
  if (problems.length === 0) return undefined;
  return { error: { code: 400, message: problems.join('; '), status: 'INVALID_ARGUMENT' } };
}

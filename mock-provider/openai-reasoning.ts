/**
 * The mock's reasoning text for OpenAI-compatible requests, kept out of server.ts: a request with
 * `reasoning_effort` other than none gets `reasoning_content` on the message (and as the first delta of a
 * stream, right after the role chunk), as OpenAI-compatible reasoning servers (vLLM, DeepSeek) send it, and
 * `usage.completion_tokens_details.reasoning_tokens` counts it.
 */
import { MOCK_THINKING } from './anthropic-thinking.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const reasoningTokens = Math.ceil(Buffer.byteLength(MOCK_THINKING) / 4);

function wantsReasoning(request: unknown): boolean {
  const e = isObj(request) ? request.reasoning_effort : undefined;
  return typeof e === 'string' && e !== 'none';
}

function withReasoningUsage(usage: unknown): unknown {
  if (!isObj(usage)) return usage;
  const details = isObj(usage.completion_tokens_details) ? usage.completion_tokens_details : {};
  return { ...usage, completion_tokens_details: { ...details, reasoning_tokens: reasoningTokens } };
}

/** A chat.completion with reasoning, when the request asked for it. */
export function withOpenAIReasoning(completion: unknown, request: unknown): unknown {
  if (!wantsReasoning(request) || !isObj(completion) || !Array.isArray(completion.choices)) return completion;
  const choices = completion.choices.map((c: unknown) =>
    isObj(c) && isObj(c.message) ? { ...c, message: { ...c.message, reasoning_content: MOCK_THINKING } } : c,
  );
  return { ...completion, choices, usage: withReasoningUsage(completion.usage) };
}

/** Whether a chunk carries answer content or tool calls (reasoning comes before those). */
function answers(chunk: unknown): boolean {
  const choices: unknown = isObj(chunk) ? chunk.choices : undefined;
  if (!Array.isArray(choices)) return false;
  return choices.some((c: unknown) => {
    const d = isObj(c) ? c.delta : undefined;
    return isObj(d) && (d.tool_calls !== undefined || (typeof d.content === 'string' && d.content !== ''));
  });
}

/** Stream chunks with a reasoning delta before the first answer delta, and reasoning tokens in the usage. */
export function withOpenAIReasoningChunks(chunks: unknown[], request: unknown): unknown[] {
  const first = chunks.find((c) => isObj(c) && Array.isArray(c.choices) && c.choices.length > 0);
  if (!wantsReasoning(request) || !isObj(first)) return chunks;
  const reasoning: Obj = {
    ...first,
    choices: [{ index: 0, delta: { reasoning_content: MOCK_THINKING }, logprobs: null, finish_reason: null }],
  };
  if ('usage' in first) reasoning.usage = null;
  const out = chunks.map((c) =>
    isObj(c) && isObj(c.usage) ? { ...c, usage: withReasoningUsage(c.usage) } : c,
  );
  const at = out.findIndex(answers);
  out.splice(at === -1 ? out.length : at, 0, reasoning);
  return out;
}

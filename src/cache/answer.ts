/**
 * What may be stored, in one canonical form: an OpenAI chat.completion with one choice, its text,
 * its tool calls when the route allows them, its finish reason and usage. Anything else (several
 * choices, a truncated answer, content that is not text, reasoning blocks) is not stored.
 */
import type { CacheEntry } from './types.js';

type Json = Record<string, unknown>;

export interface ToolCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: string;
}

/** The parts of an answer the cache keeps. */
export interface Answer {
  readonly text: string;
  readonly toolCalls: readonly ToolCall[];
  /** Canonical: 'stop' or 'tool_calls'. */
  readonly finish: 'stop' | 'tool_calls';
  readonly model: string;
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** The provider's usage object as the client saw it (kept whole: cached and reasoning details). */
  readonly usage?: Json;
}

/** A stored answer over this many characters is not worth the memory. */
export const MAX_ANSWER_CHARS = 256 * 1024;

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The entry for an answer, or undefined when it must not be stored. */
export function toEntry(a: Answer, allowToolCalls: boolean): CacheEntry | undefined {
  if (a.toolCalls.length > 0 && !allowToolCalls) return undefined;
  if (a.finish === 'tool_calls' && a.toolCalls.length === 0) return undefined;
  let size = a.text.length;
  for (const t of a.toolCalls) size += t.arguments.length + t.name.length;
  if (size > MAX_ANSWER_CHARS) return undefined;
  const message: Json = { role: 'assistant', content: a.text };
  if (a.toolCalls.length > 0) {
    message.content = a.text === '' ? null : a.text;
    message.tool_calls = a.toolCalls.map((t) => ({
      id: t.id,
      type: 'function',
      function: { name: t.name, arguments: t.arguments },
    }));
  }
  return {
    completion: {
      object: 'chat.completion',
      model: a.model,
      choices: [{ index: 0, message, finish_reason: a.finish, logprobs: null }],
      usage: a.usage ?? {
        prompt_tokens: a.promptTokens,
        completion_tokens: a.completionTokens,
        total_tokens: a.promptTokens + a.completionTokens,
      },
    },
    promptTokens: a.promptTokens,
    completionTokens: a.completionTokens,
    model: a.model,
  };
}

/** An OpenAI chat.completion (the canonical form of a translated exchange). */
export function openaiAnswer(c: Json): Answer | undefined {
  const choices = c.choices;
  if (!Array.isArray(choices) || choices.length !== 1) return undefined;
  const choice = choices[0] as unknown;
  if (!isObj(choice) || !isObj(choice.message)) return undefined;
  const finish = choice.finish_reason;
  if (finish !== 'stop' && finish !== 'tool_calls') return undefined;
  const m = choice.message;
  // A refusal, audio or reasoning is more than the cache renders back: not stored.
  if (m.refusal || m.audio || m.reasoning_content || m.reasoning) return undefined;
  if (m.content !== null && m.content !== undefined && typeof m.content !== 'string') return undefined;
  const toolCalls: ToolCall[] = [];
  if (Array.isArray(m.tool_calls))
    for (const t of m.tool_calls as unknown[]) {
      if (!isObj(t) || !isObj(t.function)) return undefined;
      const f = t.function;
      if (typeof t.id !== 'string' || typeof f.name !== 'string' || typeof f.arguments !== 'string')
        return undefined;
      toolCalls.push({ id: t.id, name: f.name, arguments: f.arguments });
    }
  const u = isObj(c.usage) ? c.usage : {};
  return {
    text: typeof m.content === 'string' ? m.content : '',
    toolCalls,
    finish,
    model: typeof c.model === 'string' ? c.model : '',
    promptTokens: num(u.prompt_tokens),
    completionTokens: num(u.completion_tokens),
    ...(isObj(c.usage) ? { usage: c.usage } : {}),
  };
}

/** An Anthropic message (the canonical form of a native Anthropic exchange). */
export function anthropicAnswer(c: Json): Answer | undefined {
  const stop = c.stop_reason;
  if (stop !== 'end_turn' && stop !== 'tool_use') return undefined;
  if (!Array.isArray(c.content)) return undefined;
  let text = '';
  const toolCalls: ToolCall[] = [];
  for (const b of c.content as unknown[]) {
    if (!isObj(b)) return undefined;
    if (b.type === 'text' && typeof b.text === 'string') text += b.text;
    else if (b.type === 'tool_use' && typeof b.id === 'string' && typeof b.name === 'string')
      toolCalls.push({ id: b.id, name: b.name, arguments: JSON.stringify(b.input ?? {}) });
    else return undefined; // thinking, citations, server tools: not rendered back faithfully
  }
  const u = isObj(c.usage) ? c.usage : {};
  return {
    text,
    toolCalls,
    finish: stop === 'tool_use' ? 'tool_calls' : 'stop',
    model: typeof c.model === 'string' ? c.model : '',
    promptTokens: num(u.input_tokens) + num(u.cache_read_input_tokens) + num(u.cache_creation_input_tokens),
    completionTokens: num(u.output_tokens),
  };
}

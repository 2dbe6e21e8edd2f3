/**
 * Brings OpenAI-compatible dialects to the canonical OpenAI shape, so client encoders see one format:
 * - Mistral (Magistral) sends `content` as an array of `text` and `thinking` parts: joined into `content`
 *   and `reasoning_content`.
 * - Mistral omits `type` on tool calls, and `index` on streamed tool calls (each call arrives whole):
 *   `type: "function"` is added, and streamed calls are numbered per choice.
 * - Ollama names the reasoning text `reasoning`: renamed `reasoning_content`.
 * - Gemini's endpoint leaves thinking tokens out of completion_tokens: usage made whole (any dialect).
 * Objects are copied where changed; the input is never mutated.
 */
import type { Json } from '../translate/types.js';
import { asArray, asObj, isObj } from '../../json.js';
import { withHiddenReasoning } from '../usage/openai.js';

/** Text of a Mistral `thinking` part: `thinking` is a string or an array of text parts. */
function thinkingText(v: unknown): string {
  if (typeof v === 'string') return v;
  let out = '';
  for (const p of asArray(v)) {
    const r = asObj(p);
    if (typeof r?.text === 'string') out += r.text;
  }
  return out;
}

/** Splits array content into text and reasoning; returns the message/delta unchanged for string content. */
function flattenContent(m: Json): Json {
  if (!Array.isArray(m.content)) return m;
  let text = '';
  let reasoning = '';
  let sawText = false;
  for (const p of m.content) {
    const part = asObj(p);
    if (part === undefined) continue;
    if (part.type === 'thinking') reasoning += thinkingText(part.thinking);
    else if (typeof part.text === 'string') {
      text += part.text;
      sawText = true;
    }
  }
  const out: Json = { ...m, content: sawText ? text : null };
  if (reasoning !== '') {
    const prev = typeof m.reasoning_content === 'string' ? m.reasoning_content : '';
    out.reasoning_content = prev + reasoning;
  }
  return out;
}

function renameReasoning(m: Json): Json {
  if (typeof m.reasoning !== 'string' || m.reasoning_content !== undefined) return m;
  const { reasoning, ...rest } = m;
  return { ...rest, reasoning_content: reasoning };
}

/** Tool calls with `type` (and, when `nextIndex` is given, `index`) filled in. */
function fixToolCalls(m: Json, nextIndex?: (call: Json) => number): Json {
  if (!Array.isArray(m.tool_calls)) return m;
  const calls = (m.tool_calls as unknown[]).map((c) => {
    if (!isObj(c)) return c;
    let out = c;
    if (out.type === undefined && isObj(out.function)) out = { ...out, type: 'function' };
    if (nextIndex !== undefined && typeof out.index !== 'number') out = { ...out, index: nextIndex(out) };
    return out;
  });
  return { ...m, tool_calls: calls };
}

export type Dialect = 'openai' | 'mistral' | 'ollama';

function normalizeMessage(dialect: Dialect, m: Json, nextIndex?: (call: Json) => number): Json {
  switch (dialect) {
    case 'mistral':
      return fixToolCalls(flattenContent(m), nextIndex);
    case 'ollama':
      return renameReasoning(m);
    case 'openai':
      return m;
  }
}

function mapChoices(obj: Json, key: 'message' | 'delta', f: (m: Json, choiceIndex: number) => Json): Json {
  if (!Array.isArray(obj.choices)) return obj;
  const choices = (obj.choices as unknown[]).map((c, pos) => {
    const choice = asObj(c);
    const m = asObj(choice?.[key]);
    if (choice === undefined || m === undefined) return c;
    const index = typeof choice.index === 'number' ? choice.index : pos;
    return { ...choice, [key]: f(m, index) };
  });
  return { ...obj, choices };
}

/** A non-streaming chat.completion in canonical shape. */
export function openAICompatToOpenAIResponse(dialect: Dialect, body: Json): Json {
  const whole = withUsageWhole(body);
  if (dialect === 'openai') return whole;
  return mapChoices(whole, 'message', (m) => normalizeMessage(dialect, m));
}

/** The body with its usage made whole (see withHiddenReasoning); the same object when nothing changes. */
function withUsageWhole(obj: Json): Json {
  const usage = withHiddenReasoning(obj.usage);
  return usage === obj.usage ? obj : { ...obj, usage: usage };
}

/** Per-stream chunk normalizer (keeps the tool-call numbering state of one stream). */
export class ChunkNormalizer {
  /** Per choice index: the number of tool calls seen so far. */
  private readonly toolCalls = new Map<number, number>();
  constructor(private readonly dialect: Dialect) {}

  chunk(chunk: Json): Json {
    const c = withUsageWhole(chunk);
    if (this.dialect === 'openai') return c;
    return mapChoices(c, 'delta', (d, choice) =>
      normalizeMessage(this.dialect, d, (call) => this.indexFor(choice, call)),
    );
  }

  /** A call with an id starts a new tool call; one without continues the last. */
  private indexFor(choice: number, call: Json): number {
    const seen = this.toolCalls.get(choice) ?? 0;
    if (typeof call.id === 'string' || seen === 0) {
      this.toolCalls.set(choice, seen + 1);
      return seen;
    }
    return seen - 1;
  }
}

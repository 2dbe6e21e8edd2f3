/**
 * Streams are compared by what a client assembles from them: each SSE stream (theirs from the
 * snapshot, ours from our encoder) is folded into the answer a client SDK would build, the same way
 * for both, and the two answers go through the same comparison as non-streamed ones. Chunk
 * boundaries, `created` stamps and per-chunk boilerplate therefore never count; content, tool calls,
 * reasoning, stop reasons and usage do.
 */
import { isObj } from '../../src/json.js';
import type { JsonObject } from '../../src/json.js';

export interface SseEvent {
  readonly event?: string;
  readonly data: unknown;
}

/**
 * SSE text → events with JSON data (`[DONE]` dropped). A snapshot's trailing summary (a JSON object
 * after the stream, agentgateway's own bookkeeping) is not an event and is left out.
 */
export function parseSse(text: string): SseEvent[] {
  const out: SseEvent[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    const joined = data.join('\n');
    if (data.length === 0 || joined === '[DONE]') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(joined) as unknown;
    } catch {
      parsed = joined;
    }
    out.push(event === undefined ? { data: parsed } : { event, data: parsed });
  }
  return out;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** OpenAI chat chunks → the chat.completion a client assembles (content, reasoning, tool calls). */
export function foldChat(events: readonly SseEvent[]): JsonObject {
  let model: unknown;
  let usage: unknown;
  const choices = new Map<number, { msg: JsonObject; finish: unknown; calls: Map<number, JsonObject> }>();
  for (const { data } of events) {
    if (!isObj(data)) continue;
    if (data.model !== undefined) model = data.model;
    if (isObj(data.usage)) usage = data.usage;
    for (const c of Array.isArray(data.choices) ? data.choices : []) {
      if (!isObj(c)) continue;
      const index = typeof c.index === 'number' ? c.index : 0;
      const slot = choices.get(index) ?? {
        msg: { role: 'assistant' },
        finish: null,
        calls: new Map<number, JsonObject>(),
      };
      choices.set(index, slot);
      if (c.finish_reason !== undefined && c.finish_reason !== null) slot.finish = c.finish_reason;
      const d = isObj(c.delta) ? c.delta : {};
      for (const [k, v] of Object.entries(d)) {
        if (k === 'role' || v === null || v === undefined) continue;
        if (k === 'tool_calls' && Array.isArray(v)) foldCalls(slot.calls, v);
        else if (typeof v === 'string') slot.msg[k] = str(slot.msg[k]) + v;
        else if (Array.isArray(v)) slot.msg[k] = [...(Array.isArray(slot.msg[k]) ? slot.msg[k] : []), ...v];
        else slot.msg[k] = v;
      }
    }
  }
  const out: JsonObject = {
    object: 'chat.completion',
    choices: [...choices].map(([index, s]) => {
      const msg = { ...s.msg };
      if (s.calls.size > 0) msg.tool_calls = [...s.calls.values()];
      // OpenAI's first chunk carries `content: ""`: an answer with no text has null content.
      if (!('content' in msg) || msg.content === '') msg.content = null;
      return { index, message: msg, finish_reason: s.finish };
    }),
  };
  if (model !== undefined) out.model = model;
  if (usage !== undefined) out.usage = usage;
  return out;
}

function foldCalls(calls: Map<number, JsonObject>, deltas: readonly unknown[]): void {
  for (const t of deltas) {
    if (!isObj(t)) continue;
    // Some providers leave out `index` on single-call chunks: the call then continues the last one.
    const index = typeof t.index === 'number' ? t.index : Math.max(0, calls.size - 1);
    const call = calls.get(index) ?? { id: '', type: 'function', function: { name: '', arguments: '' } };
    calls.set(index, call);
    if (typeof t.id === 'string') call.id = t.id;
    const f = isObj(t.function) ? t.function : {};
    const cf = call.function as JsonObject;
    if (typeof f.name === 'string') cf.name = str(cf.name) + f.name;
    if (typeof f.arguments === 'string') cf.arguments = str(cf.arguments) + f.arguments;
  }
}

/** Anthropic Messages events → the message a client assembles. */
export function foldMessages(events: readonly SseEvent[]): JsonObject {
  let msg: JsonObject = {};
  const blocks: JsonObject[] = [];
  const partialJson = new Map<number, string>();
  for (const { data } of events) {
    if (!isObj(data)) continue;
    const index = typeof data.index === 'number' ? data.index : -1;
    switch (data.type) {
      case 'message_start':
        msg = isObj(data.message) ? { ...data.message } : {};
        break;
      case 'content_block_start':
        if (isObj(data.content_block)) blocks[index] = { ...data.content_block };
        break;
      case 'content_block_delta':
        applyBlockDelta(blocks[index], data.delta, (s) =>
          partialJson.set(index, (partialJson.get(index) ?? '') + s),
        );
        break;
      case 'content_block_stop': {
        const b = blocks[index];
        const json = partialJson.get(index);
        if (b && (b.type === 'tool_use' || b.type === 'server_tool_use') && json !== undefined)
          b.input = parseOr(json);
        break;
      }
      case 'message_delta': {
        const d = isObj(data.delta) ? data.delta : {};
        msg = { ...msg, ...d };
        if (isObj(data.usage)) msg.usage = { ...(isObj(msg.usage) ? msg.usage : {}), ...data.usage };
        break;
      }
      default:
    }
  }
  return { ...msg, content: blocks.filter((b) => b !== undefined) };
}

function applyBlockDelta(block: JsonObject | undefined, delta: unknown, json: (s: string) => void): void {
  if (!block || !isObj(delta)) return;
  switch (delta.type) {
    case 'text_delta':
      block.text = str(block.text) + str(delta.text);
      break;
    case 'thinking_delta':
      block.thinking = str(block.thinking) + str(delta.thinking);
      break;
    case 'signature_delta':
      block.signature = str(block.signature) + str(delta.signature);
      break;
    case 'input_json_delta':
      json(str(delta.partial_json));
      break;
    case 'citations_delta':
      block.citations = [...(Array.isArray(block.citations) ? block.citations : []), delta.citation ?? null];
      break;
    default:
  }
}

function parseOr(text: string): unknown {
  if (text === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);

/**
 * Responses events → the final response: the terminal event's `response`, its `output` as the
 * `response.output_item.done` items when the terminal event leaves it empty.
 */
export function foldResponses(events: readonly SseEvent[]): JsonObject {
  const items: JsonObject[] = [];
  let final: JsonObject = {};
  for (const { data } of events) {
    if (!isObj(data)) continue;
    if (data.type === 'response.output_item.done' && isObj(data.item)) items.push(data.item);
    if (typeof data.type === 'string' && TERMINAL.has(data.type) && isObj(data.response))
      final = { ...data.response };
  }
  const output = Array.isArray(final.output) ? final.output : [];
  if (output.length === 0 && items.length > 0) final.output = items;
  return final;
}

/** The fold for a client API's stream, by agentgateway's client name. */
export const FOLDS: Readonly<Record<string, (events: readonly SseEvent[]) => JsonObject>> = {
  completions: foldChat,
  messages: foldMessages,
  responses: foldResponses,
};

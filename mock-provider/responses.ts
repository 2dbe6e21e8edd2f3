/**
 * OpenAI Responses API (`POST /v1/responses`) for the mock provider: a `response` object, or SSE with
 * the typed events (response.created … response.completed, numbered by sequence_number), as
 * OpenAI sends them. With function tools and a last user message that mentions the weather, the
 * answer is a function_call item; with `reasoning` asked, a reasoning item with a summary comes
 * first. A request OpenAI would refuse (rules/openai-responses.ts) gets its 400.
 * Usage follows the mock's formula (4 UTF-8 bytes per token).
 */
import type { ServerResponse } from 'node:http';
import { responsesRequestProblems } from './rules/openai-responses.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const tokens = (s: string): number => Math.ceil(Buffer.byteLength(s) / 4);

export const RESPONSES_TEXT =
  'Responses here: the gateway reached the Responses API, and this answer came back.';
export const RESPONSES_SUMMARY = 'The user wants a short answer; keep it brief.';
export const RESPONSES_TOOL_ARGS = '{"location":"Paris"}';

/** All prompt text: instructions, and input (a string, or the text of its message items). */
function promptText(body: Obj): string {
  let out = typeof body.instructions === 'string' ? body.instructions : '';
  if (typeof body.input === 'string') return out + body.input;
  for (const item of Array.isArray(body.input) ? body.input : []) {
    if (!isObj(item)) continue;
    if (typeof item.content === 'string') out += item.content;
    for (const p of Array.isArray(item.content) ? item.content : [])
      if (isObj(p) && typeof p.text === 'string') out += p.text;
    if (typeof item.output === 'string') out += item.output;
  }
  return out;
}

function lastUserText(body: Obj): string {
  if (typeof body.input === 'string') return body.input;
  const items = Array.isArray(body.input) ? body.input : [];
  const last = items.at(-1);
  if (!isObj(last) || (last.type ?? 'message') !== 'message' || last.role !== 'user') return '';
  return promptText({ input: [last] });
}

function toolName(body: Obj): string | undefined {
  for (const t of Array.isArray(body.tools) ? body.tools : [])
    if (isObj(t) && t.type === 'function' && typeof t.name === 'string') return t.name;
  return undefined;
}

function output(body: Obj, seq: string): Obj[] {
  const items: Obj[] = [];
  if (isObj(body.reasoning) && body.reasoning.effort !== 'none')
    items.push({
      id: `rs_mock${seq}`,
      type: 'reasoning',
      summary: [{ type: 'summary_text', text: RESPONSES_SUMMARY }],
    });
  const tool = toolName(body);
  if (tool !== undefined && /weather/i.test(lastUserText(body)))
    items.push({
      id: `fc_mock${seq}`,
      type: 'function_call',
      status: 'completed',
      arguments: RESPONSES_TOOL_ARGS,
      call_id: `call_mock${seq}`,
      name: tool,
    });
  else
    items.push({
      id: `msg_mock${seq}`,
      type: 'message',
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text: RESPONSES_TEXT, annotations: [], logprobs: [] }],
    });
  return items;
}

function usageOf(body: Obj, items: Obj[]): Obj {
  const input = tokens(promptText(body));
  let out = 0;
  let reasoning = 0;
  for (const it of items) {
    if (it.type === 'reasoning') reasoning += tokens(RESPONSES_SUMMARY);
    if (it.type === 'function_call') out += tokens(`${String(it.name)}${RESPONSES_TOOL_ARGS}`);
    if (it.type === 'message') out += tokens(RESPONSES_TEXT);
  }
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: out + reasoning,
    output_tokens_details: { reasoning_tokens: reasoning },
    total_tokens: input + out + reasoning,
  };
}

function pieces(s: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size));
  return out;
}

/** The typed events of one response, in OpenAI's order. */
function events(response: Obj, items: Obj[]): Obj[] {
  const out: Obj[] = [];
  const start = { ...response, status: 'in_progress', output: [], usage: null };
  out.push({ type: 'response.created', response: start }, { type: 'response.in_progress', response: start });
  items.forEach((item, output_index) => {
    const id = item.id;
    if (item.type === 'reasoning') {
      const text = RESPONSES_SUMMARY;
      const at = { item_id: id, output_index, summary_index: 0 };
      out.push({ type: 'response.output_item.added', output_index, item: { ...item, summary: [] } });
      out.push({
        type: 'response.reasoning_summary_part.added',
        ...at,
        part: { type: 'summary_text', text: '' },
      });
      for (const delta of pieces(text, 12))
        out.push({ type: 'response.reasoning_summary_text.delta', ...at, delta });
      out.push({ type: 'response.reasoning_summary_text.done', ...at, text });
      out.push({ type: 'response.reasoning_summary_part.done', ...at, part: { type: 'summary_text', text } });
    } else if (item.type === 'function_call') {
      out.push({
        type: 'response.output_item.added',
        output_index,
        item: { ...item, arguments: '', status: 'in_progress' },
      });
      for (const delta of pieces(RESPONSES_TOOL_ARGS, 6))
        out.push({ type: 'response.function_call_arguments.delta', item_id: id, output_index, delta });
      out.push({
        type: 'response.function_call_arguments.done',
        item_id: id,
        output_index,
        name: item.name,
        arguments: RESPONSES_TOOL_ARGS,
      });
    } else {
      const part = { type: 'output_text', text: '', annotations: [], logprobs: [] };
      const at = { item_id: id, output_index, content_index: 0 };
      out.push({
        type: 'response.output_item.added',
        output_index,
        item: { ...item, status: 'in_progress', content: [] },
      });
      out.push({ type: 'response.content_part.added', ...at, part });
      for (const delta of pieces(RESPONSES_TEXT, 10))
        out.push({ type: 'response.output_text.delta', ...at, delta, logprobs: [] });
      out.push({ type: 'response.output_text.done', ...at, text: RESPONSES_TEXT, logprobs: [] });
      out.push({ type: 'response.content_part.done', ...at, part: { ...part, text: RESPONSES_TEXT } });
    }
    out.push({ type: 'response.output_item.done', output_index, item });
  });
  out.push({ type: 'response.completed', response });
  return out.map((e, sequence_number) => ({ ...e, sequence_number }));
}

/** Answers a Responses request; false when the path is not /v1/responses. */
export function handleResponses(path: string, json: unknown, seq: string, res: ServerResponse): boolean {
  if (!path.endsWith('/v1/responses')) return false;
  const problems = responsesRequestProblems(json);
  if (problems.length > 0 || !isObj(json)) {
    const error = { message: problems.join(' '), type: 'invalid_request_error', param: null, code: null };
    res.writeHead(400, { 'content-type': 'application/json', 'x-mock-provider': 'openai-responses' });
    res.end(JSON.stringify({ error }));
    return true;
  }
  const items = output(json, seq);
  const response: Obj = {
    id: `resp_mock${seq}`,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status: 'completed',
    error: null,
    incomplete_details: null,
    instructions: json.instructions ?? null,
    model: json.model,
    output: items,
    parallel_tool_calls: true,
    previous_response_id: json.previous_response_id ?? null,
    store: json.store ?? true,
    usage: usageOf(json, items),
  };
  if (json.stream !== true) {
    res.writeHead(200, { 'content-type': 'application/json', 'x-mock-provider': 'openai-responses' });
    res.end(JSON.stringify(response));
    return true;
  }
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'x-mock-provider': 'openai-responses',
  });
  res.end(
    events(response, items)
      .map((e) => `event: ${String(e.type)}\ndata: ${JSON.stringify(e)}\n\n`)
      .join(''),
  );
  return true;
}

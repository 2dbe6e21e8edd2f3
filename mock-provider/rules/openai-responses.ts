/**
 * OpenAI Responses API (`POST /v1/responses`): the request rules OpenAI documents and enforces with a
 * 400 invalid_request_error. Pure: a body in, the problems out (empty: OpenAI would take it). Tests
 * check every request the gateway sends to a Responses upstream with it.
 *
 * Sources: the Responses API reference (create a model response: input items, tools, text.format,
 * reasoning), and the function-calling guide (function_call_output needs the call's call_id).
 */
import { OPENAI_REASONING_EFFORTS } from './openai.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const ROLES = new Set(['user', 'assistant', 'system', 'developer']);
const ITEMS = new Set([
  'message',
  'function_call',
  'function_call_output',
  'reasoning',
  'item_reference',
  'web_search_call',
  'file_search_call',
  'computer_call',
  'computer_call_output',
  'custom_tool_call',
  'custom_tool_call_output',
]);
/** Chat Completions fields the Responses API does not take. */
const CHAT_ONLY = [
  'messages',
  'max_tokens',
  'max_completion_tokens',
  'response_format',
  'stream_options.include_usage',
];

function checkInput(input: unknown, stateful: boolean, out: string[]): void {
  if (typeof input === 'string') return;
  if (!Array.isArray(input)) return void out.push("Invalid 'input': expected a string or an array of items.");
  const calls = new Set<string>();
  input.forEach((raw, i) => {
    if (!isObj(raw)) return void out.push(`Invalid 'input[${i}]': expected an object.`);
    const type = raw.type ?? 'message';
    if (typeof type !== 'string' || !ITEMS.has(type))
      return void out.push(`Invalid value for 'input[${i}].type': ${JSON.stringify(type)}.`);
    if (type === 'message' && !ROLES.has(String(raw.role)))
      out.push(`Invalid value for 'input[${i}].role': ${JSON.stringify(raw.role)}.`);
    if (type === 'function_call') {
      if (
        typeof raw.call_id !== 'string' ||
        typeof raw.name !== 'string' ||
        typeof raw.arguments !== 'string'
      )
        out.push(`Missing required parameter: 'input[${i}].call_id', 'name' and 'arguments'.`);
      else calls.add(raw.call_id);
    }
    if (type === 'function_call_output') {
      if (typeof raw.call_id !== 'string') out.push(`Missing required parameter: 'input[${i}].call_id'.`);
      else if (!calls.has(raw.call_id) && !stateful)
        out.push(`No tool call found for function call output with call_id ${raw.call_id}.`);
    }
  });
}

function checkTools(tools: unknown, out: string[]): void {
  if (tools === undefined) return;
  if (!Array.isArray(tools)) return void out.push("Invalid 'tools': expected an array.");
  tools.forEach((t, i) => {
    // Responses function tools are flat ({type, name, parameters}), not Chat's {type, function}.
    if (isObj(t) && t.type === 'function' && (typeof t.name !== 'string' || 'function' in t))
      out.push(`Missing required parameter: 'tools[${i}].name'.`);
  });
}

function checkText(text: unknown, out: string[]): void {
  if (text === undefined) return;
  const f = isObj(text) ? text.format : undefined;
  if (f === undefined) return;
  if (!isObj(f)) return void out.push("Invalid 'text.format': expected an object.");
  if (f.type === 'json_schema' && (typeof f.name !== 'string' || !isObj(f.schema)))
    out.push("Missing required parameter: 'text.format.name' and 'text.format.schema'.");
}

export function responsesRequestProblems(body: unknown): string[] {
  if (!isObj(body)) return ['The request body must be a JSON object.'];
  const out: string[] = [];
  if (typeof body.model !== 'string' || body.model === '') out.push("Missing required parameter: 'model'.");
  if (body.input === undefined && body.previous_response_id === undefined)
    out.push("Missing required parameter: 'input'.");
  else if (body.input !== undefined)
    checkInput(body.input, typeof body.previous_response_id === 'string', out);
  for (const key of CHAT_ONLY) {
    const [a, b] = key.split('.') as [string, string | undefined];
    const v = body[a];
    if (v !== undefined && (b === undefined || (isObj(v) && b in v)))
      out.push(`Unknown parameter: '${key}'.`);
  }
  checkTools(body.tools, out);
  checkText(body.text, out);
  const mot = body.max_output_tokens;
  if (mot !== undefined && mot !== null && (!Number.isInteger(mot) || (mot as number) < 16))
    out.push("Invalid 'max_output_tokens': integer below minimum value 16.");
  const effort = isObj(body.reasoning) ? body.reasoning.effort : undefined;
  if (
    effort !== undefined &&
    effort !== null &&
    (typeof effort !== 'string' || !OPENAI_REASONING_EFFORTS.has(effort))
  )
    out.push(`Invalid value for 'reasoning.effort': ${JSON.stringify(effort)}.`);
  return out;
}

/**
 * OpenAI Responses request (client) → OpenAI chat completion request (canonical).
 *
 * `instructions` → a system message; `input` (a string, or items: messages, function_call,
 * function_call_output, reasoning) → messages; function tools → function tools; `text.format` →
 * `response_format`; `reasoning.effort` → `reasoning_effort`; `max_output_tokens` →
 * `max_completion_tokens`. A reasoning item goes back on the next assistant message as
 * `reasoning_content` plus the `thinking_blocks` it carried (see ../translate/thinking-carrier.ts).
 * Server-side state (`previous_response_id`, `store: true`, item references) needs OpenAI itself:
 * a 400 here, because this path only runs when the backend is not OpenAI.
 */
import { inputFilePart } from './input-file.js';
import type { Json, OpenAIChatRequest } from '../translate/types.js';
import { TranslationError } from '../translate/types.js';
import { THINKING_BLOCKS } from '../translate/reasoning.js';
import { asArray, asObj, asString } from '../../json.js';
import { decodeCarrier } from '../translate/thinking-carrier.js';
import { customCallArguments, customToolAsFunction } from './custom-tools.js';
import { namespacedName, namespaceToolFunctions } from './namespace-tools.js';
import type { GoogleSignature } from '../translate/google-signatures.js';
import { applyGoogleSignatures, decodeGoogleSignature } from '../translate/google-signatures.js';

/** Top-level fields the conversion consumes (or accepts as no-ops). Anything else is dropped and listed. */
const HANDLED = new Set([
  'model',
  'input',
  'instructions',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'text',
  'reasoning',
  'max_output_tokens',
  'temperature',
  'top_p',
  'user',
  'safety_identifier',
  'prompt_cache_key',
  'stream',
  'store',
]);

export const STATEFUL_MESSAGE =
  'previous_response_id and store: true need an OpenAI backend (the response state lives there); send the whole conversation in input with store: false';

const bad = (where: string, message: string): TranslationError =>
  new TranslationError(400, `${where}: ${message}`);

/** A message's content (string or parts) → chat content; images become image_url parts. */
function content(raw: unknown, where: string, dropped: Set<string>): unknown {
  if (typeof raw === 'string') return raw;
  if (!Array.isArray(raw)) throw bad(where, 'content must be a string or a list of parts');
  const parts: Json[] = [];
  asArray(raw).forEach((p, i) => {
    const part = asObj(p);
    switch (part?.type) {
      case 'input_text':
      case 'output_text':
      case 'text':
        parts.push({ type: 'text', text: asString(part.text) ?? '' });
        break;
      case 'refusal':
        parts.push({ type: 'text', text: asString(part.refusal) ?? '' });
        break;
      case 'input_image': {
        const url = asString(part.image_url);
        if (url === undefined) {
          dropped.add('input.input_image.file_id');
          break;
        }
        const image: Json = { url };
        if (typeof part.detail === 'string') image.detail = part.detail;
        parts.push({ type: 'image_url', image_url: image });
        break;
      }
      case 'input_file': {
        const file = inputFilePart(part);
        if (file) parts.push(file);
        else dropped.add('input.input_file');
        break;
      }
      default:
        if (part === undefined) throw bad(`${where}[${i}]`, 'a content part must be an object');
        dropped.add(`input.${typeof part.type === 'string' ? part.type : 'unknown'}`);
    }
  });
  // All text: one string, as every provider takes it.
  if (parts.every((p) => p.type === 'text')) return parts.map((p) => p.text as string).join('');
  return parts;
}

/** function_call_output's output: a string, or parts whose text is joined. */
function outputText(raw: unknown): string {
  if (typeof raw === 'string') return raw;
  return asArray(raw)
    .map((p) => asString(asObj(p)?.text) ?? '')
    .join('');
}

/** input items → chat messages. Consecutive calls (and the reasoning before them) form one assistant turn. */
function messages(input: unknown, dropped: Set<string>): Json[] {
  if (typeof input === 'string') return [{ role: 'user', content: input }];
  if (!Array.isArray(input)) throw bad('input', 'must be a string or a list of items');
  const out: Json[] = [];
  let pending: Json | undefined; // reasoning waiting for its assistant message
  const assistant = (): Json => {
    const last = out[out.length - 1];
    if (last?.role === 'assistant' && pending === undefined) return last;
    const msg: Json = { role: 'assistant', content: null, ...pending };
    pending = undefined;
    out.push(msg);
    return msg;
  };
  const signatures: { google: GoogleSignature; after: Json | undefined }[] = [];
  asArray(input).forEach((raw, i) => {
    const item = asObj(raw);
    const where = `input[${i}]`;
    if (item === undefined) throw bad(where, 'an item must be an object');
    const type = item.type ?? 'message';
    switch (type) {
      case 'message': {
        const role = asString(item.role);
        if (role !== 'user' && role !== 'assistant' && role !== 'system' && role !== 'developer')
          throw bad(where, 'role must be user, assistant, system or developer');
        const c = content(item.content, `${where}.content`, dropped);
        if (role === 'assistant') {
          const msg = assistant();
          const prev = msg.content;
          msg.content = typeof prev === 'string' && typeof c === 'string' ? prev + c : c;
        } else out.push({ role, content: c });
        break;
      }
      case 'function_call':
      case 'custom_tool_call': {
        const callId = asString(item.call_id);
        const own = asString(item.name);
        if (!callId || !own) throw bad(where, `a ${String(item.type)} needs call_id and name`);
        const namespace = asString(item.namespace);
        const name = namespace ? namespacedName(namespace, own) : own;
        const msg = assistant();
        const calls = Array.isArray(msg.tool_calls) ? (msg.tool_calls as Json[]) : [];
        const args = type === 'custom_tool_call' ? customCallArguments(item.input) : asString(item.arguments);
        calls.push({ id: callId, type: 'function', function: { name, arguments: args ?? '' } });
        msg.tool_calls = calls;
        break;
      }
      case 'function_call_output':
      case 'custom_tool_call_output': {
        const callId = asString(item.call_id);
        if (!callId) throw bad(where, `a ${String(item.type)} needs call_id`);
        out.push({ role: 'tool', tool_call_id: callId, content: outputText(item.output) });
        break;
      }
      case 'reasoning': {
        // A carried Gemini signature is not reasoning of a turn: it must not split the assistant turn.
        const google = decodeGoogleSignature(item.encrypted_content);
        if (google !== undefined) {
          signatures.push({ google, after: out[out.length - 1] });
          break;
        }
        const text = asArray(item.summary)
          .map((s) => asString(asObj(s)?.text) ?? '')
          .join('\n\n');
        const blocks = decodeCarrier(item.encrypted_content, 'input.reasoning.encrypted_content');
        // OpenAI's own encrypted reasoning means nothing to another provider (native on OpenAI).
        if (typeof item.encrypted_content === 'string' && blocks.length === 0)
          dropped.add('input.reasoning.encrypted_content');
        pending = { ...(text !== '' ? { reasoning_content: text } : {}) };
        if (blocks.length > 0) pending[THINKING_BLOCKS] = blocks;
        break;
      }
      case 'item_reference':
        throw new TranslationError(
          400,
          `${where}: item_reference needs stored responses. ${STATEFUL_MESSAGE}`,
        );
      default:
        dropped.add(`input.${typeof type === 'string' ? type : 'unknown'}`);
    }
  });
  restoreGoogleSignatures(out, signatures);
  return out;
}

/**
 * Carried Gemini signatures back on their calls (by id, in any assistant message) and texts (the
 * assistant message the carrier followed; see signatureItem in openai-to-responses.response.ts).
 */
function restoreGoogleSignatures(
  out: readonly Json[],
  signatures: readonly { google: GoogleSignature; after: Json | undefined }[],
): void {
  for (const { google, after } of signatures) {
    if (google.callId === undefined) {
      if (after?.role === 'assistant') applyGoogleSignatures(after, [google]);
      continue;
    }
    for (const msg of out) if (msg.role === 'assistant') applyGoogleSignatures(msg, [google]);
  }
}

function tools(raw: unknown, dropped: Set<string>): Json[] {
  const out: Json[] = [];
  asArray(raw).forEach((t, i) => {
    const tool = asObj(t);
    if (tool === undefined) throw bad(`tools[${i}]`, 'a tool must be an object');
    if (tool.type === 'namespace') {
      out.push(...namespaceToolFunctions(tool, `tools[${i}]`, dropped));
      return;
    }
    if (tool.type !== 'function' && tool.type !== 'custom') {
      dropped.add(`tools.${typeof tool.type === 'string' ? tool.type : 'unknown'}`);
      return;
    }
    const name = asString(tool.name);
    if (!name) throw bad(`tools[${i}]`, 'name must be a non-empty string');
    if (tool.type === 'custom') {
      out.push(customToolAsFunction(tool, name));
      return;
    }
    const fn: Json = { name, parameters: asObj(tool.parameters) ?? { type: 'object', properties: {} } };
    if (typeof tool.description === 'string') fn.description = tool.description;
    if (typeof tool.strict === 'boolean') fn.strict = tool.strict;
    out.push({ type: 'function', function: fn });
  });
  return out;
}

function toolChoice(raw: unknown): unknown {
  if (raw === 'auto' || raw === 'none' || raw === 'required') return raw;
  const c = asObj(raw);
  const name = asString(c?.name);
  const namespace = asString(c?.namespace);
  if ((c?.type === 'function' || c?.type === 'custom') && name)
    return { type: 'function', function: { name: namespace ? namespacedName(namespace, name) : name } };
  throw bad('tool_choice', 'must be auto, none, required or {type: "function" or "custom", name}');
}

/** text.format → response_format. */
function responseFormat(text: unknown, dropped: Set<string>): Json | undefined {
  const t = asObj(text);
  if (t === undefined) return undefined;
  for (const key of Object.keys(t)) if (key !== 'format') dropped.add(`text.${key}`);
  const f = asObj(t.format);
  if (f === undefined || f.type === 'text') return undefined;
  if (f.type === 'json_object') return { type: 'json_object' };
  const schema = asObj(f.schema);
  if (f.type !== 'json_schema' || schema === undefined)
    throw bad('text.format', 'type must be text, json_object, or json_schema with a schema');
  const js: Json = { name: asString(f.name) ?? 'response', schema };
  if (typeof f.strict === 'boolean') js.strict = f.strict;
  if (typeof f.description === 'string') js.description = f.description;
  return { type: 'json_schema', json_schema: js };
}

function num(body: Json, from: string, req: OpenAIChatRequest, to: string): void {
  const v = body[from];
  if (v === undefined || v === null) return;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(from, 'must be a number');
  req[to] = v;
}

/** Converts the request; `dropped` collects what the canonical form cannot carry. */
export function responsesToOpenAIRequest(body: Json, dropped: Set<string>): OpenAIChatRequest {
  if ((body.previous_response_id ?? null) !== null || body.store === true)
    throw new TranslationError(400, STATEFUL_MESSAGE);
  if (body.input === undefined || body.input === null) throw bad('input', 'is required');
  const req: OpenAIChatRequest = {};
  if (typeof body.model === 'string') req.model = body.model;
  const system: Json[] =
    typeof body.instructions === 'string' && body.instructions !== ''
      ? [{ role: 'system', content: body.instructions }]
      : [];
  req.messages = [...system, ...messages(body.input, dropped)];
  const fns = tools(body.tools, dropped);
  if (fns.length > 0) {
    req.tools = fns;
    if (body.tool_choice !== undefined && body.tool_choice !== null)
      req.tool_choice = toolChoice(body.tool_choice);
    if (typeof body.parallel_tool_calls === 'boolean') req.parallel_tool_calls = body.parallel_tool_calls;
  }
  const format = responseFormat(body.text, dropped);
  if (format) req.response_format = format;
  const reasoning = asObj(body.reasoning);
  if (typeof reasoning?.effort === 'string') req.reasoning_effort = reasoning.effort;
  num(body, 'max_output_tokens', req, 'max_completion_tokens');
  num(body, 'temperature', req, 'temperature');
  num(body, 'top_p', req, 'top_p');
  for (const key of ['user', 'safety_identifier', 'prompt_cache_key'])
    if (typeof body[key] === 'string') req[key] = body[key];
  if (body.stream === true) {
    req.stream = true;
    // Responses streams always end with the usage (response.completed).
    req.stream_options = { include_usage: true };
  }
  for (const [key, value] of Object.entries(body))
    if (!HANDLED.has(key) && key !== 'previous_response_id' && value !== undefined && value !== null)
      dropped.add(key);
  return req;
}

/**
 * OpenAI chat completion request (canonical) → OpenAI Responses request (upstream), for models OpenAI
 * serves only on /v1/responses. The gateway is stateless: `store: false`, the whole conversation in
 * `input`. Messages → items (assistant tool_calls → function_call items, tool messages →
 * function_call_output items); function tools flattened (strict false unless asked: Responses would
 * default it to true); response_format → text.format; reasoning_effort or a thinking budget →
 * reasoning.effort. Signed thinking blocks (Claude's) mean nothing to OpenAI: dropped and listed.
 */
import type { Json, OpenAIChatRequest, TranslatedRequest, UpstreamTarget } from '../translate/types.js';
import { TranslationError } from '../translate/types.js';
import { hasCacheControl } from '../translate/cache-control.js';
import { THINKING_BLOCKS, effortForBudget, requestedThinking } from '../translate/reasoning.js';
import { RESPONSES_PATH } from '../translate/native.js';
import { asArray, asObj, asString } from '../../json.js';
import { inlineFile, isTextFile, textFilePart } from '../translate/file-parts.js';
import { toDataUrl } from '../anthropic/data-url.js';

/** Canonical fields the Responses API takes under the same name. */
const SAME = [
  'temperature',
  'top_p',
  'user',
  'safety_identifier',
  'prompt_cache_key',
  'parallel_tool_calls',
  'service_tier',
  'top_logprobs',
];
/** Canonical fields consumed by the conversion (anything else is dropped and listed). */
const HANDLED = new Set([
  ...SAME,
  'model',
  'messages',
  'stream',
  'stream_options',
  'tools',
  'tool_choice',
  'response_format',
  'reasoning_effort',
  'thinking',
  'max_completion_tokens',
  'max_tokens',
]);
/** OpenAI refuses max_output_tokens below 16. */
const MIN_OUTPUT_TOKENS = 16;

const bad = (where: string, message: string): TranslationError =>
  new TranslationError(400, `${where}: ${message}`);

function userContent(raw: unknown, where: string): unknown {
  if (typeof raw === 'string') return raw;
  return asArray(raw).map((p, i) => {
    const part = asObj(p);
    if (part?.type === 'text') return { type: 'input_text', text: asString(part.text) ?? '' };
    const image = asObj(part?.image_url);
    if (part?.type === 'image_url' && typeof image?.url === 'string') {
      const out: Json = { type: 'input_image', image_url: image.url };
      out.detail = typeof image.detail === 'string' ? image.detail : 'auto';
      return out;
    }
    // An inline file: a PDF as an input_file, a text file as its text (../translate/file-parts.ts).
    const file = part?.type === 'file' ? inlineFile(part) : undefined;
    if (file !== undefined && isTextFile(file.mediaType))
      return { type: 'input_text', text: textFilePart(file).text };
    if (file?.mediaType === 'application/pdf') {
      const out: Json = { type: 'input_file', file_data: toDataUrl(file.mediaType, file.data) };
      out.filename = file.filename ?? 'document.pdf';
      return out;
    }
    throw bad(
      `${where}[${i}]`,
      'only text, image_url and inline PDF or text file parts reach the Responses API',
    );
  });
}

const textOf = (raw: unknown): string =>
  typeof raw === 'string'
    ? raw
    : asArray(raw)
        .map((p) => asString(asObj(p)?.text) ?? '')
        .join('');

function items(messages: unknown, dropped: Set<string>): Json[] {
  const out: Json[] = [];
  asArray(messages).forEach((m, i) => {
    const msg = asObj(m);
    const where = `messages[${i}]`;
    if (msg === undefined) throw bad(where, 'a message must be an object');
    switch (msg.role) {
      case 'system':
      case 'developer':
        out.push({ role: msg.role, content: textOf(msg.content) });
        break;
      case 'user':
        out.push({ role: 'user', content: userContent(msg.content, `${where}.content`) });
        break;
      case 'assistant': {
        if (msg[THINKING_BLOCKS] !== undefined) dropped.add('messages[].thinking_blocks');
        const text = textOf(msg.content);
        if (text !== '') out.push({ role: 'assistant', content: text });
        for (const t of asArray(msg.tool_calls)) {
          const call = asObj(t);
          const fn = asObj(call?.function);
          const id = asString(call?.id);
          if (!id || !fn) throw bad(`${where}.tool_calls`, 'a tool call needs an id and a function');
          out.push({
            type: 'function_call',
            call_id: id,
            name: asString(fn.name) ?? '',
            // A call without arguments replays as an empty object, the JSON the model would have sent.
            arguments: asString(fn.arguments) || '{}',
          });
        }
        break;
      }
      case 'tool': {
        const id = asString(msg.tool_call_id);
        if (!id) throw bad(where, 'a tool message needs tool_call_id');
        out.push({ type: 'function_call_output', call_id: id, output: textOf(msg.content) });
        break;
      }
      default:
        throw bad(`${where}.role`, `unsupported role ${JSON.stringify(msg.role)}`);
    }
  });
  return out;
}

function tools(raw: unknown, dropped: Set<string>): Json[] {
  const out: Json[] = [];
  for (const t of asArray(raw)) {
    const tool = asObj(t);
    const fn = asObj(tool?.function);
    if (tool?.type !== 'function' || fn === undefined) {
      dropped.add(`tools.${asString(tool?.type) ?? 'unknown'}`);
      continue;
    }
    const item: Json = {
      type: 'function',
      name: asString(fn.name) ?? '',
      parameters: asObj(fn.parameters) ?? { type: 'object', properties: {} },
      strict: fn.strict === true,
    };
    if (typeof fn.description === 'string') item.description = fn.description;
    out.push(item);
  }
  return out;
}

function toolChoice(raw: unknown): unknown {
  if (typeof raw === 'string') return raw;
  const name = asString(asObj(asObj(raw)?.function)?.name);
  if (name) return { type: 'function', name };
  throw bad('tool_choice', 'must be auto, none, required or a function');
}

function textFormat(raw: unknown): Json | undefined {
  const rf = asObj(raw);
  if (rf === undefined || rf.type === 'text') return undefined;
  if (rf.type === 'json_object') return { type: 'json_object' };
  const js = asObj(rf.json_schema);
  if (rf.type !== 'json_schema' || js === undefined) throw bad('response_format', 'unsupported type');
  const f: Json = {
    type: 'json_schema',
    name: asString(js.name) ?? 'response',
    schema: asObj(js.schema) ?? {},
  };
  if (typeof js.strict === 'boolean') f.strict = js.strict;
  if (typeof js.description === 'string') f.description = js.description;
  return f;
}

export function openAIToResponsesRequest(req: OpenAIChatRequest, target: UpstreamTarget): TranslatedRequest {
  const dropped = new Set<string>();
  const body: Json = { model: target.model, input: items(req.messages, dropped), store: false };
  for (const key of SAME) if (req[key] !== undefined && req[key] !== null) body[key] = req[key];
  const fns = tools(req.tools, dropped);
  if (fns.length > 0) {
    body.tools = fns;
    if (req.tool_choice !== undefined && req.tool_choice !== null)
      body.tool_choice = toolChoice(req.tool_choice);
  } else delete body.parallel_tool_calls;
  const format = textFormat(req.response_format);
  if (format) body.text = { format };
  const thinking = requestedThinking(req, (name) => dropped.add(name));
  if (thinking.kind === 'budget')
    body.reasoning = {
      effort: thinking.exact ? effortForBudget(thinking.budget) : req.reasoning_effort,
      summary: 'auto',
    };
  else if (thinking.kind === 'adaptive') body.reasoning = { effort: 'high', summary: 'auto' };
  else if (thinking.field === 'reasoning_effort') body.reasoning = { effort: 'none' };
  const max = req.max_completion_tokens ?? req.max_tokens;
  if (typeof max === 'number') body.max_output_tokens = Math.max(MIN_OUTPUT_TOKENS, max);
  if (req.stream === true) body.stream = true;
  for (const [key, value] of Object.entries(req))
    if (!HANDLED.has(key) && value !== undefined && value !== null) dropped.add(key);
  // OpenAI caches prompt prefixes on its own; explicit breakpoints have no place in the Responses API.
  if (hasCacheControl(req.messages, req.tools)) dropped.add('cache_control');
  return {
    body: Buffer.from(JSON.stringify(body)),
    path: RESPONSES_PATH,
    headers: [['content-type', 'application/json']],
    droppedParams: [...dropped],
  };
}

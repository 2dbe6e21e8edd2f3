/**
 * OpenAI Chat Completions: the request rules OpenAI documents and enforces with a 400
 * invalid_request_error. Pure: a body in, the list of problems out (empty: OpenAI would take it).
 * The mock provider refuses a request with any problem; tests check every request the gateway
 * sends to an OpenAI backend with it.
 *
 * Sources: the Chat Completions API reference and the reasoning-models guide (max_completion_tokens,
 * reasoning_effort, sampling parameters reasoning models reject).
 */

export const OPENAI_REASONING_EFFORTS: ReadonlySet<string> = new Set([
  'none',
  'minimal',
  'low',
  'medium',
  'high',
  'xhigh',
]);
const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);
const SCHEMA_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
/** o1, o3, o4-mini, gpt-5…: reasoning models take max_completion_tokens and no sampling knobs. */
const REASONING_MODEL = /^(o\d|gpt-5)/;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

function range(body: Obj, key: string, lo: number, hi: number, out: string[]): void {
  const v = body[key];
  if (v === undefined || v === null) return;
  if (!isNum(v) || v < lo || v > hi) out.push(`Invalid '${key}': must be a number between ${lo} and ${hi}.`);
}

function checkResponseFormat(rf: unknown, out: string[]): void {
  if (rf === undefined || rf === null) return;
  if (!isObj(rf)) return void out.push("Invalid 'response_format': expected an object.");
  if (rf.type === 'text' || rf.type === 'json_object') return;
  if (rf.type !== 'json_schema')
    return void out.push(
      `Invalid value: '${String(rf.type)}'. Supported values are: 'json_object', 'json_schema', and 'text'.`,
    );
  const js = rf.json_schema;
  if (!isObj(js)) return void out.push("Missing required parameter: 'response_format.json_schema'.");
  if (typeof js.name !== 'string' || !SCHEMA_NAME.test(js.name))
    out.push("Invalid 'response_format.json_schema.name': must match '^[a-zA-Z0-9_-]{1,64}$'.");
  if (js.schema !== undefined && !isObj(js.schema))
    out.push("Invalid 'response_format.json_schema.schema': expected an object.");
}

function checkContentParts(content: unknown, where: string, out: string[]): void {
  if (!Array.isArray(content)) return;
  content.forEach((part, j) => {
    if (!isObj(part)) return void out.push(`Invalid '${where}.content[${j}]': expected an object.`);
    if (part.type === 'image_url') {
      const url = isObj(part.image_url) ? part.image_url.url : undefined;
      if (typeof url !== 'string' || !(/^https?:\/\//.test(url) || url.startsWith('data:image/')))
        out.push(`Invalid '${where}.content[${j}].image_url.url': expected a URL or an image data URL.`);
    }
  });
}

function checkMessages(messages: unknown, out: string[]): void {
  if (!Array.isArray(messages) || messages.length === 0)
    return void out.push("Invalid 'messages': empty array. Expected an array with minimum length 1.");
  // Tool calls still waiting for their tool messages.
  let open: string[] = [];
  messages.forEach((m, i) => {
    const where = `messages[${i}]`;
    if (!isObj(m) || typeof m.role !== 'string' || !ROLES.has(m.role))
      return void out.push(`Invalid '${where}.role'.`);
    if (m.role === 'tool') {
      const id = m.tool_call_id;
      if (typeof id !== 'string' || !open.includes(id))
        out.push(
          `Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.`,
        );
      else open = open.filter((x) => x !== id);
      return;
    }
    if (open.length > 0)
      out.push(
        `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${open.join(', ')}`,
      );
    open = [];
    checkContentParts(m.content, where, out);
    if (m.role === 'assistant' && Array.isArray(m.tool_calls))
      for (const c of m.tool_calls) if (isObj(c) && typeof c.id === 'string') open.push(c.id);
  });
}

export interface OpenAIRuleOptions {
  /** Azure OpenAI: the deployment in the path names the model; `model` in the body is optional. */
  readonly azure?: boolean;
}

/** Every documented 400 this request would get from OpenAI (empty: none). */
export function openaiRequestProblems(body: unknown, opts: OpenAIRuleOptions = {}): string[] {
  const out: string[] = [];
  if (!isObj(body)) return ['The request body is not a JSON object'];
  const model = body.model;
  if ((typeof model !== 'string' || model === '') && !(opts.azure && model === undefined))
    out.push("Missing required parameter: 'model'.");
  checkMessages(body.messages, out);
  const reasoning = typeof model === 'string' && REASONING_MODEL.test(model);
  if (body.max_tokens !== undefined && body.max_tokens !== null) {
    if (reasoning)
      out.push(
        "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
      );
    if (body.max_completion_tokens !== undefined && body.max_completion_tokens !== null)
      out.push('max_tokens and max_completion_tokens cannot both be set.');
  }
  for (const k of ['max_tokens', 'max_completion_tokens', 'n']) {
    const v = body[k];
    if (v !== undefined && v !== null && (!isInt(v) || v < 1))
      out.push(`Invalid '${k}': integer below minimum value 1.`);
  }
  const effort = body.reasoning_effort;
  if (
    effort !== undefined &&
    effort !== null &&
    (typeof effort !== 'string' || !OPENAI_REASONING_EFFORTS.has(effort))
  )
    out.push(
      `Invalid value: '${JSON.stringify(effort)}'. Supported values are: 'none', 'minimal', 'low', 'medium', 'high', and 'xhigh'.`,
    );
  if (reasoning)
    for (const k of ['temperature', 'top_p', 'presence_penalty', 'frequency_penalty'])
      if (body[k] !== undefined && body[k] !== null && !(k.startsWith('t') && body[k] === 1))
        out.push(`Unsupported parameter: '${k}' is not supported with this model.`);
  range(body, 'temperature', 0, 2, out);
  range(body, 'top_p', 0, 1, out);
  range(body, 'presence_penalty', -2, 2, out);
  range(body, 'frequency_penalty', -2, 2, out);
  range(body, 'top_logprobs', 0, 20, out);
  if (body.top_logprobs !== undefined && body.top_logprobs !== null && body.logprobs !== true)
    out.push("Invalid value for 'logprobs': must be true when 'top_logprobs' is specified.");
  if (body.stream_options !== undefined && body.stream_options !== null && body.stream !== true)
    out.push("The 'stream_options' parameter is only allowed when 'stream' is enabled.");
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean')
    out.push("Invalid type for 'stream': expected a boolean.");
  checkResponseFormat(body.response_format, out);
  if (body.tools !== undefined && body.tools !== null) {
    if (!Array.isArray(body.tools)) out.push("Invalid type for 'tools': expected an array.");
    else
      body.tools.forEach((t, i) => {
        const fn = isObj(t) ? t.function : undefined;
        if (
          !isObj(t) ||
          t.type !== 'function' ||
          !isObj(fn) ||
          typeof fn.name !== 'string' ||
          !SCHEMA_NAME.test(fn.name)
        )
          out.push(`Invalid 'tools[${i}]': a function tool with a valid name is required.`);
      });
  }
  return out.slice(0, 50);
}

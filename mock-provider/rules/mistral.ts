/**
 * Mistral (La Plateforme) chat completions: the request rules its API enforces. Pure: a body in, the list
 * of problems out (empty: Mistral would take it). The mock provider applies them to OpenAI-shaped requests
 * for a Mistral model (`isMistralModel`); tests check every request the gateway sends to a Mistral backend.
 *
 * Sources: the chat completions API reference (the request schema, which refuses any other field with 422
 * "Extra inputs are not permitted"; message schemas per role; tool_choice values; random_seed), and the
 * errors Mistral answers for a history it cannot serve: "Tool call id was … but must be a-z, A-Z, 0-9, with
 * a length of 9.", "Not the same number of function calls and responses", "Expected last role User or Tool
 * (or Assistant with prefix True) for serving but got assistant".
 */

const TOP_LEVEL = new Set([
  'model',
  'messages',
  'temperature',
  'top_p',
  'max_tokens',
  'stream',
  'stop',
  'random_seed',
  'response_format',
  'tools',
  'tool_choice',
  'presence_penalty',
  'frequency_penalty',
  'n',
  'prediction',
  'parallel_tool_calls',
  'prompt_mode',
  'safe_prompt',
]);
const MESSAGE_KEYS: Readonly<Record<string, ReadonlySet<string>>> = {
  system: new Set(['role', 'content']),
  user: new Set(['role', 'content']),
  assistant: new Set(['role', 'content', 'tool_calls', 'prefix']),
  tool: new Set(['role', 'content', 'tool_call_id', 'name']),
};
const TOOL_CHOICES = new Set(['auto', 'none', 'any', 'required']);
const RESPONSE_FORMATS = new Set(['text', 'json_object', 'json_schema']);
const TOOL_CALL_ID = /^[a-zA-Z0-9]{9}$/;
const MISTRAL_MODEL = /^(mistral|magistral|ministral|codestral|devstral|pixtral|voxtral|open-mi[sx]tral)/i;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether the mock should treat an OpenAI-shaped request for this model as Mistral's. */
export function isMistralModel(model: unknown): boolean {
  return typeof model === 'string' && MISTRAL_MODEL.test(model);
}

const extra = (where: string): string => `${where}: Extra inputs are not permitted`;
const badId = (id: unknown): string =>
  `Tool call id was ${String(id)} but must be a-z, A-Z, 0-9, with a length of 9.`;

function checkMessage(m: unknown, i: number, out: string[]): void {
  const where = `messages.${i}`;
  if (!isObj(m)) return void out.push(`${where}: Input should be an object`);
  const keys = typeof m.role === 'string' ? MESSAGE_KEYS[m.role] : undefined;
  if (keys === undefined)
    return void out.push(`${where}.role: Input should be 'system', 'user', 'assistant' or 'tool'`);
  for (const k of Object.keys(m)) if (!keys.has(k)) out.push(extra(`${where}.${k}`));
  if (m.role === 'assistant' && Array.isArray(m.tool_calls)) {
    for (const c of m.tool_calls)
      if (!isObj(c) || !TOOL_CALL_ID.test(String(c.id))) out.push(badId(isObj(c) ? c.id : c));
  }
  if (m.role === 'tool' && !TOOL_CALL_ID.test(String(m.tool_call_id))) out.push(badId(m.tool_call_id));
}

/** Each assistant turn's tool calls are answered by as many tool messages right after it. */
function checkToolTurns(messages: unknown[], out: string[]): void {
  messages.forEach((m, i) => {
    if (!isObj(m) || m.role !== 'assistant' || !Array.isArray(m.tool_calls) || m.tool_calls.length === 0)
      return;
    let results = 0;
    for (let j = i + 1; j < messages.length; j++) {
      const next = messages[j];
      if (!isObj(next) || next.role !== 'tool') break;
      results++;
    }
    if (results !== m.tool_calls.length) out.push('Not the same number of function calls and responses');
  });
}

function checkToolChoice(tc: unknown, out: string[]): void {
  if (tc === undefined || tc === null) return;
  if (typeof tc === 'string') {
    if (!TOOL_CHOICES.has(tc)) out.push(`tool_choice: Input should be 'auto', 'none', 'any' or 'required'`);
    return;
  }
  const fn = isObj(tc) ? tc.function : undefined;
  if (!isObj(tc) || tc.type !== 'function' || !isObj(fn) || typeof fn.name !== 'string') {
    out.push('tool_choice: Input should be a valid ToolChoice');
  }
}

/** The problems Mistral would report for this chat completions request (empty: it takes it). */
export function mistralRequestProblems(body: unknown): string[] {
  if (!isObj(body)) return ['Input should be a valid dictionary'];
  const out: string[] = [];
  for (const k of Object.keys(body)) if (!TOP_LEVEL.has(k)) out.push(extra(k));
  const messages = Array.isArray(body.messages) ? (body.messages as unknown[]) : undefined;
  if (messages === undefined || messages.length === 0) out.push('messages: Field required');
  else {
    messages.forEach((m, i) => checkMessage(m, i, out));
    checkToolTurns(messages, out);
    const last = messages[messages.length - 1];
    if (isObj(last) && last.role === 'assistant' && last.prefix !== true) {
      out.push(
        'Expected last role User or Tool (or Assistant with prefix True) for serving but got assistant',
      );
    }
  }
  checkToolChoice(body.tool_choice, out);
  const rf = body.response_format;
  if (rf !== undefined && rf !== null && (!isObj(rf) || !RESPONSE_FORMATS.has(String(rf.type)))) {
    out.push("response_format.type: Input should be 'text', 'json_object' or 'json_schema'");
  }
  const tp = body.top_p;
  if (tp !== undefined && tp !== null && (typeof tp !== 'number' || tp < 0 || tp > 1)) {
    out.push('top_p: Input should be less than or equal to 1');
  }
  const mt = body.max_tokens;
  if (mt !== undefined && mt !== null && (!Number.isInteger(mt) || (mt as number) < 0)) {
    out.push('max_tokens: Input should be a valid integer greater than or equal to 0');
  }
  return out.slice(0, 50);
}

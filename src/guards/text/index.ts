/**
 * The guarded texts of a parsed provider JSON body, readable and rewritable in place, per wire family
 * (docs/reference/kgateway-contract.md §3.2-§3.5). Pure: plain objects in, the same objects mutated.
 *
 * Differences from the Python original (deliberate, documented in docs/reference/decisions.md "Guards"):
 * - Multi-part (list) content and Anthropic `system` are guarded too; the original skipped them.
 * - Every OpenAI choice is masked; the original stopped after the first.
 * - Webhooks get multi-part content as the concatenated text parts.
 */
import type { ProviderFamily } from '../../provider-family.js';
import type { JsonObject } from '../../json.js';
import { asArray, isObj } from '../../json.js';
import {
  applyResponsesWebhookMask,
  isResponsesBody,
  responsesInputSlots,
  responsesWebhookMessages,
} from './responses-input.js';

export interface TextSlot {
  readonly role: string;
  /** Where the text lives, e.g. `messages[2].content[0].text` (for logs and tests). */
  readonly path: string;
  get(): string;
  set(value: string): void;
}

export interface WebhookMessage {
  readonly role: string;
  readonly content: string;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function slot(role: string, path: string, holder: JsonObject | unknown[], key: string | number): TextSlot {
  return {
    role,
    path,
    get: () => str((holder as Record<string | number, unknown>)[key]),
    set: (value) => {
      (holder as Record<string | number, unknown>)[key] = value;
    },
  };
}

/** A text part of a content list: `{type: 'text', text}` (OpenAI, Anthropic), or a bare string. */
function isTextPart(p: unknown): boolean {
  return typeof p === 'string' || (isObj(p) && p.type === 'text' && typeof p.text === 'string');
}

/**
 * Slots of one OpenAI/Anthropic `content` value: a string; every text part of a list; a dict's `.text`
 * (OpenAI legacy single part).
 */
function contentSlots(role: string, path: string, holder: JsonObject, key: string, out: TextSlot[]): void {
  const c = holder[key];
  const at = path === '' ? key : `${path}.${key}`;
  if (typeof c === 'string') out.push(slot(role, at, holder, key));
  else if (Array.isArray(c)) {
    c.forEach((p, j) => {
      if (typeof p === 'string') out.push(slot(role, `${at}[${j}]`, c, j));
      else if (isTextPart(p)) out.push(slot(role, `${at}[${j}].text`, p as JsonObject, 'text'));
    });
  } else if (isObj(c) && typeof c.text === 'string') out.push(slot(role, `${at}.text`, c, 'text'));
}

/** The concatenated text of a content value, as the webhook and moderation see it. */
function contentText(c: unknown): string {
  if (typeof c === 'string') return c;
  if (Array.isArray(c)) {
    let s = '';
    for (const p of c) {
      if (typeof p === 'string') s += p;
      else if (isTextPart(p)) s += (p as JsonObject).text as string;
    }
    return s;
  }
  if (isObj(c) && typeof c.text === 'string') return c.text;
  return '';
}

/**
 * Writes `text` into a content value the way a masked concatenation goes back: a string (or missing)
 * content becomes the string; a list gets the text in its first text part and "" in the others (a text
 * part is prepended if there is none); a dict gets `.text`. Unchanged text leaves the value untouched.
 */
function writeContent(holder: JsonObject, key: string, text: string): boolean {
  const c = holder[key];
  if (contentText(c) === text) return false;
  if (Array.isArray(c)) {
    let first = true;
    c.forEach((p, j) => {
      if (typeof p === 'string') {
        c[j] = first ? text : '';
        first = false;
      } else if (isTextPart(p)) {
        (p as JsonObject).text = first ? text : '';
        first = false;
      }
    });
    if (first) c.unshift({ type: 'text', text });
  } else if (isObj(c) && typeof c.text === 'string') c.text = text;
  else holder[key] = text;
  return true;
}

const role = (m: JsonObject, dflt: string): string => (typeof m.role === 'string' ? m.role : dflt);

function geminiPartSlots(r: string, path: string, parts: unknown, out: TextSlot[]): void {
  asArray(parts).forEach((p, j) => {
    if (isObj(p) && typeof p.text === 'string') out.push(slot(r, `${path}.parts[${j}].text`, p, 'text'));
  });
}

function geminiText(parts: unknown): string {
  let s = '';
  for (const p of asArray(parts)) if (isObj(p) && typeof p.text === 'string') s += p.text;
  return s;
}

function writeGeminiParts(holder: JsonObject, text: string): boolean {
  if (geminiText(holder.parts) === text) return false;
  const parts = Array.isArray(holder.parts) ? holder.parts : (holder.parts = []);
  let first = true;
  for (const p of parts) {
    if (isObj(p) && typeof p.text === 'string') {
      p.text = first ? text : '';
      first = false;
    }
  }
  if (first) parts.unshift({ text });
  return true;
}

/** Gemini accepts both spellings of the system instruction. */
function geminiSystem(body: JsonObject): [JsonObject, string] | undefined {
  if (isObj(body.systemInstruction)) return [body.systemInstruction, 'systemInstruction'];
  if (isObj(body.system_instruction)) return [body.system_instruction, 'system_instruction'];
  return undefined;
}

/**
 * Slots for every string inside a JSON value (tool arguments, tool results), keys excluded. `write`
 * is called after a set, for holders that keep the value serialized.
 */
function jsonValueSlots(
  r: string,
  path: string,
  holder: JsonObject | unknown[],
  key: string | number,
  out: TextSlot[],
  write?: () => void,
): void {
  const v = (holder as Record<string | number, unknown>)[key];
  if (typeof v === 'string') {
    const s = slot(r, path, holder, key);
    out.push(write ? { ...s, set: (value) => (s.set(value), write()) } : s);
  } else if (Array.isArray(v)) v.forEach((_, j) => jsonValueSlots(r, `${path}[${j}]`, v, j, out, write));
  else if (isObj(v)) for (const k of Object.keys(v)) jsonValueSlots(r, `${path}.${k}`, v, k, out, write);
}

/**
 * A JSON document kept as a string (OpenAI `function.arguments`): its string values are the slots,
 * and a change re-serializes it, so masked arguments stay valid JSON. A string that is not JSON is
 * one slot as it is.
 */
function serializedJsonSlots(
  r: string,
  path: string,
  holder: JsonObject,
  key: string,
  out: TextSlot[],
): void {
  const raw = holder[key];
  if (typeof raw !== 'string') return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    out.push(slot(r, path, holder, key));
    return;
  }
  const box = [parsed];
  jsonValueSlots(r, path, box, 0, out, () => {
    holder[key] = JSON.stringify(box[0]);
  });
}

/** Tool traffic inside one OpenAI/Anthropic message: call arguments and tool results. */
function toolSlots(r: string, path: string, m: JsonObject, out: TextSlot[]): void {
  asArray(m.tool_calls).forEach((t, j) => {
    if (isObj(t) && isObj(t.function))
      serializedJsonSlots(r, `${path}.tool_calls[${j}].function.arguments`, t.function, 'arguments', out);
  });
  if (isObj(m.function_call))
    serializedJsonSlots(r, `${path}.function_call.arguments`, m.function_call, 'arguments', out);
  if (!Array.isArray(m.content)) return;
  m.content.forEach((b, j) => {
    if (!isObj(b)) return;
    const at = `${path}.content[${j}]`;
    // Anthropic: a tool's result (string or blocks), a tool call's input.
    if (b.type === 'tool_result') contentSlots(r, at, b, 'content', out);
    else if (b.type === 'tool_use') jsonValueSlots(r, `${at}.input`, b, 'input', out);
  });
}

function geminiToolSlots(r: string, path: string, parts: unknown, out: TextSlot[]): void {
  asArray(parts).forEach((p, j) => {
    if (!isObj(p)) return;
    const at = `${path}.parts[${j}]`;
    if (isObj(p.functionCall)) jsonValueSlots(r, `${at}.functionCall.args`, p.functionCall, 'args', out);
    if (isObj(p.functionResponse))
      jsonValueSlots(r, `${at}.functionResponse.response`, p.functionResponse, 'response', out);
  });
}

/**
 * An OpenAI body without `messages` whose `input` is text (embeddings; a Responses API string): its
 * texts are user text, one per string (token ids are not text). Undefined when there are none.
 */
function inputList(body: Record<string, unknown>): unknown[] | undefined {
  if (body.messages !== undefined) return undefined;
  if (typeof body.input === 'string') return [body.input];
  return Array.isArray(body.input) && body.input.some((v) => typeof v === 'string') ? body.input : undefined;
}

function inputSlots(body: Record<string, unknown>, out: TextSlot[]): void {
  if (isResponsesBody(body)) return responsesInputSlots(body, out);
  if (inputList(body) === undefined) return;
  if (typeof body.input === 'string') out.push(slot('user', 'input', body, 'input'));
  else
    (body.input as unknown[]).forEach((v, j) => {
      if (typeof v === 'string') out.push(slot('user', `input[${j}]`, body.input as unknown[], j));
    });
}

/** Every guarded text of a request body, tool calls' arguments and tools' results included. */
export function requestTextSlots(family: ProviderFamily, body: Record<string, unknown>): TextSlot[] {
  const out: TextSlot[] = [];
  switch (family) {
    case 'gemini': {
      const sys = geminiSystem(body);
      if (sys) geminiPartSlots('system', sys[1], sys[0].parts, out);
      asArray(body.contents).forEach((c, i) => {
        if (!isObj(c)) return;
        geminiPartSlots(role(c, 'user'), `contents[${i}]`, c.parts, out);
        geminiToolSlots(role(c, 'user'), `contents[${i}]`, c.parts, out);
      });
      return out;
    }
    case 'anthropic':
      contentSlots('system', '', body, 'system', out);
      break;
    case 'openai':
      inputSlots(body, out);
      break;
  }
  asArray(body.messages).forEach((m, i) => {
    if (!isObj(m)) return;
    contentSlots(role(m, ''), `messages[${i}]`, m, 'content', out);
    toolSlots(role(m, ''), `messages[${i}]`, m, out);
  });
  return out;
}

/** Every guarded text of a non-streaming response body. */
export function responseTextSlots(family: ProviderFamily, body: Record<string, unknown>): TextSlot[] {
  const out: TextSlot[] = [];
  switch (family) {
    case 'openai':
      asArray(body.choices).forEach((c, k) => {
        if (!isObj(c)) return;
        if (isObj(c.message))
          contentSlots(role(c.message, 'assistant'), `choices[${k}].message`, c.message, 'content', out);
        else if (typeof c.text === 'string') out.push(slot('assistant', `choices[${k}].text`, c, 'text'));
      });
      break;
    case 'anthropic': {
      const r = role(body, 'assistant');
      asArray(body.content).forEach((b, j) => {
        if (isObj(b) && b.type === 'text' && typeof b.text === 'string')
          out.push(slot(r, `content[${j}].text`, b, 'text'));
      });
      break;
    }
    case 'gemini':
      asArray(body.candidates).forEach((c, k) => {
        if (isObj(c) && isObj(c.content))
          geminiPartSlots(role(c.content, 'model'), `candidates[${k}].content`, c.content.parts, out);
      });
      break;
  }
  return out;
}

/**
 * The request webhook's `messages` (contract §3.4): one entry per message with its role and the
 * concatenated text of its content; Gemini: one entry per `contents[]`. Anthropic's `system` is not a
 * message and is not sent, as in the original.
 */
export function webhookRequestMessages(
  family: ProviderFamily,
  body: Record<string, unknown>,
): WebhookMessage[] {
  if (family === 'gemini')
    return asArray(body.contents).map((c) =>
      isObj(c) ? { role: role(c, 'user'), content: geminiText(c.parts) } : { role: '', content: '' },
    );
  if (family === 'openai' && isResponsesBody(body)) return responsesWebhookMessages(body);
  const input = family === 'openai' ? inputList(body) : undefined;
  if (input) return input.map((v) => ({ role: 'user', content: str(v) }));
  return asArray(body.messages).map((m) =>
    isObj(m) ? { role: role(m, ''), content: contentText(m.content) } : { role: '', content: '' },
  );
}

/**
 * Writes a request webhook's masked contents back, index by index (extra or missing entries are
 * ignored; the webhook client rejects count mismatches). Returns whether anything changed.
 */
export function applyWebhookRequestMask(
  family: ProviderFamily,
  body: Record<string, unknown>,
  contents: readonly string[],
): boolean {
  if (family === 'openai' && isResponsesBody(body)) return applyResponsesWebhookMask(body, contents);
  let changed = false;
  const input = family === 'openai' ? inputList(body) : undefined;
  if (input) {
    // One webhook message per input entry; token-id entries have no text and stay as they are.
    const list = typeof body.input === 'string' ? undefined : (body.input as unknown[]);
    input.forEach((v, i) => {
      const text = contents[i];
      if (text === undefined || typeof v !== 'string' || v === text) return;
      if (list) list[i] = text;
      else body.input = text;
      changed = true;
    });
    return changed;
  }
  const list = asArray(family === 'gemini' ? body.contents : body.messages);
  list.forEach((m, i) => {
    const text = contents[i];
    if (text === undefined || !isObj(m)) return;
    if (family === 'gemini' ? writeGeminiParts(m, text) : writeContent(m, 'content', text)) changed = true;
  });
  return changed;
}

/**
 * The response webhook's choices (contract §3.4), as content strings (the client sends them with role
 * "assistant"): OpenAI one per `choices[]` ("" without content); Anthropic one per `content[]` block
 * (text blocks' text, "" for others); Gemini one per candidate, its text parts concatenated.
 */
export function webhookResponseChoices(family: ProviderFamily, body: Record<string, unknown>): string[] {
  switch (family) {
    case 'openai':
      return asArray(body.choices).map((c) => {
        if (!isObj(c)) return '';
        if (isObj(c.message)) return contentText(c.message.content);
        return str(c.text);
      });
    case 'anthropic':
      return asArray(body.content).map((b) => (isObj(b) && b.type === 'text' ? str(b.text) : ''));
    case 'gemini':
      return asArray(body.candidates).map((c) =>
        isObj(c) && isObj(c.content) ? geminiText(c.content.parts) : '',
      );
  }
}

/** Writes a response webhook's masked choices back, index by index. Returns whether anything changed. */
export function applyWebhookResponseMask(
  family: ProviderFamily,
  body: Record<string, unknown>,
  contents: readonly string[],
): boolean {
  let changed = false;
  switch (family) {
    case 'openai':
      asArray(body.choices).forEach((c, k) => {
        const text = contents[k];
        if (text === undefined || !isObj(c)) return;
        if (isObj(c.message)) {
          if (writeContent(c.message, 'content', text)) changed = true;
        } else if (typeof c.text === 'string' && c.text !== text) {
          c.text = text;
          changed = true;
        }
      });
      break;
    case 'anthropic':
      asArray(body.content).forEach((b, j) => {
        const text = contents[j];
        // Only text blocks carry text; a webhook "masking" a tool_use block to something is ignored.
        if (text === undefined || !isObj(b) || b.type !== 'text' || b.text === text) return;
        b.text = text;
        changed = true;
      });
      break;
    case 'gemini':
      asArray(body.candidates).forEach((c, k) => {
        const text = contents[k];
        if (text === undefined || !isObj(c)) return;
        if (!isObj(c.content)) {
          if (text === '') return;
          c.content = { role: 'model', parts: [] };
        }
        if (writeGeminiParts(c.content as JsonObject, text)) changed = true;
      });
      break;
  }
  return changed;
}

/** The texts of tool traffic in a request (call arguments, tool results), for moderation. */
function requestToolTexts(family: ProviderFamily, body: Record<string, unknown>): WebhookMessage[] {
  const out: TextSlot[] = [];
  if (family === 'gemini')
    asArray(body.contents).forEach((c, i) => {
      if (isObj(c)) geminiToolSlots(role(c, 'user'), `contents[${i}]`, c.parts, out);
    });
  else
    asArray(body.messages).forEach((m, i) => {
      if (isObj(m)) toolSlots(role(m, ''), `messages[${i}]`, m, out);
    });
  return out.map((t) => ({ role: t.role, content: t.get() }));
}

/**
 * The OpenAI moderation input (contract §3.2 step 5, Python `all_req_content`): for each message
 * `"role: {role}:\n" + text`, joined by "\n". Gemini uses `contents[]` the same way. Tool-call
 * arguments and tool results follow, one entry each.
 */
export function moderationInput(family: ProviderFamily, body: Record<string, unknown>): string {
  return [...webhookRequestMessages(family, body), ...requestToolTexts(family, body)]
    .map((m) => `role: ${m.role}:\n${m.content}`)
    .join('\n');
}

/**
 * The guarded texts of an OpenAI Responses API request body (`instructions`, and `input` as items:
 * messages with text or input_text parts, function call arguments, function call outputs). A
 * stateful Responses request (previous_response_id) goes to OpenAI as the client wrote it, so its
 * guards read and mask it in this form.
 */
import type { JsonObject } from '../../json.js';
import { asArray, isObj } from '../../json.js';
import type { TextSlot, WebhookMessage } from './index.js';

const TEXT_PARTS = new Set(['input_text', 'output_text', 'text']);

const slot = (role: string, path: string, holder: JsonObject, key: string): TextSlot => ({
  role,
  path,
  get: () => (typeof holder[key] === 'string' ? holder[key] : ''),
  set: (value) => {
    holder[key] = value;
  },
});

/** A Responses body (no `messages`; `instructions`, or `input` holding items). */
export function isResponsesBody(body: JsonObject): boolean {
  if (body.messages !== undefined) return false;
  return typeof body.instructions === 'string' || (Array.isArray(body.input) && body.input.some(isObj));
}

const roleOf = (item: JsonObject): string => (typeof item.role === 'string' ? item.role : 'user');

export function responsesInputSlots(body: JsonObject, out: TextSlot[]): void {
  if (typeof body.instructions === 'string') out.push(slot('system', 'instructions', body, 'instructions'));
  if (typeof body.input === 'string') {
    out.push(slot('user', 'input', body, 'input'));
    return;
  }
  asArray(body.input).forEach((v, i) => {
    if (!isObj(v)) return;
    const at = `input[${i}]`;
    if (v.type === 'function_call_output') {
      if (typeof v.output === 'string') out.push(slot('tool', `${at}.output`, v, 'output'));
      return;
    }
    if (v.type === 'function_call') {
      if (typeof v.arguments === 'string') out.push(slot('assistant', `${at}.arguments`, v, 'arguments'));
      return;
    }
    if (v.type !== undefined && v.type !== 'message') return;
    const role = roleOf(v);
    if (typeof v.content === 'string') out.push(slot(role, `${at}.content`, v, 'content'));
    else
      asArray(v.content).forEach((p, j) => {
        if (isObj(p) && TEXT_PARTS.has(String(p.type)) && typeof p.text === 'string')
          out.push(slot(role, `${at}.content[${j}].text`, p, 'text'));
      });
  });
}

/** One webhook message per input message item (its text parts joined), instructions first. */
export function responsesWebhookMessages(body: JsonObject): WebhookMessage[] {
  return messageHolders(body).map(({ role, slots }) => ({
    role,
    content: slots.map((s) => s.get()).join(''),
  }));
}

/** Writes a webhook's masked texts back (a message's text into its first text slot, "" in the rest). */
export function applyResponsesWebhookMask(body: JsonObject, contents: readonly string[]): boolean {
  let changed = false;
  messageHolders(body).forEach(({ slots }, i) => {
    const text = contents[i];
    if (text === undefined || slots.map((s) => s.get()).join('') === text) return;
    slots.forEach((s, k) => s.set(k === 0 ? text : ''));
    changed = true;
  });
  return changed;
}

/** The message-like entries (instructions, messages, tool outputs) with their text slots. */
function messageHolders(body: JsonObject): { role: string; slots: TextSlot[] }[] {
  const all: TextSlot[] = [];
  responsesInputSlots(body, all);
  const groups = new Map<string, { role: string; slots: TextSlot[] }>();
  for (const s of all) {
    if (s.path.endsWith('.arguments')) continue; // tool call arguments are tool texts, not messages
    const key = /^(instructions|input(\[\d+\])?)/.exec(s.path)?.[0] ?? s.path;
    const g = groups.get(key) ?? { role: s.role, slots: [] };
    g.slots.push(s);
    groups.set(key, g);
  }
  return [...groups.values()];
}

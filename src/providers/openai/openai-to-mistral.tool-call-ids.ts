/**
 * Mistral takes only tool call ids of exactly 9 characters from [a-zA-Z0-9] (any other is a 400 "Tool call
 * id was … but must be a-z, A-Z, 0-9, with a length of 9."), and a history from another provider carries
 * OpenAI's `call_…` or Anthropic's `toolu_…` ids. Each such id is replaced, in the assistant's `tool_calls`
 * and in the `tool_call_id` of its results alike, by 9 characters derived from it (SHA-256, base 62), unique
 * within the request; ids Mistral gave are kept. The ids only pair calls with results inside one request:
 * the client never sees the replacements. The input is not mutated; messages are copied where they change.
 */
import { createHash } from 'node:crypto';
import { asArray, isObj } from '../../json.js';

const MISTRAL_ID = /^[a-zA-Z0-9]{9}$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Tries past the first derivation before giving up on uniqueness (collisions are ~2^-53 each). */
const MAX_SALT = 64;

function derive(id: string, salt: number): string {
  const h = createHash('sha256')
    .update(salt === 0 ? id : `${id}\u0000${salt}`)
    .digest();
  let out = '';
  for (let i = 0; i < 9; i++) out += ALPHABET[(h[i] as number) % ALPHABET.length];
  return out;
}

const callIds = (m: unknown): unknown[] =>
  isObj(m) && m.role === 'assistant' ? asArray(m.tool_calls).map((c) => (isObj(c) ? c.id : undefined)) : [];
const resultId = (m: unknown): unknown => (isObj(m) && m.role === 'tool' ? m.tool_call_id : undefined);

export function mistralToolCallIds(messages: readonly unknown[]): readonly unknown[] {
  const ids = messages.flatMap((m) => [...callIds(m), resultId(m)]);
  const foreign = ids.filter((id): id is string => typeof id === 'string' && !MISTRAL_ID.test(id));
  if (foreign.length === 0) return messages;
  const used = new Set(ids.filter((id): id is string => typeof id === 'string' && MISTRAL_ID.test(id)));
  const mapped = new Map<string, string>();
  for (const id of foreign) {
    if (mapped.has(id)) continue;
    let salt = 0;
    let next = derive(id, salt);
    while (used.has(next) && salt < MAX_SALT) next = derive(id, ++salt);
    used.add(next);
    mapped.set(id, next);
  }
  const idOf = (id: unknown): unknown => (typeof id === 'string' ? (mapped.get(id) ?? id) : id);
  return messages.map((m) => {
    if (!isObj(m)) return m;
    if (m.role === 'tool' && typeof m.tool_call_id === 'string' && mapped.has(m.tool_call_id)) {
      return { ...m, tool_call_id: idOf(m.tool_call_id) };
    }
    if (m.role !== 'assistant' || !Array.isArray(m.tool_calls)) return m;
    const calls: unknown[] = m.tool_calls;
    if (!calls.some((c) => isObj(c) && typeof c.id === 'string' && mapped.has(c.id))) return m;
    return { ...m, tool_calls: calls.map((c) => (isObj(c) ? { ...c, id: idOf(c.id) } : c)) };
  });
}

/**
 * What a request is cached under. The partition key is a hard filter, never compared by
 * similarity: route, model, client (unless shared), the route's policy version, and a fingerprint
 * of everything in the request but the last user turn (system prompt, earlier messages, tools,
 * tool_choice, response format, sampling, max tokens, n, seed, stop: every field, so nothing that
 * changes the answer is left out). The exact key adds the last user turn; the embedded text is
 * that turn's text only, so a multi-turn chat hits only with an identical history.
 */
import crypto from 'node:crypto';

type Json = Record<string, unknown>;

/** Request fields that change how the answer is delivered, not what it says. */
const DELIVERY_FIELDS = new Set(['stream', 'stream_options', 'user', 'metadata', 'store', 'service_tier']);
/** Deeper than this, a body is not cached (the canonical string would be too costly). */
const MAX_DEPTH = 64;

export interface CacheKeys {
  readonly partition: string;
  readonly exact: string;
  /** The last user message's text (embedText); undefined when it holds anything but text (images…). */
  readonly text: string | undefined;
}

export interface KeyInput {
  readonly route: string;
  readonly model: string;
  /** The client identity, or undefined when the cache is shared or the client is anonymous. */
  readonly client: string | undefined;
  readonly version: string;
  /** The canonical form's family ('openai', or 'anthropic' for a native Anthropic exchange). */
  readonly family: string;
}

/** JSON with sorted object keys, so field order never splits a partition. */
function canonical(v: unknown, depth: number): string {
  if (depth > MAX_DEPTH) throw new RangeError('body too deep to cache');
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map((e) => canonical(e, depth + 1)).join(',')}]`;
  const o = v as Json;
  const keys = Object.keys(o).sort();
  let out = '{';
  for (const k of keys) {
    if (o[k] === undefined) continue;
    if (out.length > 1) out += ',';
    out += `${JSON.stringify(k)}:${canonical(o[k], depth + 1)}`;
  }
  return out + '}';
}

const sha256 = (s: string): string => crypto.createHash('sha256').update(s).digest('hex');

/** The text of a message's content: a string, or text parts only (OpenAI `text`, Anthropic `text`). */
export function contentText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content) || content.length === 0) return undefined;
  const parts: string[] = [];
  for (const p of content) {
    if (typeof p !== 'object' || p === null) return undefined;
    const part = p as Json;
    if (part.type !== 'text' || typeof part.text !== 'string') return undefined;
    parts.push(part.text);
  }
  return parts.join('\n');
}

/**
 * The text the embedder sees: trimmed, one space between words, lower case, no trailing
 * punctuation. Case and a final "?" move MiniLM's similarity as much as a changed word does.
 */
export function embedText(text: string): string {
  return text
    .trim()
    .replace(/\s+/g, ' ')
    .toLowerCase()
    .replace(/[\s?.!]+$/, '');
}

/**
 * The numbers a text holds, in order ("invoice 10482, 2 lines" → "10482 2"). Embedders score texts
 * that differ only in a number as near-identical ("Summarise invoice 10482" / "…10483": 0.99 with
 * MiniLM), so a semantic hit also needs the same numbers.
 */
export function numbersOf(text: string): string {
  return (text.match(/\d+(?:[.,]\d+)*/g) ?? []).join(' ');
}

/**
 * The keys of a canonical request, or undefined when it cannot be cached: no messages, or the last
 * message is not the user's (a tool result turn, an assistant prefill).
 */
export function cacheKeys(body: Json, k: KeyInput): CacheKeys | undefined {
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) return undefined;
  const last = messages[messages.length - 1] as unknown;
  if (typeof last !== 'object' || last === null || (last as Json).role !== 'user') return undefined;
  const context: Json = {};
  for (const [f, v] of Object.entries(body)) if (!DELIVERY_FIELDS.has(f)) context[f] = v;
  context.messages = messages.slice(0, -1);
  const head = canonical([k.route, k.model, k.client ?? null, k.version, k.family], 0);
  const partition = sha256(`${head}\n${canonical(context, 0)}`);
  const lastContent = (last as Json).content;
  const text = contentText(lastContent);
  return {
    partition,
    exact: sha256(`${partition}\n${canonical(lastContent, 0)}`),
    text: text === undefined ? undefined : embedText(text),
  };
}

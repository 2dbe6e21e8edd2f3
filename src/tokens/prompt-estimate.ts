// kgateway's request-side prompt token estimate (python/ai_extension ext_proc/provider.py,
// `num_tokens_from_messages` and each provider's `get_num_tokens_from_body`), reproduced exactly:
//
//   for message in messages: tokens += 3; count(message)
//   tokens += 3
//   count(str)  -> len(cl100k_base.encode(str))
//   count(dict) -> for key, value: count(key); count(value); +1 if key == "name"   (at any depth)
//   count(list) -> count(item) for each item
//   anything else (numbers, booleans, null) -> 0
//
// `messages` is iterated the way Python iterates it: a list per element, a string per code point,
// a dict per key. Values Python cannot iterate (null, numbers, booleans) make it raise; here they
// count 0. Nesting deeper than MAX_DEPTH is not counted, so a hostile body cannot exhaust the stack.
//
// The work per request is bounded: strings are counted exactly while the characters counted so far
// stay within a budget (EXACT_COUNT_CHARS by default); a string that would go past it counts one token
// per UTF-8 byte. Every cl100k token is at least one byte, so the estimate is exact below the budget
// and an upper bound above it (budgets and rate limits may rely on it never being low). Without the
// bound, one 7.5 MiB prompt of whitespace kept the event loop busy for more than 5 s.

import { countTokens } from './tokenizer.js';
import { isObj } from '../json.js';

const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_NAME = 1;
const REPLY_PRIMING = 3;

/** Containers nested deeper than this (the message list is depth 0) contribute nothing. */
export const MAX_DEPTH = 64;

/** Characters (UTF-16 units) counted exactly per request by default (~64k tokens of English). */
export const EXACT_COUNT_CHARS = 256 * 1024;

/** UTF-8 length of `s` (a lone surrogate is U+FFFD, 3 bytes). */
export function utf8Bytes(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2; // 4 bytes for 2 units
      i++;
    } else n += 2;
  }
  return n;
}

/** What is left of the exact-count budget for one request. */
class Budget {
  constructor(public left: number) {}

  /** Exact while within budget, else one token per UTF-8 byte (an upper bound). */
  count(s: string): number {
    if (s.length <= this.left) {
      this.left -= s.length;
      return countTokens(s);
    }
    return utf8Bytes(s);
  }
}

/** Token count of one string, exact up to `budget` characters, an upper bound past it. */
export function boundedCountTokens(text: string, budget: number): number {
  return new Budget(budget).count(text);
}

function countValue(value: unknown, depth: number, b: Budget): number {
  if (typeof value === 'string') return b.count(value);
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return 0;
  let total = 0;
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) total += countValue(item, depth + 1, b);
    return total;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    total += b.count(key) + countValue(record[key], depth + 1, b);
    if (key === 'name') total += TOKENS_PER_NAME;
  }
  return total;
}

/**
 * kgateway `num_tokens_from_messages`: 3 per element of `messages`, plus the tokens of every string
 * inside it (dict keys included, +1 per key named "name"), plus 3. A string is iterated per code
 * point; a dict per key. Non-iterable values give 0.
 */
export function numTokensFromMessages(messages: unknown, budget = EXACT_COUNT_CHARS): number {
  return messagesTokens(messages, new Budget(budget));
}

function messagesTokens(messages: unknown, b: Budget): number {
  let total = 0;
  if (typeof messages === 'string') {
    for (const ch of messages) total += TOKENS_PER_MESSAGE + b.count(ch);
  } else if (Array.isArray(messages)) {
    for (const message of messages as unknown[]) total += TOKENS_PER_MESSAGE + countValue(message, 1, b);
  } else if (typeof messages === 'object' && messages !== null) {
    for (const key in messages) {
      if (Object.hasOwn(messages, key)) total += TOKENS_PER_MESSAGE + b.count(key);
    }
  } else {
    return 0;
  }
  return total + REPLY_PRIMING;
}

/** OpenAI-style bodies: chat `messages`, else embeddings/responses `input`, else completions/images `prompt`. */
const OPENAI_FIELDS = ['messages', 'input', 'prompt'] as const;

/** Gemini / Vertex AI: the flat list of `contents[].parts[].text` (missing text counts as ""). */
function geminiPromptTokens(contents: unknown, b: Budget): number {
  if (!Array.isArray(contents)) return 0;
  let total = 0;
  for (const content of contents as unknown[]) {
    if (!isObj(content)) continue;
    const parts = content['parts'];
    if (!Array.isArray(parts)) continue;
    for (const part of parts as unknown[]) {
      if (!isObj(part)) continue;
      total += TOKENS_PER_MESSAGE + countValue(part['text'], 1, b);
    }
  }
  return total + REPLY_PRIMING;
}

/**
 * kgateway's prompt token estimate for a parsed request body.
 *
 * - `gemini`, `vertex-ai`: `contents[].parts[].text`.
 * - `anthropic`: `messages` only (the top-level `system` prompt is not counted).
 * - `openai`, `azure_openai` and any other provider: the first of `messages`, `input`, `prompt`
 *   that is present as a key (presence, as Python's `"messages" in body`; a present-but-null value
 *   counts 0 and does not fall through).
 *
 * Returns 0 when the body is not a JSON object or has none of those fields. Exact while the strings
 * counted total at most `budget` characters; past it, an upper bound (see the top of this file).
 */
export function estimatePromptTokens(body: unknown, provider: string, budget = EXACT_COUNT_CHARS): number {
  if (!isObj(body)) return 0;
  const b = new Budget(budget);
  switch (provider) {
    case 'gemini':
    case 'vertex-ai':
      return Object.hasOwn(body, 'contents') ? geminiPromptTokens(body['contents'], b) : 0;
    case 'anthropic':
      return Object.hasOwn(body, 'messages') ? messagesTokens(body['messages'], b) : 0;
    default:
      for (const field of OPENAI_FIELDS) {
        if (Object.hasOwn(body, field)) return messagesTokens(body[field], b);
      }
      return 0;
  }
}

/** OpenAI chat request → OpenAI-compatible upstream request (OpenAI, Azure, Mistral, Ollama). */
import type { Json, OpenAIChatRequest, TranslatedRequest, UpstreamTarget } from '../translate/types.js';
import { TranslationError } from '../translate/types.js';
import { asObj, isObj, omitKeys } from '../../json.js';
import { THINKING_BLOCKS, effortForBudget } from '../translate/reasoning.js';
import {
  hasCacheControl,
  toolsWithoutCacheControl,
  withoutCacheControl,
} from '../translate/cache-control.js';
import type { OpenAICompatProfile } from './profiles.js';
import { inlineFile, isTextFile, textFilePart } from '../translate/file-parts.js';

const JSON_HEADERS: ReadonlyArray<readonly [string, string]> = [['content-type', 'application/json']];

/** Collects dropped parameter names once each, in the order they were found. */
class Drops {
  private readonly seen = new Set<string>();
  add(name: string): void {
    this.seen.add(name);
  }
  get list(): string[] {
    return [...this.seen];
  }
}

function applyStream(body: Json, target: UpstreamTarget, profile: OpenAICompatProfile, drops: Drops): void {
  if (target.stream) {
    body.stream = true;
    // Always ask for usage; the caller hides it from a client that did not (see stream-usage.ts).
    if (profile.accepted === undefined || profile.accepted.has('stream_options')) {
      body.stream_options = { ...asObj(body.stream_options), include_usage: true };
    }
    return;
  }
  delete body.stream;
  // OpenAI rejects stream_options on a non-streaming request.
  if (body.stream_options !== undefined) {
    if (body.stream_options !== null) drops.add('stream_options');
    delete body.stream_options;
  }
}

function applyRenames(body: Json, profile: OpenAICompatProfile, drops: Drops): void {
  for (const [from, to] of Object.entries(profile.renames ?? {})) {
    if (!(from in body)) continue;
    const value = body[from];
    delete body[from];
    if (value === null || value === undefined) continue;
    if (body[to] === undefined || body[to] === null) body[to] = value;
    else drops.add(from);
  }
}

function applyAllowlist(body: Json, profile: OpenAICompatProfile, drops: Drops): void {
  const accepted = profile.accepted;
  if (accepted === undefined) return;
  for (const key of Object.keys(body)) {
    if (accepted.has(key)) continue;
    if (body[key] !== null && body[key] !== undefined) drops.add(key);
    delete body[key];
  }
}

function rewriteMessage(msg: unknown, i: number, profile: OpenAICompatProfile, drops: Drops): unknown {
  if (!isObj(msg)) throw new TranslationError(400, `messages[${i}] must be an object`);
  let out = msg;
  if (profile.developerToSystem && out.role === 'developer') out = { ...out, role: 'system' };
  const keys = typeof out.role === 'string' ? profile.messageKeys?.[out.role] : undefined;
  if (keys === undefined) return out;
  let stripped: Json | undefined;
  for (const key of Object.keys(out)) {
    if (keys.has(key)) continue;
    stripped ??= { ...out };
    if (out[key] !== null && out[key] !== undefined) drops.add(`messages[].${key}`);
    delete stripped[key];
  }
  return stripped ?? out;
}

/** An image_url part that is not a data: URL, for an upstream that reads images only inline. */
function isLinkedImage(part: unknown): boolean {
  if (!isObj(part) || part.type !== 'image_url') return false;
  const iu = part.image_url;
  const url = typeof iu === 'string' ? iu : asObj(iu)?.url;
  return typeof url !== 'string' || !url.startsWith('data:');
}

function withoutLinkedImages(msg: unknown, drops: Drops): unknown {
  if (!isObj(msg) || msg.role !== 'user' || !Array.isArray(msg.content)) return msg;
  const parts: unknown[] = msg.content;
  if (!parts.some(isLinkedImage)) return msg;
  drops.add('messages[].content.image_url');
  const kept = parts.filter((p) => !isLinkedImage(p));
  return { ...msg, content: kept.length > 0 ? kept : '' };
}

/** Chat file parts are PDFs: a text file (a Responses input_file) goes as its text. */
function withTextFilesAsText(msg: unknown): unknown {
  if (!isObj(msg) || !Array.isArray(msg.content)) return msg;
  const parts: unknown[] = msg.content;
  const text = (p: unknown): ReturnType<typeof inlineFile> =>
    isObj(p) && p.type === 'file' ? inlineFile(p) : undefined;
  if (!parts.some((p) => isTextFile(text(p)?.mediaType ?? ''))) return msg;
  const content = parts.map((p) => {
    const file = text(p);
    return file && isTextFile(file.mediaType) ? textFilePart(file) : p;
  });
  return { ...msg, content };
}

function rewriteMessages(body: Json, profile: OpenAICompatProfile, drops: Drops): void {
  if (body.messages === undefined) return;
  if (!Array.isArray(body.messages)) throw new TranslationError(400, 'messages must be an array');
  const messages = (body.messages as unknown[]).map(withTextFilesAsText);
  body.messages = profile.toolCallIds !== undefined ? [...profile.toolCallIds(messages)] : messages;
  if (profile.dataImagesOnly === true) {
    body.messages = (body.messages as unknown[]).map((m) => withoutLinkedImages(m, drops));
  }
  if (!profile.developerToSystem && profile.messageKeys === undefined) return;
  body.messages = (body.messages as unknown[]).map((m, i) => rewriteMessage(m, i, profile, drops));
}

/** OpenAI chat models that are not reasoning models (gpt-4o, gpt-4.1, gpt-3.5, chatgpt-4o…). */
const NON_REASONING_OPENAI = /^(gpt-4|gpt-3\.5|chatgpt-)/i;

/**
 * The canonical reasoning extensions (../translate/reasoning.ts) that OpenAI-compatible APIs do not take:
 * `thinking` becomes the reasoning_effort it amounts to (unless one is set; temperature and top_p other than
 * 1 are then dropped, as reasoning models reject them; for OpenAI's non-reasoning chat models thinking is
 * dropped and reported instead), and signed `thinking_blocks`
 * on assistant messages are removed and reported (no OpenAI-compatible API can check their signatures), as
 * are `cache_control` markers (../translate/cache-control.ts).
 */
function applyReasoningExtensions(body: Json, drops: Drops): void {
  // An Anthropic client's top_k: OpenAI has no such parameter (and refuses unknown ones).
  if ('top_k' in body) {
    if (body.top_k !== null && body.top_k !== undefined) drops.add('top_k');
    delete body.top_k;
  }
  if ('thinking' in body) {
    const t = asObj(body.thinking);
    delete body.thinking;
    const budget = t?.budget_tokens;
    if (body.reasoning_effort === undefined || body.reasoning_effort === null) {
      if (t?.type === 'enabled' && typeof budget === 'number')
        body.reasoning_effort = effortForBudget(budget);
      else if (t?.type === 'adaptive') body.reasoning_effort = 'medium';
    }
    // OpenAI's chat models before the reasoning ones refuse reasoning_effort: thinking is dropped for them.
    if (NON_REASONING_OPENAI.test(typeof body.model === 'string' ? body.model : '')) {
      if (t !== undefined && t.type !== 'disabled') drops.add('thinking');
      delete body.reasoning_effort;
    } else if (t?.type === 'enabled' || t?.type === 'adaptive') {
      // Thinking asked of an OpenAI-compatible API means a reasoning model: those take no sampling knobs
      // other than the default 1 (an Anthropic client often sends temperature 1 with thinking).
      for (const key of ['temperature', 'top_p']) {
        if (body[key] === undefined || body[key] === null || body[key] === 1) continue;
        drops.add(key);
        delete body[key];
      }
    }
  }
  stripMessageExtensions(body, drops);
}

/**
 * Gemini's thought signatures ride in `extra_content` (on an assistant message or a tool call) so
 * they can go back to Gemini; other OpenAI-compatible APIs refuse unknown message fields.
 */
const EXTRA = 'extra_content';
function hasExtraContent(m: unknown): boolean {
  return (
    isObj(m) &&
    (EXTRA in m || (Array.isArray(m.tool_calls) && m.tool_calls.some((c) => isObj(c) && EXTRA in c)))
  );
}
function withoutExtraContent(m: unknown): unknown {
  if (!hasExtraContent(m) || !isObj(m)) return m;
  const out = omitKeys(m, [EXTRA]);
  if (Array.isArray(m.tool_calls))
    out.tool_calls = m.tool_calls.map((c: unknown) => (isObj(c) && EXTRA in c ? omitKeys(c, [EXTRA]) : c));
  return out;
}

/**
 * cache_control (parts, tool messages, tools), Gemini's extra_content and assistant thinking_blocks:
 * removed and reported.
 */
function stripMessageExtensions(body: Json, drops: Drops): void {
  let messages: unknown[] = Array.isArray(body.messages) ? body.messages : [];
  if (hasCacheControl(messages, body.tools)) {
    drops.add('cache_control');
    messages = withoutCacheControl(messages);
    body.messages = messages;
    if (Array.isArray(body.tools)) body.tools = toolsWithoutCacheControl(body.tools);
  }
  if (messages.some(hasExtraContent)) {
    drops.add('messages[].extra_content');
    messages = messages.map(withoutExtraContent);
    body.messages = messages;
  }
  if (!messages.some((m) => isObj(m) && THINKING_BLOCKS in m)) return;
  body.messages = messages.map((m) => {
    if (!isObj(m) || !(THINKING_BLOCKS in m)) return m;
    if (m[THINKING_BLOCKS] !== null && m[THINKING_BLOCKS] !== undefined)
      drops.add(`messages[].${THINKING_BLOCKS}`);
    return omitKeys(m, [THINKING_BLOCKS]);
  });
}

/**
 * The client request with `model` set to the target model, `stream` set from the target, and (streaming)
 * `stream_options.include_usage=true`; then the profile's renames, allowlist and message rewrites. The input
 * object is never mutated.
 */
export function openAIToOpenAICompatRequest(
  req: OpenAIChatRequest,
  target: UpstreamTarget,
  profile: OpenAICompatProfile,
): TranslatedRequest {
  const drops = new Drops();
  const body: Json = { ...req, model: target.model };
  applyStream(body, target, profile, drops);
  applyReasoningExtensions(body, drops);
  applyRenames(body, profile, drops);
  applyAllowlist(body, profile, drops);
  rewriteMessages(body, profile, drops);
  return {
    body: Buffer.from(JSON.stringify(body), 'utf8'),
    path: profile.path(target),
    headers: JSON_HEADERS,
    droppedParams: drops.list,
  };
}

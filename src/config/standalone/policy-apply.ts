/**
 * Route policy on a parsed request body. Each function changes `body` in place and returns whether it
 * changed anything, so the caller re-serializes only when needed (docs/reference/decisions.md: send the original bytes
 * back whenever nothing changed). Values from the config are copied, never shared.
 */
import { isDeepStrictEqual } from 'node:util';
import type { ClientApi, Json } from '../../providers/translate/types.js';
import type { EnrichmentMessage, FieldDefault, PromptEnrichment } from './types.js';
import { isObj } from '../../json.js';

const isSystem = (m: EnrichmentMessage): boolean => m.role === 'system' || m.role === 'developer';

/** Anthropic `system`: a string stays a string (parts joined by blank lines); block lists get text blocks. */
function withSystem(current: unknown, before: readonly string[], after: readonly string[]): unknown {
  if (before.length + after.length === 0) return current;
  if (Array.isArray(current)) {
    const block = (text: string): Json => ({ type: 'text', text });
    return [...before.map(block), ...(current as unknown[]), ...after.map(block)];
  }
  const parts =
    typeof current === 'string' && current !== '' ? [...before, current, ...after] : [...before, ...after];
  return parts.join('\n\n');
}

/**
 * Adds the route's prepend/append messages. OpenAI clients: around `messages`, roles as written.
 * Anthropic clients: system and developer entries go to the top-level `system`, the rest around
 * `messages`. A body without a `messages` list is left alone (the request is invalid anyway).
 */
export function applyEnrichment(
  body: Json,
  enrichment: PromptEnrichment | undefined,
  clientApi: ClientApi,
): boolean {
  if (enrichment === undefined || !Array.isArray(body.messages)) return false;
  const { prepend, append } = enrichment;
  if (prepend.length + append.length === 0) return false;
  const msg = (m: EnrichmentMessage): Json => ({ role: m.role, content: m.content });
  const current = body.messages as unknown[];
  if (clientApi === 'openai') {
    body.messages = [...prepend.map(msg), ...current, ...append.map(msg)];
    return true;
  }
  const sys = (list: readonly EnrichmentMessage[]): string[] => list.filter(isSystem).map((m) => m.content);
  const chat = (list: readonly EnrichmentMessage[]): Json[] => list.filter((m) => !isSystem(m)).map(msg);
  const system = withSystem(body.system, sys(prepend), sys(append));
  if (system !== body.system) body.system = system;
  const before = chat(prepend);
  const after = chat(append);
  if (before.length + after.length > 0) body.messages = [...before, ...current, ...after];
  return true;
}

/**
 * Sets each default when the field is absent (or always, with override). Dotted fields create the
 * objects on their way; a non-object in the way (e.g. `stream_options: true`) leaves that default out.
 */
export function applyDefaults(body: Json, defaults: readonly FieldDefault[]): boolean {
  let changed = false;
  for (const d of defaults) {
    const keys = d.field.split('.');
    const last = keys.pop()!;
    let target: Json | undefined = body;
    for (const k of keys) {
      if (!Object.hasOwn(target, k) || target[k] === undefined) target[k] = {};
      const next: unknown = target[k];
      if (!isObj(next)) {
        target = undefined;
        break;
      }
      target = next;
    }
    if (target === undefined) continue;
    const present = Object.hasOwn(target, last) && target[last] !== undefined;
    if (present && (!d.override || isDeepStrictEqual(target[last], d.value))) continue;
    target[last] = structuredClone(d.value);
    changed = true;
  }
  return changed;
}

/**
 * streamUsage: a streaming OpenAI-format request gets stream_options.include_usage = true. Returns
 * true when the gateway added it: the usage-only chunk must then be kept from the client.
 */
export function applyStreamUsage(body: Json): boolean {
  if (body.stream !== true) return false;
  const opts = body.stream_options;
  if (opts !== undefined && opts !== null && !isObj(opts)) return false;
  if (isObj(opts) && opts.include_usage === true) return false;
  body.stream_options = { ...(isObj(opts) ? opts : {}), include_usage: true };
  return true;
}

/**
 * Documented choices that concern client answers (see equivalences.ts for the contract): fields
 * each gateway adds from its own conventions, with the same meaning on both sides.
 */
import { isObj } from '../../src/json.js';
import type { JsonObject } from '../../src/json.js';
import type { Equivalence } from './equivalences.js';
import { mapObjects } from './json-diff.js';

const onResponse =
  (f: (v: unknown) => unknown): Equivalence['apply'] =>
  (v, ctx) =>
    ctx.kind === 'response' ? f(v) : v;

/** Usage counters equal to 0 dropped, then details objects left empty (and an empty usage). */
function withoutZeros(v: unknown): unknown {
  if (!isObj(v)) return v;
  const o: JsonObject = {};
  for (const [k, x] of Object.entries(v)) {
    const y = withoutZeros(x);
    if (y === 0 || (isObj(y) && Object.keys(y).length === 0)) continue;
    o[k] = y;
  }
  return o;
}

/** A Responses reasoning item reduced to its text, wherever each gateway put it. */
function reasoningText(item: JsonObject): JsonObject {
  const texts = (key: string): string =>
    (Array.isArray(item[key]) ? (item[key] as unknown[]) : [])
      .map((p) => (isObj(p) && typeof p.text === 'string' ? p.text : ''))
      .join('');
  const out: JsonObject = { ...item, text: texts('content') || texts('summary') };
  delete out.content;
  delete out.summary;
  if (typeof out.encrypted_content === 'string' && out.encrypted_content.startsWith('aiextproc.'))
    delete out.encrypted_content;
  return out;
}

export const RESPONSE_EQUIVALENCES: readonly Equivalence[] = [
  {
    name: 'service-tier-echo',
    why: 'service_tier names differ per API (Anthropic standard, OpenAI default); echoing one into the other is a gateway’s own choice',
    apply: onResponse((v) =>
      mapObjects(v, (o) => {
        delete o.service_tier;
        return o;
      }),
    ),
  },
  {
    name: 'empty-annotations-logprobs',
    why: 'an output_text with `logprobs: []`/`annotations: []` and one without them carry nothing different',
    apply: onResponse((v) =>
      mapObjects(v, (o) => {
        for (const k of ['logprobs', 'annotations'])
          if (Array.isArray(o[k]) && (o[k] as unknown[]).length === 0) delete o[k];
        return o;
      }),
    ),
  },
  {
    name: 'zero-usage-counters',
    why: 'a usage counter of 0 and an absent one mean the same (no cache hit, no reasoning tokens)',
    apply: onResponse((v) => {
      if (!isObj(v) || !isObj(v.usage)) return v;
      const usage = withoutZeros(v.usage) as JsonObject;
      const o: JsonObject = { ...v, usage };
      if (Object.keys(usage).length === 0) delete o.usage;
      return o;
    }),
  },
  {
    name: 'cache-write-field',
    why: 'cache writes have no field in OpenAI usage: ours prompt_tokens_details.cache_creation_input_tokens (chat only), theirs cache_write_tokens (plus Anthropic-named copies at the top)',
    apply: onResponse((v) =>
      mapObjects(v, (o) => {
        if ('prompt_tokens' in o) {
          delete o.cache_read_input_tokens;
          delete o.cache_creation_input_tokens;
        }
        // A details object (not an Anthropic usage, which has input_tokens): one name for the writes.
        if (typeof o.cache_creation_input_tokens === 'number' && !('input_tokens' in o)) {
          o.cache_write_tokens = o.cache_creation_input_tokens;
          delete o.cache_creation_input_tokens;
        }
        if (isObj(o.input_tokens_details)) {
          const details = { ...o.input_tokens_details };
          delete details.cache_write_tokens;
          if (Object.keys(details).length > 0) o.input_tokens_details = details;
          else delete o.input_tokens_details;
        }
        return o;
      }),
    ),
  },
  {
    name: 'reasoning-signature-field',
    why: 'a chat answer carries the thinking signature in an extension field: ours thinking_blocks (as LiteLLM), theirs reasoning_signature',
    apply: onResponse((v) =>
      mapObjects(v, (o) => {
        if (!Array.isArray(o.thinking_blocks)) return o;
        const sig = (o.thinking_blocks as unknown[])
          .map((b) => (isObj(b) ? b.signature : undefined))
          .find((s) => typeof s === 'string' && s !== '');
        if (typeof sig === 'string') o.reasoning_signature = sig;
        delete o.thinking_blocks;
        return o;
      }),
    ),
  },
  {
    name: 'reasoning-item-text',
    why: 'a Responses reasoning item may show its text as content (raw) or summary (what clients display); ours also keeps the signature in encrypted_content',
    apply: onResponse((v) =>
      isObj(v) && Array.isArray(v.output)
        ? {
            ...v,
            output: (v.output as unknown[]).map((i) =>
              isObj(i) && i.type === 'reasoning' ? reasoningText(i) : i,
            ),
          }
        : v,
    ),
  },
  {
    name: 'message-phase',
    why: 'an assistant message’s `phase` (commentary or final_answer) is an optional label; snapshots older than it have none',
    apply: onResponse((v) =>
      mapObjects(v, (o) => {
        if (o.type === 'message') delete o.phase;
        return o;
      }),
    ),
  },
  {
    name: 'custom-call-status',
    why: 'OpenAI’s custom_tool_call items carry `status` (its custom tools guide); the SDK type leaves it optional',
    apply: onResponse((v) =>
      mapObjects(v, (o) => {
        if (o.type === 'custom_tool_call') delete o.status;
        return o;
      }),
    ),
  },
  {
    name: 'empty-message-item',
    why: 'a Responses message item with no content parts carries nothing; OpenAI sends none',
    apply: onResponse((v) =>
      isObj(v) && Array.isArray(v.output)
        ? {
            ...v,
            output: (v.output as unknown[]).filter(
              (i) =>
                !(isObj(i) && i.type === 'message' && Array.isArray(i.content) && i.content.length === 0),
            ),
          }
        : v,
    ),
  },
  {
    name: 'empty-text-block',
    why: 'an Anthropic text block with no text carries nothing (and Anthropic refuses one when the history comes back)',
    apply: onResponse((v) =>
      isObj(v) && v.type === 'message' && Array.isArray(v.content)
        ? {
            ...v,
            content: (v.content as unknown[]).filter(
              (b) => !(isObj(b) && b.type === 'text' && b.text === ''),
            ),
          }
        : v,
    ),
  },
];

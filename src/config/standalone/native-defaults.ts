/**
 * Field defaults are written in canonical (OpenAI Chat Completions) terms. On a same-API Anthropic
 * exchange the body is the client's Anthropic body, so each default is applied under its
 * Anthropic name (max_completion_tokens → max_tokens, stop → stop_sequences, user →
 * metadata.user_id); a canonical field Anthropic has no place for is reported as dropped, as the
 * translated path reports it. The same for a native OpenAI Responses body (max_tokens →
 * max_output_tokens, reasoning_effort → reasoning.effort) and a native Gemini body (sampling fields
 * under generationConfig). Mapped once per defaults list and API (routes are compiled once).
 */
import type { ProviderFamily } from '../../provider-family.js';
import type { FieldDefault } from './types.js';

export interface NativeDefaults {
  readonly defaults: readonly FieldDefault[];
  /** Canonical fields the native API has no place for (reported in x-ai-extproc-dropped-params). */
  readonly unsupported: readonly string[];
}

/** Canonical field → Anthropic field, and how its value changes. */
const ANTHROPIC_RENAMES: Readonly<Record<string, readonly [string, (v: unknown) => unknown]>> = {
  max_completion_tokens: ['max_tokens', (v) => v],
  stop: ['stop_sequences', (v) => (typeof v === 'string' ? [v] : v)],
  user: ['metadata.user_id', (v) => v],
};
/** Fields with the same name and meaning in both APIs, and Anthropic-only fields written as is. */
const ANTHROPIC_SAME = new Set([
  'model',
  'stream',
  'max_tokens',
  'temperature',
  'top_p',
  'top_k',
  'metadata',
  'stop_sequences',
  'system',
  'thinking',
  'tool_choice',
  'tools',
  'service_tier',
  'output_config',
  'container',
  'context_management',
  'mcp_servers',
]);

/** Canonical fields that need no place in Anthropic (its streams always carry usage). */
const ANTHROPIC_MOOT = new Set(['stream_options']);

type Renames = Readonly<Record<string, readonly [string, (v: unknown) => unknown]>>;
interface Mapping {
  readonly renames: Renames;
  readonly same: ReadonlySet<string>;
  readonly moot: ReadonlySet<string>;
}
const same = (v: unknown): unknown => v;

const RESPONSES: Mapping = {
  renames: {
    max_tokens: ['max_output_tokens', same],
    max_completion_tokens: ['max_output_tokens', same],
    reasoning_effort: ['reasoning.effort', same],
  },
  same: new Set([
    'model',
    'stream',
    'temperature',
    'top_p',
    'user',
    'metadata',
    'store',
    'service_tier',
    'parallel_tool_calls',
    'tool_choice',
    'tools',
    'instructions',
    'truncation',
    'include',
    'reasoning',
    'text',
    'max_output_tokens',
    'prompt_cache_key',
    'safety_identifier',
  ]),
  // Responses streams always end with their usage.
  moot: new Set(['stream_options']),
};

const GEMINI: Mapping = {
  renames: {
    temperature: ['generationConfig.temperature', same],
    top_p: ['generationConfig.topP', same],
    top_k: ['generationConfig.topK', same],
    max_tokens: ['generationConfig.maxOutputTokens', same],
    max_completion_tokens: ['generationConfig.maxOutputTokens', same],
    stop: ['generationConfig.stopSequences', (v) => (typeof v === 'string' ? [v] : v)],
    seed: ['generationConfig.seed', same],
    presence_penalty: ['generationConfig.presencePenalty', same],
    frequency_penalty: ['generationConfig.frequencyPenalty', same],
    n: ['generationConfig.candidateCount', same],
  },
  same: new Set([
    'generationConfig',
    'safetySettings',
    'systemInstruction',
    'tools',
    'toolConfig',
    'cachedContent',
    'labels',
  ]),
  // The model and the stream form are in Gemini's path; its streams always carry usage.
  moot: new Set(['model', 'stream', 'stream_options']),
};

const ANTHROPIC: Mapping = { renames: ANTHROPIC_RENAMES, same: ANTHROPIC_SAME, moot: ANTHROPIC_MOOT };

const caches = new Map<Mapping, WeakMap<readonly FieldDefault[], NativeDefaults>>();

function mapDefaults(m: Mapping, defaults: readonly FieldDefault[]): NativeDefaults {
  const out: FieldDefault[] = [];
  const unsupported: string[] = [];
  for (const d of defaults) {
    const top = d.field.split('.')[0]!;
    const rename = m.renames[d.field];
    if (rename) out.push({ ...d, field: rename[0], value: rename[1](d.value) });
    else if (m.same.has(top)) out.push(d);
    else if (!m.moot.has(top)) unsupported.push(top);
  }
  return { defaults: out, unsupported: [...new Set(unsupported)] };
}

/**
 * The route's defaults as they apply to a body of `api`'s form: the canonical ones for OpenAI Chat
 * Completions, renamed for Anthropic, a native Responses body or a native Gemini body.
 */
export function nativeDefaults(
  api: ProviderFamily | 'openai-responses',
  defaults: readonly FieldDefault[],
): NativeDefaults {
  const m =
    api === 'anthropic'
      ? ANTHROPIC
      : api === 'gemini'
        ? GEMINI
        : api === 'openai-responses'
          ? RESPONSES
          : undefined;
  if (!m) return { defaults, unsupported: [] };
  let cache = caches.get(m);
  if (!cache) caches.set(m, (cache = new WeakMap()));
  let mapped = cache.get(defaults);
  if (!mapped) {
    mapped = mapDefaults(m, defaults);
    cache.set(defaults, mapped);
  }
  return mapped;
}

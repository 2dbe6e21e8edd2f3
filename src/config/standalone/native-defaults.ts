/**
 * Field defaults are written in canonical (OpenAI Chat Completions) terms. On a same-API Anthropic
 * exchange the body is the client's Anthropic body, so each default is applied under its
 * Anthropic name (max_completion_tokens → max_tokens, stop → stop_sequences, user →
 * metadata.user_id); a canonical field Anthropic has no place for is reported as dropped, as the
 * translated path reports it. Mapped once per defaults list (routes are compiled once).
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

const cache = new WeakMap<readonly FieldDefault[], NativeDefaults>();

function anthropicDefaults(defaults: readonly FieldDefault[]): NativeDefaults {
  const out: FieldDefault[] = [];
  const unsupported: string[] = [];
  for (const d of defaults) {
    const top = d.field.split('.')[0]!;
    const rename = ANTHROPIC_RENAMES[d.field];
    if (rename) out.push({ ...d, field: rename[0], value: rename[1](d.value) });
    else if (ANTHROPIC_SAME.has(top)) out.push(d);
    else if (!ANTHROPIC_MOOT.has(top)) unsupported.push(top);
  }
  return { defaults: out, unsupported: [...new Set(unsupported)] };
}

/** The route's defaults as they apply to a body of `family` (the canonical ones for OpenAI). */
export function nativeDefaults(family: ProviderFamily, defaults: readonly FieldDefault[]): NativeDefaults {
  if (family !== 'anthropic') return { defaults, unsupported: [] };
  let mapped = cache.get(defaults);
  if (!mapped) {
    mapped = anthropicDefaults(defaults);
    cache.set(defaults, mapped);
  }
  return mapped;
}

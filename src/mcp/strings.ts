/**
 * Walkers over the strings of MCP tool arguments and tool results: the prompt guards read and mask
 * them in place, so a masked message is still the same JSON with other string values (it stays
 * valid). Bounded: a message with more strings or deeper nesting than the limits is refused by the
 * caller (a guard that cannot see everything fails closed). Pure: plain objects in, mutated in place.
 */
import { isObj } from '../json.js';
import type { JsonObject } from '../json.js';

export interface StringSlot {
  /** Where the string lives, e.g. `arguments.card` or `content[0].text` (for tests and debug logs). */
  readonly path: string;
  get(): string;
  set(value: string): void;
}

export interface WalkLimits {
  readonly maxStrings: number;
  readonly maxDepth: number;
}

export const DEFAULT_WALK_LIMITS: WalkLimits = Object.freeze({ maxStrings: 10_000, maxDepth: 64 });

export class WalkLimitError extends Error {}

/** Keys whose strings are not text: content types, MIME types, binary payloads. */
const NOT_TEXT = new Set(['type', 'mimeType', 'blob']);
const BINARY_TYPES = new Set(['image', 'audio']);

function walk(
  holder: JsonObject | unknown[],
  key: string | number,
  path: string,
  depth: number,
  out: StringSlot[],
  limits: WalkLimits,
): void {
  const v = (holder as Record<string | number, unknown>)[key];
  if (typeof v === 'string') {
    if (out.length >= limits.maxStrings) throw new WalkLimitError(`more than ${limits.maxStrings} strings`);
    out.push({
      path,
      get: () => (holder as Record<string | number, unknown>)[key] as string,
      set: (value) => {
        (holder as Record<string | number, unknown>)[key] = value;
      },
    });
    return;
  }
  if (depth >= limits.maxDepth && (Array.isArray(v) || isObj(v)))
    throw new WalkLimitError(`nested deeper than ${limits.maxDepth}`);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) walk(v, i, `${path}[${i}]`, depth + 1, out, limits);
  } else if (isObj(v)) {
    const binary = typeof v.type === 'string' && BINARY_TYPES.has(v.type);
    for (const k of Object.keys(v)) {
      if (NOT_TEXT.has(k) || (binary && k === 'data')) continue;
      walk(v, k, path === '' ? k : `${path}.${k}`, depth + 1, out, limits);
    }
  }
}

/** Every string of `params.arguments` of a tools/call (or prompts/get) request. */
export function argumentSlots(params: JsonObject | undefined, limits = DEFAULT_WALK_LIMITS): StringSlot[] {
  const out: StringSlot[] = [];
  if (params && 'arguments' in params) walk(params, 'arguments', 'arguments', 0, out, limits);
  return out;
}

/**
 * Every text string of a tools/call result: its content blocks (text, embedded resource text) and
 * its structuredContent; content types, MIME types and binary data are left alone.
 */
export function resultSlots(result: JsonObject | undefined, limits = DEFAULT_WALK_LIMITS): StringSlot[] {
  const out: StringSlot[] = [];
  if (!result) return out;
  if ('content' in result) walk(result, 'content', 'content', 0, out, limits);
  if ('structuredContent' in result) walk(result, 'structuredContent', 'structuredContent', 0, out, limits);
  return out;
}

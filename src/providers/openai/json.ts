/** Defensive accessors for untrusted JSON, shared by the provider adapters. They never throw. */
import type { Json } from '../translate/types.js';

export function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function asRecord(v: unknown): Json | undefined {
  return isRecord(v) ? v : undefined;
}

export function asArray(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}

export function asString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function nonEmptyString(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** A finite, non-negative number; anything else is "absent". */
export function count(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

/** JSON.parse that returns undefined instead of throwing. */
export function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A copy of `obj` without the given keys (shallow). */
export function omitKeys(obj: Json, keys: Iterable<string>): Json {
  const out: Json = { ...obj };
  for (const k of keys) delete out[k];
  return out;
}

/** Defensive accessors for untrusted JSON (never throw, whatever the shape). */
import type { Json } from '../translate/types.js';

export function asRecord(v: unknown): Json | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
}

export function asArray(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}

export function asString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** A token count: a finite, non-negative number; anything else is "absent". */
export function asCount(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

/** Parses JSON text into an object; undefined for invalid JSON or a non-object value. */
export function parseJsonObject(text: string): Json | undefined {
  try {
    return asRecord(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/** Copies `value` onto `target[key]` unless it is undefined (exactOptionalPropertyTypes-friendly). */
export function setDefined(target: Json, key: string, value: unknown): void {
  if (value !== undefined) target[key] = value;
}

/**
 * Defensive readers for untrusted JSON values (request and response bodies, config, webhook replies):
 * they never throw, whatever the shape, and answer `undefined` (or an empty list) for "absent".
 * Pure: no imports, so any layer may use it.
 */

/** A JSON object: a plain, non-array object. */
export type JsonObject = Record<string, unknown>;

/** True for a plain non-array object (not null, not an array). */
export function isObj(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value as a plain non-array object, or undefined. */
export function asObj(v: unknown): JsonObject | undefined {
  return isObj(v) ? v : undefined;
}

/** The value as an array, or an empty one. */
export function asArray(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}

/** The value as a string, or undefined. */
export function asString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** The value as a non-empty string, or undefined. */
export function nonEmptyString(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** A count (of tokens, say): a finite, non-negative number; anything else is undefined. */
export function asCount(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

/** An array item's `index` field when it is a non-negative integer, else its position. */
export function itemIndex(item: JsonObject, position: number): number {
  const i = item.index;
  return typeof i === 'number' && Number.isInteger(i) && i >= 0 ? i : position;
}

/** JSON.parse that returns undefined instead of throwing (no JSON text parses to undefined). */
export function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Parses JSON text that should hold an object; undefined for invalid JSON or any other value. A cheap
 * shape check rejects obvious non-objects before JSON.parse runs.
 */
export function parseJsonObject(text: string): JsonObject | undefined {
  return looksLikeJsonObject(text) ? asObj(tryParseJson(text)) : undefined;
}

/** Cheap shape check: the text starts with `{` and ends with `}` (JSON whitespace around allowed). */
export function looksLikeJsonObject(text: string): boolean {
  let s = 0;
  let e = text.length - 1;
  while (s <= e && isJsonSpace(text.charCodeAt(s))) s++;
  while (e >= s && isJsonSpace(text.charCodeAt(e))) e--;
  return e > s && text.charCodeAt(s) === 0x7b && text.charCodeAt(e) === 0x7d;
}

/** JSON's insignificant whitespace: space, tab, line feed, carriage return (a char code or a byte). */
export function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** A shallow copy of `obj` without the given keys. */
export function omitKeys(obj: JsonObject, keys: Iterable<string>): JsonObject {
  const out: JsonObject = { ...obj };
  for (const k of keys) delete out[k];
  return out;
}

/** Sets `target[key]` unless `value` is undefined (exactOptionalPropertyTypes-friendly). */
export function setDefined(target: JsonObject, key: string, value: unknown): void {
  if (value !== undefined) target[key] = value;
}

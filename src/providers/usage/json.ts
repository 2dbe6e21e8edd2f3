/** Defensive accessors for untrusted JSON: they never throw, whatever the shape. */

export type JsonRecord = Record<string, unknown>;

export function asRecord(v: unknown): JsonRecord | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonRecord) : undefined;
}

export function asArray(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}

/** A token count: a finite, non-negative number; anything else is "absent". */
export function count(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

export function nonEmptyString(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Text that carries content: a string with at least one non-whitespace character. */
export function hasText(v: unknown): boolean {
  return typeof v === 'string' && v.trim() !== '';
}

/** A choice/candidate index: the `index` field when it is a non-negative integer, else the position. */
export function itemIndex(item: JsonRecord, position: number): number {
  const i = item.index;
  return typeof i === 'number' && Number.isInteger(i) && i >= 0 ? i : position;
}

/** The values of an index-keyed map, in index order. */
export function byIndex(m: ReadonlyMap<number, string>): string[] {
  return [...m.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
}

/**
 * Parses an SSE data payload that should be a JSON object. Returns undefined for anything else; a cheap
 * shape check rejects obvious non-JSON before JSON.parse runs.
 */
export function parseJsonObject(data: string): JsonRecord | undefined {
  if (!looksLikeJsonObject(data)) return undefined;
  try {
    return asRecord(JSON.parse(data));
  } catch {
    return undefined;
  }
}

/** Cheap shape check: the payload starts with `{` and ends with `}` (surrounding whitespace allowed). */
export function looksLikeJsonObject(data: string): boolean {
  let s = 0;
  let e = data.length - 1;
  while (s <= e && isJsonSpace(data.charCodeAt(s))) s++;
  while (e >= s && isJsonSpace(data.charCodeAt(e))) e--;
  return e > s && data.charCodeAt(s) === 0x7b && data.charCodeAt(e) === 0x7d;
}

function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

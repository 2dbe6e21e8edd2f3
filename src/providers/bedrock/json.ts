/** Defensive accessors for untrusted JSON: they never throw, whatever the shape. */

export type JsonRecord = Record<string, unknown>;

export function asRecord(v: unknown): JsonRecord | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonRecord) : undefined;
}

export function asArray(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}

export function asString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** A token count: a finite, non-negative number; anything else is "absent". */
export function count(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

/** Parses JSON, returning undefined instead of throwing. */
export function tryParseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

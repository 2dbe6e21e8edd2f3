/** Key-order-insensitive JSON equality and a short list of the paths where two values part. */
import { isObj } from '../../src/json.js';

/** Deep equality of JSON values; object key order does not matter. */
export function sameJson(a: unknown, b: unknown): boolean {
  return diffPaths(a, b, '', 1).length === 0;
}

/** Up to `max` paths where `ours` and `theirs` differ, each with both values abbreviated. */
export function diffPaths(ours: unknown, theirs: unknown, at = '', max = 4): string[] {
  const out: string[] = [];
  walk(ours, theirs, at, out, max);
  return out;
}

function walk(a: unknown, b: unknown, at: string, out: string[], max: number): void {
  if (out.length >= max) return;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) {
      out.push(`${at || '.'}: ${a.length} items (ours) vs ${b.length} (theirs)`);
      return;
    }
    a.forEach((v, i) => walk(v, b[i], `${at}[${i}]`, out, max));
    return;
  }
  if (isObj(a) && isObj(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of [...keys].sort()) {
      if (!(k in a)) out.push(`${at}.${k}: only theirs = ${short(b[k])}`);
      else if (!(k in b)) out.push(`${at}.${k}: only ours = ${short(a[k])}`);
      else walk(a[k], b[k], `${at}.${k}`, out, max);
      if (out.length >= max) return;
    }
    return;
  }
  if (a !== b && !(Number.isNaN(a) && Number.isNaN(b)))
    out.push(`${at || '.'}: ours ${short(a)} vs theirs ${short(b)}`);
}

function short(v: unknown): string {
  const s = JSON.stringify(v) ?? 'undefined';
  return s.length > 70 ? `${s.slice(0, 67)}...` : s;
}

/** A deep copy with `f` applied to every object, bottom-up. */
export function mapObjects(v: unknown, f: (o: Record<string, unknown>) => unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => mapObjects(x, f));
  if (!isObj(v)) return v;
  const o: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const y = mapObjects(x, f);
    if (y !== undefined) o[k] = y;
  }
  return f(o);
}

/**
 * insta redactions: wherever theirs holds a placeholder ("[id]", "[date]", a `created` of 123),
 * ours takes the same placeholder, so generated ids and timestamps never count as a difference.
 */
export function redactLike(ours: unknown, theirs: unknown): unknown {
  if (typeof theirs === 'string' && /^\[(id|date)\]$/.test(theirs) && ours !== undefined) return theirs;
  if (Array.isArray(ours) && Array.isArray(theirs)) return ours.map((v, i) => redactLike(v, theirs[i]));
  if (isObj(ours) && isObj(theirs)) {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(ours)) o[k] = k in theirs ? redactLike(v, theirs[k]) : v;
    return o;
  }
  return ours;
}

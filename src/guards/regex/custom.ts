/**
 * Custom `regex.matches[].pattern`s on RE2 (re2-wasm): linear time, so no pattern or input can hang the
 * server. Patterns are written for Python's `regex` module (Presidio); {@link translatePattern} rewrites
 * what has a safe RE2 equivalent and rejects what RE2 cannot run with a clear message.
 *
 * Flags: Presidio compiled every pattern with DOTALL|MULTILINE|IGNORECASE, so we use case-insensitive
 * (RE2 simple Unicode case folding), dot-matches-newline and multi-line anchors.
 */
import { PatternError, acquireRe2, leaseRe2, releaseRe2 } from './re2-pool.js';
import type { SharedRe2 } from './re2-pool.js';

export { PatternError } from './re2-pool.js';

const UNI_WORD = '\\p{L}\\p{M}\\p{Nd}\\p{Pc}';
const UNI_SPACE = '\\t\\n\\x{0B}\\f\\r\\x{1C}-\\x{1F}\\x{85}\\p{Z}';

/**
 * Python `regex` syntax → RE2 syntax.
 * - `(?P<name>…)` / `(?<name>…)` → plain groups (names are never used: the whole match is masked).
 * - `(?#comment)` is removed; `\Z` → `\z`; `\uXXXX` / `\UXXXXXXXX` → `\x{…}`.
 * - `\d \D \w \s` (and `\W \S` outside classes) → their Unicode sets, as Python's str patterns mean them.
 *   `\b` stays ASCII (RE2 has no Unicode word boundary).
 * - Backreferences (`\1`, `(?P=name)`), lookarounds and atomic groups have no linear-time equivalent
 *   and are rejected.
 */
export function translatePattern(p: string): string {
  let out = '';
  let inClass = false;
  let classStart = -1;
  for (let i = 0; i < p.length;) {
    const c = p[i] ?? '';
    if (c === '\\') {
      const n = p[i + 1];
      if (n === undefined) throw new PatternError('trailing backslash');
      i += 2;
      switch (n) {
        case 'd':
          out += '\\p{Nd}';
          break;
        case 'D':
          out += '\\P{Nd}';
          break;
        case 'w':
          out += inClass ? UNI_WORD : `[${UNI_WORD}]`;
          break;
        case 'W':
          out += inClass ? '\\W' : `[^${UNI_WORD}]`;
          break;
        case 's':
          out += inClass ? UNI_SPACE : `[${UNI_SPACE}]`;
          break;
        case 'S':
          out += inClass ? '\\S' : `[^${UNI_SPACE}]`;
          break;
        case 'Z':
          out += '\\z';
          break;
        case 'u':
        case 'U': {
          const len = n === 'u' ? 4 : 8;
          const hex = p.slice(i, i + len);
          if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex))
            throw new PatternError(`bad escape \\${n}${hex}`);
          out += `\\x{${hex}}`;
          i += len;
          break;
        }
        default:
          if (!inClass && n >= '1' && n <= '9')
            throw new PatternError(`backreference \\${n} is not supported by RE2 (linear-time engine)`);
          out += `\\${n}`;
      }
      continue;
    }
    if (inClass) {
      if (c === ']' && i >= classStart) inClass = false;
      out += c;
      i++;
      continue;
    }
    if (c === '[') {
      inClass = true;
      // a ']' right after '[' or '[^' is a literal
      classStart = p[i + 1] === '^' ? i + 3 : i + 2;
      out += c;
      i++;
      continue;
    }
    if (c === '(' && p[i + 1] === '?') {
      const rest = p.slice(i + 2);
      const named = /^P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
      if (named) {
        out += '(';
        i += 2 + named[0].length;
        continue;
      }
      const backref = /^P=([A-Za-z_][A-Za-z0-9_]*)\)/.exec(rest);
      if (backref)
        throw new PatternError(
          `backreference (?P=${backref[1]}) is not supported by RE2 (linear-time engine)`,
        );
      if (rest.startsWith('#')) {
        const close = p.indexOf(')', i);
        if (close === -1) throw new PatternError('unterminated comment');
        i = close + 1;
        continue;
      }
      if (/^(?:=|!|<=|<!)/.test(rest))
        throw new PatternError('lookahead/lookbehind is not supported by RE2 (linear-time engine)');
      if (rest.startsWith('>')) throw new PatternError('atomic groups are not supported by RE2');
    }
    out += c;
    i++;
  }
  return out;
}

/** The shared compiled pattern (translated RE2 syntax, the guard's flags); throws PatternError. */
function compileRe2(re2Source: string): SharedRe2 {
  return acquireRe2(`(?m)${re2Source}`, true, true, true);
}

/** Patterns whose alternation stays small enough to share RE2's heap with many routes. */
const COMBINED_MAX_SOURCE = 2048;

function combinedOf(sources: readonly string[]): SharedRe2 | undefined {
  if (sources.length < 2) return undefined;
  const joined = sources.map((src) => `(?:${src})`).join('|');
  // Unicode letter classes (\w and the like) make each pattern a large program: never combine them.
  if (joined.length > COMBINED_MAX_SOURCE || joined.includes('\\p{L}')) return undefined;
  try {
    return compileRe2(joined);
  } catch {
    return undefined; // RE2 cannot hold it: each pattern is scanned on its own
  }
}

const ENCODER = new TextEncoder();

/** The text as UTF-8 plus code point ↔ UTF-16 ↔ byte offset maps (identity for ASCII). */
class Utf8Text {
  readonly bytes: Uint8Array;
  readonly cpCount: number;
  private readonly cpToU16: Uint32Array | undefined;
  private readonly cpToByte: Uint32Array | undefined;

  constructor(text: string) {
    this.bytes = ENCODER.encode(text);
    if (this.bytes.length === text.length) {
      this.cpCount = text.length;
      return;
    }
    const u16 = new Uint32Array(text.length + 1);
    const b = new Uint32Array(text.length + 1);
    let k = 0;
    let byte = 0;
    for (let i = 0; i < text.length;) {
      const cp = text.codePointAt(i) ?? 0;
      u16[k] = i;
      b[k] = byte;
      k++;
      // lone surrogates encode as U+FFFD (3 bytes)
      byte += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      i += cp > 0xffff ? 2 : 1;
    }
    u16[k] = text.length;
    b[k] = byte;
    this.cpCount = k;
    this.cpToU16 = u16;
    this.cpToByte = b;
  }
  u16(cp: number): number {
    return this.cpToU16 ? (this.cpToU16[cp] ?? 0) : cp;
  }
  byte(cp: number): number {
    return this.cpToByte ? (this.cpToByte[cp] ?? 0) : cp;
  }
}

function cpLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const u = s.charCodeAt(i);
    if (u >= 0xd800 && u <= 0xdbff) {
      n--;
      i++;
    }
  }
  return n;
}

/** First window size, in code points. A match is accepted from a window only if it ends in its first half. */
const WINDOW0 = 4096;

/**
 * Leftmost-first match of `re` starting at or after code point `from` (never an empty match; those are
 * skipped as Presidio skips them). Returns [startCp, endCp] or undefined.
 *
 * RE2 is given a window of the text (plus one character of left context for `\b` and `^`). A match is
 * trusted only if it ends in the first half of the window or the window reaches the end of the text;
 * otherwise, and when the window has no match, the window doubles. Results equal a whole-text scan
 * unless a single match is longer than half a window (≥ 2048 characters) and hides a shorter one.
 */
function nextMatch(
  re: SharedRe2,
  t: Utf8Text,
  from: number,
  stopOnEmpty = false,
  firstWindow = WINDOW0,
): [number, number] | undefined {
  let win = firstWindow;
  let pos = from;
  for (;;) {
    if (pos > t.cpCount) return undefined;
    const ctx = pos > 0 ? 1 : 0;
    const wStart = pos - ctx;
    const wEnd = Math.min(t.cpCount, pos + win);
    const whole = wStart === 0 && wEnd === t.cpCount;
    const input = whole ? t.bytes : t.bytes.subarray(t.byte(wStart), t.byte(wEnd));
    const m = re.match(input, ctx, false);
    const atEnd = wEnd === t.cpCount;
    if (m.index < 0) {
      if (atEnd) return undefined;
      win *= 2;
      continue;
    }
    const s = wStart + m.index;
    const e = s + cpLength(m.match);
    if (!atEnd && e > pos + win / 2) {
      win *= 2;
      continue;
    }
    if (e === s) {
      if (stopOnEmpty) return [s, s];
      // empty match: try again one character further
      pos = s + 1;
      win = Math.min(win, WINDOW0);
      continue;
    }
    return [s, e];
  }
}

export interface CustomMatcher {
  /** Every match of every pattern, UTF-16 offsets, each pattern scanned on its own (Presidio finditer). */
  find(text: string, out: { start: number; end: number }[]): void;
  /** True if any pattern matches (non-empty) anywhere. */
  test(text: string): boolean;
  /** Gives its compiled patterns back to the pool (idempotent; a later use compiles them again). */
  release(): void;
}

/**
 * Compiles the patterns. Throws {@link PatternError} tagged with the index of the bad pattern via
 * `onError`. Patterns are shared with every other matcher using them (re2-pool.ts). When every
 * pattern is small (no Unicode letter classes, which cost RE2's fixed heap dearly), one combined
 * alternation, pooled too, answers "is there any match at all" in one scan (the common answer is
 * no) and where the first one starts; each pattern is then scanned on its own from there, since
 * alternation is not union. Otherwise, or when RE2 cannot hold it, each is scanned on its own.
 */
export function compileCustom(
  patterns: readonly string[],
  onError: (index: number, message: string) => never,
): CustomMatcher | undefined {
  if (patterns.length === 0) return undefined;
  const res: SharedRe2[] = [];
  const sources: string[] = [];
  patterns.forEach((p, i) => {
    let re: SharedRe2;
    let src: string;
    try {
      src = translatePattern(p);
      re = compileRe2(src);
    } catch (e) {
      for (const r of res) releaseRe2(r);
      return onError(i, e instanceof Error ? e.message : String(e));
    }
    const empty = ['', ' ', 'a', 'a b', '\n'].some((probe) => {
      const m = re.match(probe, 0, false);
      return m.index >= 0 && m.match === '';
    });
    if (empty) {
      releaseRe2(re);
      for (const r of res) releaseRe2(r);
      return onError(i, 'pattern matches the empty string; it would cost a scan per character for nothing');
    }
    sources.push(src);
    res.push(re);
  });
  const combined = combinedOf(sources);
  const matcher: CustomMatcher = {
    find(text, out) {
      if (text === '') return;
      const t = new Utf8Text(text);
      let first = 0;
      if (combined !== undefined) {
        // An empty match of the alternation could hide another alternative's match at the same
        // place, so it only tells where to start, never that there is nothing.
        const m = nextMatch(combined, t, 0, true, Infinity);
        if (m === undefined) return;
        first = m[0];
      }
      for (const re of res) {
        // The first search of a pattern scans everything left (one RE2 call when there is no match,
        // the common case); later ones start with small windows (many matches stay linear).
        for (let m = nextMatch(re, t, first, false, Infinity); m !== undefined; m = nextMatch(re, t, m[1])) {
          out.push({ start: t.u16(m[0]), end: t.u16(m[1]) });
        }
      }
    },
    test(text) {
      if (text === '') return false;
      const t = new Utf8Text(text);
      if (combined !== undefined) {
        const m = nextMatch(combined, t, 0, true, Infinity);
        if (m === undefined) return false;
        if (m[1] > m[0]) return true;
      }
      return res.some((re) => nextMatch(re, t, 0, false, Infinity) !== undefined);
    },
    release: () => release(),
  };
  const release = leaseRe2(matcher, combined ? [...res, combined] : res);
  return matcher;
}

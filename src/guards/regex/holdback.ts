/**
 * Streaming hold-back: where a growing text may be cut so that masking the part before the cut now and
 * the rest later gives exactly what masking everything at once gives, whatever text follows.
 *
 * A cut c is *safe* for a recognizer when (1) no match, present or future, can span c, (2) nothing the
 * recognizer decides about text before c depends on characters after c, and (3) the character before c
 * looks to the recognizer like the start of the text (so the rest can be masked without it). Each
 * builtin gets a local test (a few characters around c), derived from its pattern:
 *
 * - CREDIT_CARD / SSN: matches are digits joined by single ' ' / '-' (SSN also '.') separators and
 *   bounded by `\b`. Safe iff the character before c is not a word character and is not a separator
 *   between a digit and a digit (or a digit and the unknown future, when c is the end).
 * - EMAIL: every character of a match, and every character the scan deciding one reads past its ends, is
 *   a word character, one of ``!#$%&'*+-/=?^_`{|}~``, '.' or '@'. Safe iff the character before c is none
 *   of those. (The local part is unbounded in Presidio's regex, so the whole trailing token is held.)
 * - PHONE_NUMBER: libphonenumber's candidates are digits and leads ('(', '[', '+') joined by punctuation
 *   and extension text, and it rejects a number next to a Latin letter, '%' or currency sign, or followed
 *   by `:dd` when it looks like a time stamp. Safe iff the character before c is none of those neighbours
 *   and the nearest character before c that is not phone punctuation/extension text is not a digit or
 *   lead (see chars.ts for the alphabets; they are supersets, so this errs on holding back).
 * - Custom patterns: the cut is at least `maxCustomMatchChars` before the end, is not inside a current
 *   match, and follows a non-ASCII-word character (`\b` context). Exact for matches no longer than the
 *   limit; `^`/`$` next to a cut may still see a text edge there.
 *
 * All builtins and custom patterns of a guard must be safe at the same c. If no such c exists within
 * `maxHoldChars` of the end (a very long email-ish token, a long run of digit groups), the cut is forced:
 * first at a place safe for everything but EMAIL, else at `maxHoldChars`; exactness is then lost for that
 * one oversized token only.
 */
import {
  PHONE_BREAKER,
  PHONE_CONNECTOR,
  PHONE_SKIP_KIND,
  cpAt,
  cpBefore,
  cpLen,
  isDigit,
  isEmailChar,
  isWord,
  phoneKind,
  splitsPair,
} from './chars.js';
import { phoneContextNeutral } from './builtins.js';

export interface HoldBackSpec {
  readonly card: boolean;
  readonly ssn: boolean;
  readonly phone: boolean;
  readonly email: boolean;
  /** Custom matches of the text (UTF-16 offsets), or undefined without custom patterns. */
  readonly customSpans: ((text: string) => readonly { start: number; end: number }[]) | undefined;
  readonly maxCustomMatchChars: number;
  readonly maxHoldChars: number;
}

const isAsciiWord = (cp: number): boolean =>
  (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a) || cp === 0x5f;

/** Nearest non-skip phone kind before a cut, memoised while cuts are tried from right to left. */
class PhoneScan {
  private idx = -1; // index of the nearest non-skip char found by the last scan (-1: none)
  private kind = PHONE_BREAKER as number;
  private validFrom = -1; // cuts c with idx < c <= validFrom reuse the answer

  constructor(private readonly text: string) {}

  kindBefore(c: number): number {
    if (c <= this.validFrom && c > this.idx) return this.kind;
    let i = c;
    this.kind = PHONE_BREAKER;
    this.idx = -1;
    while (i > 0) {
      const cp = cpBefore(this.text, i);
      i -= cpLen(cp);
      const k = phoneKind(cp);
      if (k !== PHONE_SKIP_KIND) {
        this.kind = k;
        this.idx = i;
        break;
      }
    }
    this.validFrom = c;
    return this.kind;
  }
}

export function holdBack(spec: HoldBackSpec, text: string): number {
  const n = text.length;
  if (n === 0) return 0;
  const numeric = spec.card || spec.ssn;
  const anyBuiltin = numeric || spec.phone || spec.email;
  if (!anyBuiltin && spec.customSpans === undefined) return 0;

  let upper = n;
  // Custom matches sorted by start, with the running maximum of their ends: a cut c is inside one iff
  // the maximum end of the matches starting before c is beyond c.
  let starts: number[] = [];
  let maxEnds: number[] = [];
  if (spec.customSpans !== undefined) {
    upper = Math.max(0, n - spec.maxCustomMatchChars);
    if (upper === 0) return n;
    const spans = [...spec.customSpans(text)].sort((a, b) => a.start - b.start);
    starts = spans.map((s) => s.start);
    let max = -1;
    maxEnds = spans.map((s) => (max = Math.max(max, s.end)));
  }
  const phone = spec.phone ? new PhoneScan(text) : undefined;
  let spanIdx = starts.length - 1; // moves left along with c

  const safe = (c: number, withEmail: boolean): boolean => {
    if (c === 0) return true;
    if (splitsPair(text, c)) return false;
    const before = cpBefore(text, c);
    if (spec.customSpans !== undefined) {
      if (isAsciiWord(before)) return false;
      while (spanIdx >= 0 && (starts[spanIdx] ?? 0) >= c) spanIdx--;
      if (spanIdx >= 0 && (maxEnds[spanIdx] ?? 0) > c) return false;
    }
    if (numeric) {
      if (isWord(before)) return false;
      const sep = before === 0x20 || before === 0x2d || (spec.ssn && before === 0x2e);
      if (sep && isDigit(cpBefore(text, c - cpLen(before))) && (c === n || isDigit(cpAt(text, c))))
        return false;
    }
    if (withEmail && spec.email && isEmailChar(before)) return false;
    if (phone !== undefined) {
      if (!phoneContextNeutral(before)) return false;
      if (phone.kindBefore(c) === PHONE_CONNECTOR) return false;
    }
    return true;
  };

  const limit = Math.max(0, upper - spec.maxHoldChars);
  for (let c = upper; c >= limit; c--) if (safe(c, true)) return n - c;
  // Nothing safe within maxHoldChars: force a cut, keeping every recognizer but EMAIL exact if possible.
  spanIdx = starts.length - 1;
  const limit2 = Math.max(0, limit - spec.maxHoldChars);
  for (let c = limit; c >= limit2; c--) if (safe(c, false)) return n - c;
  let c = limit;
  if (splitsPair(text, c)) c--;
  return n - c;
}

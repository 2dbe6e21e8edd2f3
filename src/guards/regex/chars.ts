/**
 * Character classes shared by the builtin recognizers and the streaming hold-back logic. Everything works
 * on UTF-16 indices but classifies whole code points (a surrogate pair is one character).
 *
 * "Word" follows Python's `regex` module in Unicode mode (what Presidio used): Alphabetic, Mark,
 * Decimal_Number, Connector_Punctuation and the two join controls. `\b` is a change of word-ness.
 */

const WORD_RE = /^[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\u200C\u200D]$/u;
const DIGIT_RE = /^\p{Nd}$/u;
const LATIN_LETTER_RE = /^[\p{L}\p{Mn}]$/u;
const CURRENCY_RE = /^\p{Sc}$/u;

/** ASCII fast path: 1 = word, 2 = digit (also word). */
const ASCII = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[0-9]/.test(ch)) ASCII[c] = 3;
  else if (/[A-Za-z_]/.test(ch)) ASCII[c] = 1;
}

const isHigh = (u: number): boolean => u >= 0xd800 && u <= 0xdbff;
const isLow = (u: number): boolean => u >= 0xdc00 && u <= 0xdfff;

/** Code point starting at UTF-16 index i (a lone surrogate is returned as itself); -1 past the end. */
export function cpAt(s: string, i: number): number {
  if (i >= s.length || i < 0) return -1;
  return s.codePointAt(i) ?? -1;
}

/** Code point ending just before UTF-16 index i; -1 at the start. */
export function cpBefore(s: string, i: number): number {
  if (i <= 0) return -1;
  const u = s.charCodeAt(i - 1);
  if (isLow(u) && i >= 2 && isHigh(s.charCodeAt(i - 2))) return s.codePointAt(i - 2) ?? -1;
  return u;
}

/** UTF-16 length of the code point cp. */
export const cpLen = (cp: number): number => (cp > 0xffff ? 2 : 1);

/** True if UTF-16 index i falls between the two halves of a surrogate pair (never cut there). */
export function splitsPair(s: string, i: number): boolean {
  return i > 0 && i < s.length && isLow(s.charCodeAt(i)) && isHigh(s.charCodeAt(i - 1));
}

export function isWord(cp: number): boolean {
  if (cp < 0) return false;
  if (cp < 128) return ASCII[cp] !== 0;
  return WORD_RE.test(String.fromCodePoint(cp));
}

/** A decimal digit of any script (Unicode Nd), what Python's `\d` matches on str patterns. */
export function isDigit(cp: number): boolean {
  if (cp < 0) return false;
  if (cp < 128) return ASCII[cp] === 3;
  return DIGIT_RE.test(String.fromCodePoint(cp));
}

/**
 * Value 0-9 of an Nd code point. Unicode allocates decimal digits in contiguous runs of ten starting at
 * zero (runs may be adjacent, e.g. the mathematical digits), so the value is the offset from the start
 * of the contiguous Nd run, modulo 10.
 */
export function digitValue(cp: number): number {
  if (cp >= 0x30 && cp <= 0x39) return cp - 0x30;
  let start = cp;
  while (start > 0 && isDigit(start - 1) && cp - start < 60) start--;
  return (cp - start) % 10;
}

/** The ASCII digits of every Nd character of s, in order (other characters are skipped). */
export function asciiDigits(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? -1;
    if (isDigit(cp)) out += String(digitValue(cp));
  }
  return out;
}

const EMAIL_SYMBOLS = new Set([..."!#$%&'*+-/=?^_`{|}~"].map((c) => c.charCodeAt(0)));

/** A character of the email local part other than '.': `[!#$%&'*+\-/=?^_`{|}~\w]`. */
export function isEmailLocal(cp: number): boolean {
  return EMAIL_SYMBOLS.has(cp) || isWord(cp);
}

/** Any character an email match (or the scan deciding one) can contain: local chars, '.', '@'. */
export function isEmailChar(cp: number): boolean {
  return cp === 0x2e || cp === 0x40 || isEmailLocal(cp);
}

/**
 * libphonenumber's `isLatinLetter` (a superset: any letter or non-spacing mark in the Latin blocks). The
 * phone matcher rejects a number directly preceded or followed by one.
 */
export function isLatinLetter(cp: number): boolean {
  const latinBlock = cp <= 0x24f || (cp >= 0x1e00 && cp <= 0x1eff) || (cp >= 0x300 && cp <= 0x36f);
  return latinBlock && cp >= 0 && LATIN_LETTER_RE.test(String.fromCodePoint(cp));
}

/** libphonenumber's `isInvalidPunctuationSymbol` (a superset: '%' or any currency symbol). */
export function isPhoneInvalidNeighbour(cp: number): boolean {
  return cp === 0x25 || (cp >= 0 && CURRENCY_RE.test(String.fromCodePoint(cp)));
}

// ---- phone candidate alphabet (libphonenumber-js PhoneNumberMatcher PATTERN) ----

/** Characters that may start a phone candidate besides digits: brackets and plus signs. */
const PHONE_LEAD = new Set([...'([\uFF08\uFF3B+\uFF0B'].map((c) => c.charCodeAt(0)));

/**
 * Every non-digit, non-lead character a phone candidate can contain: VALID_PUNCTUATION (dashes,
 * slashes, dots, the matcher's whitespace, brackets, tildes) and everything of the extension patterns
 * (separators, `;ext=`, `#`, `~`, labels ext/extension/extensión/xtn/int/anexo/доб in both cases and
 * full width, the combining acute). Chosen as a superset: holding back too much is harmless.
 */
const PHONE_SKIP = new Set<number>();
for (const ch of '-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30FC\uFF0D' + // dashes
  '\uFF0F/' + // slashes
  '\uFF0E.' + // dots
  ' \u00A0\u00AD\u200B\u2060\u3000\t' + // whitespace (+ tab of the extension separators)
  '()\uFF08\uFF09\uFF3B\uFF3D[]' + // brackets
  '~\u2053\u223C\uFF5E' + // tildes
  ',:;=#\uFF03' + // extension punctuation
  'extnsioadEXTNSIOAD\u00F3\u00D3\u0301' + // ext / extension / extensión / int / anexo
  '\uFF45\uFF58\uFF54\uFF4E\uFF49\uFF25\uFF38\uFF34\uFF2E\uFF29' + // full-width ext / int
  '\u0434\u043E\u0431\u0414\u041E\u0411')
  // доб
  PHONE_SKIP.add(ch.charCodeAt(0));

/** Cannot be inside a phone candidate: a candidate never spans it. */
export const PHONE_BREAKER = 0;
/** Punctuation or extension text: part of a candidate only next to digits or a lead. */
export const PHONE_SKIP_KIND = 1;
/** A digit or a lead character: can start or continue a candidate. */
export const PHONE_CONNECTOR = 2;
export type PhoneKind = typeof PHONE_BREAKER | typeof PHONE_SKIP_KIND | typeof PHONE_CONNECTOR;

export function phoneKind(cp: number): PhoneKind {
  if (isDigit(cp) || PHONE_LEAD.has(cp)) return PHONE_CONNECTOR;
  return PHONE_SKIP.has(cp) ? PHONE_SKIP_KIND : PHONE_BREAKER;
}

export const isPhonePlus = (cp: number): boolean => cp === 0x2b || cp === 0xff0b;

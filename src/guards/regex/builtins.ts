/**
 * The four builtin recognizers, ported from Microsoft Presidio as the original extension used them
 * (docs/reference/kgateway-contract.md §3.3). Every regex is compiled once, here, at module load.
 *
 * Python's `regex` module ran Presidio's patterns with DOTALL|MULTILINE|IGNORECASE on str, so `\d` is any
 * Unicode decimal digit and `\w`/`\b` are Unicode-aware; the JS ports below spell that out (JS `\b` is
 * ASCII-only even with the `u` flag).
 */
import type { CountryCode } from 'libphonenumber-js/max';
import { Metadata, findPhoneNumbersInText, getCountries } from 'libphonenumber-js/max';
import { parse as parseDomain } from 'tldts';

import {
  PHONE_BREAKER,
  PHONE_CONNECTOR,
  PHONE_SKIP_KIND,
  asciiDigits,
  cpAt,
  cpBefore,
  cpLen,
  digitValue,
  isDigit,
  isEmailLocal,
  isLatinLetter,
  isPhoneInvalidNeighbour,
  isPhonePlus,
  isWord,
  phoneKind,
} from './chars.js';

export type BuiltinEntity = 'CREDIT_CARD' | 'SSN' | 'PHONE_NUMBER' | 'EMAIL';
export type EntityType = BuiltinEntity | 'CUSTOM';

/** One recognizer result, UTF-16 offsets [start, end). */
export interface Span {
  start: number;
  end: number;
  entity: EntityType;
  /** Presidio's score; decides which of two results with identical offsets survives. */
  score: number;
}

/** Presidio's AnonymizerEngine default "replace" operator: `<ENTITY_TYPE>` with Presidio's names. */
export const MASKS: Readonly<Record<EntityType, string>> = {
  CREDIT_CARD: '<CREDIT_CARD>',
  SSN: '<US_SSN>',
  PHONE_NUMBER: '<PHONE_NUMBER>',
  EMAIL: '<EMAIL_ADDRESS>',
  CUSTOM: '<CUSTOM>',
};

const D = '\\p{Nd}';
const W = '[\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\u200C\\u200D]';
/** `\b` before a word character / after one. */
const B_START = `(?<!${W})`;
const B_END = `(?!${W})`;

const HAS_DIGIT = /\p{Nd}/u;

// ---------------------------------------------------------------- CREDIT_CARD

/** Presidio CreditCardRecognizer "All Credit Cards (weak)", score 0.3, then Luhn-validated to 1.0. */
const CARD_RE = new RegExp(
  `${B_START}(?!1${D}{12}(?!${D}))(?:4${D}{3}|5[0-5]${D}{2}|6${D}{3}|1${D}{3}|3${D}{3})` +
    `[- ]?${D}{3,4}[- ]?${D}{3,4}[- ]?${D}{3,5}${B_END}`,
  'gu',
);

/** Presidio's `__luhn_checksum` over the digits left after stripping '-' and ' '. */
export function luhnValid(match: string): boolean {
  const digits: number[] = [];
  for (const ch of match) {
    const cp = ch.codePointAt(0) ?? -1;
    if (isDigit(cp)) digits.push(digitValue(cp));
    else if (ch !== '-' && ch !== ' ') return false;
  }
  let sum = 0;
  for (let i = digits.length - 1, odd = true; i >= 0; i--, odd = !odd) {
    const d = digits[i] ?? 0;
    if (odd) sum += d;
    else sum += d * 2 > 9 ? d * 2 - 9 : d * 2;
  }
  return digits.length > 0 && sum % 10 === 0;
}

export function findCreditCards(text: string, out: Span[]): void {
  if (!HAS_DIGIT.test(text)) return;
  CARD_RE.lastIndex = 0;
  for (let m = CARD_RE.exec(text); m !== null; m = CARD_RE.exec(text)) {
    if (luhnValid(m[0]))
      out.push({ start: m.index, end: m.index + m[0].length, entity: 'CREDIT_CARD', score: 1 });
  }
}

// ---------------------------------------------------------------- SSN

/** Presidio UsSsnRecognizer's five patterns and scores, each scanned on its own (`finditer`). */
const SSN_PATTERNS: readonly (readonly [RegExp, number])[] = [
  [new RegExp(`${B_START}${D}{5}-${D}{4}${B_END}`, 'gu'), 0.05],
  [new RegExp(`${B_START}${D}{3}-${D}{6}${B_END}`, 'gu'), 0.05],
  [new RegExp(`${B_START}${D}{3}-${D}{2}-${D}{4}${B_END}`, 'gu'), 0.05],
  [new RegExp(`${B_START}${D}{9}${B_END}`, 'gu'), 0.05],
  [new RegExp(`${B_START}${D}{3}[- .]${D}{2}[- .]${D}{4}${B_END}`, 'gu'), 0.5],
];

const SSN_SAMPLES = ['000', '666', '123456789', '98765432', '078051120'];

/** Presidio `UsSsnRecognizer.invalidate_result`, comparing the digits as ASCII. */
export function ssnInvalid(match: string): boolean {
  let delimiter = '';
  for (const ch of match) {
    if (ch === '.' || ch === '-' || ch === ' ') {
      if (delimiter !== '' && delimiter !== ch) return true; // mixed delimiters
      delimiter = ch;
    }
  }
  const digits = asciiDigits(match);
  const first = digits[0];
  if (first === undefined || [...digits].every((d) => d === first)) return true;
  if (digits.slice(3, 5) === '00' || digits.slice(5) === '0000') return true;
  return SSN_SAMPLES.some((s) => digits.startsWith(s));
}

export function findSsns(text: string, out: Span[]): void {
  if (!HAS_DIGIT.test(text)) return;
  for (const [re, score] of SSN_PATTERNS) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      if (!ssnInvalid(m[0])) out.push({ start: m.index, end: m.index + m[0].length, entity: 'SSN', score });
    }
  }
}

// ---------------------------------------------------------------- EMAIL

/** The domain of Presidio's email regex: a maximal `\w+([-.]\w+)*` run from the '@'. */
const DOMAIN_RE = new RegExp(`${W}+(?:[-.]${W}+)*`, 'uy');

const TLD_OPTIONS = {
  allowPrivateDomains: false,
  extractHostname: false,
  validateHostname: false,
  detectIp: true,
} as const;

/**
 * Presidio EmailRecognizer validates with `tldextract(...).fqdn != ""`: the host needs a registrable
 * domain under a known ICANN public suffix (private suffixes excluded, IP addresses rejected).
 */
export function hasPublicSuffix(host: string): boolean {
  const r = parseDomain(host.toLowerCase(), TLD_OPTIONS);
  return (
    r.isIcann === true && r.domain !== null && r.domainWithoutSuffix !== null && r.domainWithoutSuffix !== ''
  );
}

/**
 * Presidio's email regex
 * `\b((([L])|([L][L.]{0,}[L]))[@]\w+([-.]\w+)*\.\w+([-.]\w+)*)\b` with L = ``[!#$%&'*+\-/=?^_`{|}~\w]``,
 * evaluated per '@' in linear time instead of by backtracking (the regex is quadratic on long runs).
 * Equivalence: a local part cannot contain '@', so a match uses the first '@' after its start; the domain
 * part (greedy, then backtracking to a '.') always ends at the end of the maximal `\w+([-.]\w+)*` run
 * and succeeds iff that run has a '.' separator; the match starts at the leftmost position p (not before
 * the previous match's end) where `\b` holds, T[p] is an L character and T[p..@) is all L or '.'.
 * Like Python's finditer, a regex match that fails validation still consumes its text.
 */
export function findEmails(text: string, out: Span[]): void {
  let lastEnd = 0;
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', Math.max(at + 1, lastEnd))) {
    const before = cpBefore(text, at);
    if (before === -1 || before === 0x2e || !isEmailLocal(before)) continue;
    DOMAIN_RE.lastIndex = at + 1;
    const dm = DOMAIN_RE.exec(text);
    if (dm === null || !dm[0].includes('.')) continue;
    const end = at + 1 + dm[0].length;
    // The local-part run: L or '.' characters back from the '@', not before the previous match.
    let runStart = at;
    while (runStart > lastEnd) {
      const cp = cpBefore(text, runStart);
      if (cp !== 0x2e && !isEmailLocal(cp)) break;
      runStart -= cpLen(cp);
    }
    let start = -1;
    for (let p = runStart; p < at;) {
      const cp = cpAt(text, p);
      if (cp !== 0x2e && isWord(cpBefore(text, p)) !== isWord(cp)) {
        start = p;
        break;
      }
      p += cpLen(cp);
    }
    if (start === -1) continue;
    lastEnd = end;
    if (hasPublicSuffix(dm[0])) out.push({ start, end, entity: 'EMAIL', score: 1 });
  }
}

// ---------------------------------------------------------------- PHONE_NUMBER

/**
 * The original listed `US, UK, DE, FE, IL, IN, CA, BR`. `UK` and `FE` are not region codes, so Python's
 * phonenumbers could only find international (+...) numbers for them, which every other region finds
 * too; we use GB and FR (docs/reference/decisions.md), which also finds national-format British and French numbers.
 */
export const PHONE_REGIONS: readonly CountryCode[] = ['US', 'GB', 'DE', 'FR', 'IL', 'IN', 'CA', 'BR'];

interface PlanLike {
  callingCode(): string;
  possibleLengths(): number[] | undefined;
  type(t: string): { possibleLengths(): number[] | undefined } | undefined;
}
const NUMBER_TYPES = [
  'FIXED_LINE',
  'MOBILE',
  'TOLL_FREE',
  'PREMIUM_RATE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
];

/**
 * Digit-count floors that let whole text segments skip a region without calling libphonenumber: a VALID
 * number has at least as many digits as the shortest national number of any of its types. Computed from
 * the metadata so it follows library updates; on any surprise the floor is 1 (no skipping).
 */
function digitFloors(): { national: ReadonlyMap<string, number>; international: number } {
  const national = new Map<string, number>();
  let international = 1;
  try {
    const md = new Metadata();
    const minNational = (c: CountryCode): number => {
      md.selectNumberingPlan(c);
      const plan = md.numberingPlan as unknown as PlanLike;
      let min = Infinity;
      for (const t of NUMBER_TYPES) {
        const lengths = plan.type(t)?.possibleLengths() ?? plan.possibleLengths() ?? [];
        for (const l of lengths) min = Math.min(min, l);
      }
      return min;
    };
    let intl = Infinity;
    for (const c of getCountries()) {
      const n = minNational(c);
      md.selectNumberingPlan(c);
      intl = Math.min(intl, n + (md.numberingPlan as unknown as PlanLike).callingCode().length);
      if (PHONE_REGIONS.includes(c)) national.set(c, n);
    }
    // Non-geographic codes (+800, +882, ...) are longer than any country's shortest number; keep a
    // margin of one digit anyway.
    international = Number.isFinite(intl) && intl > 1 ? intl - 1 : 1;
    for (const [c, n] of national) if (!Number.isFinite(n) || n < 1) national.set(c, 1);
  } catch {
    national.clear();
    international = 1;
  }
  return { national, international };
}

const FLOORS = digitFloors();
/** International numbers without a plus sign need an IDD prefix: at least 2 digits (00) in our regions. */
const IDD_MIN_DIGITS = 2;

function regionFloor(region: string, hasPlus: boolean): number {
  const nat = FLOORS.national.get(region) ?? 1;
  const intl = hasPlus ? FLOORS.international : FLOORS.international + IDD_MIN_DIGITS;
  return Math.min(nat, intl);
}

/**
 * Whether text may be cut before UTF-16 index c without changing what libphonenumber's matcher finds on
 * either side: the character before c is not a Latin letter, '%' or currency sign (the matcher checks a
 * candidate's neighbours), and the nearest character before c that is not phone punctuation or extension
 * text is a breaker rather than a digit or lead ('(', '[', '+'), so no candidate can span c.
 * This function checks the first condition; {@link phoneSegments} and the hold-back track the second.
 */
export function phoneContextNeutral(cpBeforeCut: number): boolean {
  return cpBeforeCut === -1 || (!isLatinLetter(cpBeforeCut) && !isPhoneInvalidNeighbour(cpBeforeCut));
}

interface Segment {
  start: number;
  end: number;
  digits: number;
  plus: boolean;
}

/**
 * Splits text at the phone-safe cuts (see {@link phoneContextNeutral}) and returns the pieces that
 * contain digits. Matching each piece alone finds exactly what matching the whole text finds.
 */
export function phoneSegments(text: string): Segment[] {
  const segs: Segment[] = [];
  let segStart = 0;
  let digits = 0;
  let plus = false;
  let kind: number = PHONE_BREAKER;
  for (let i = 0; i < text.length;) {
    const cp = text.codePointAt(i) ?? 0;
    i += cpLen(cp);
    const k = phoneKind(cp);
    if (k !== PHONE_SKIP_KIND) kind = k;
    if (isDigit(cp)) digits++;
    else if (isPhonePlus(cp)) plus = true;
    if (kind !== PHONE_CONNECTOR && phoneContextNeutral(cp)) {
      if (digits > 0) segs.push({ start: segStart, end: i, digits, plus });
      segStart = i;
      digits = 0;
      plus = false;
    }
  }
  if (digits > 0) segs.push({ start: segStart, end: text.length, digits, plus });
  return segs;
}

/**
 * Results per segment text. Chat requests resend the whole conversation every turn, so the same
 * segments come back again and again; libphonenumber costs ~10-30 µs per region and candidate.
 */
const PHONE_CACHE = new Map<string, readonly (readonly [number, number])[]>();
const PHONE_CACHE_MAX = 4096;
const PHONE_CACHE_PIECE_MAX = 256;

/**
 * libphonenumber's cost grows with the digits it is given, per region: adversarial text made of spaced
 * digits costs about 10 µs per digit and region, seconds per 100 KB. A caller can bound that work:
 * inside {@link withGuardBudget}, each region scan spends the piece's digit count, and running out
 * throws {@link GuardBudgetError} (the caller fails closed). Outside it the work is unbounded.
 */
export class GuardBudgetError extends Error {
  constructor() {
    super('the text has too many phone-number candidates to check');
  }
}

let phoneWorkLeft = Number.POSITIVE_INFINITY;

export function withGuardBudget<T>(digitScans: number, fn: () => T): T {
  const previous = phoneWorkLeft;
  phoneWorkLeft = digitScans;
  try {
    return fn();
  } finally {
    phoneWorkLeft = previous;
  }
}

function phonesInPiece(piece: string, digits: number, plus: boolean): readonly (readonly [number, number])[] {
  const cacheable = piece.length <= PHONE_CACHE_PIECE_MAX;
  if (cacheable) {
    const hit = PHONE_CACHE.get(piece);
    if (hit !== undefined) return hit;
  }
  const found: [number, number][] = [];
  for (const region of PHONE_REGIONS) {
    if (digits < regionFloor(region, plus)) continue;
    phoneWorkLeft -= digits;
    if (phoneWorkLeft < 0) throw new GuardBudgetError();
    for (const m of findPhoneNumbersInText(piece, region)) found.push([m.startsAt, m.endsAt]);
  }
  if (cacheable) {
    if (PHONE_CACHE.size >= PHONE_CACHE_MAX) {
      const oldest = PHONE_CACHE.keys().next();
      if (oldest.done !== true) PHONE_CACHE.delete(oldest.value);
    }
    PHONE_CACHE.set(piece, found);
  }
  return found;
}

/**
 * Presidio PhoneRecognizer: phonenumbers' PhoneNumberMatcher with leniency VALID, once per region, score
 * 0.4. Results of different regions overlap freely; the same-type merge unites them. The text is cut at
 * phone-safe places first, so digit-free prose never reaches libphonenumber.
 */
export function findPhones(text: string, out: Span[]): void {
  if (!HAS_DIGIT.test(text)) return;
  for (const seg of phoneSegments(text)) {
    const piece = seg.start === 0 && seg.end === text.length ? text : text.slice(seg.start, seg.end);
    for (const [s, e] of phonesInPiece(piece, seg.digits, seg.plus)) {
      out.push({ start: seg.start + s, end: seg.start + e, entity: 'PHONE_NUMBER', score: 0.4 });
    }
  }
}

/** Exposed for tests: the digit-count floor below which a region is not asked. */
export const phoneRegionFloor = regionFloor;

export const BUILTIN_FINDERS: Readonly<Record<BuiltinEntity, (text: string, out: Span[]) => void>> = {
  CREDIT_CARD: findCreditCards,
  SSN: findSsns,
  PHONE_NUMBER: findPhones,
  EMAIL: findEmails,
};

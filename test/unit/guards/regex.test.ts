import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { findPhoneNumbersInText } from 'libphonenumber-js/max';

import { GuardConfigError } from '../../../src/guards/config.js';
import type { Builtin, RegexGuard } from '../../../src/guards/config.js';
import { compileRegexGuard } from '../../../src/guards/regex/index.js';
import type { Span } from '../../../src/guards/regex/builtins.js';
import {
  PHONE_REGIONS,
  findEmails,
  findPhones,
  hasPublicSuffix,
  luhnValid,
  phoneSegments,
  ssnInvalid,
} from '../../../src/guards/regex/builtins.js';
import { translatePattern } from '../../../src/guards/regex/custom.js';
import { digitValue } from '../../../src/guards/regex/chars.js';

const ALL: Builtin[] = ['CREDIT_CARD', 'SSN', 'PHONE_NUMBER', 'EMAIL'];
const cfg = (
  builtins: Builtin[],
  patterns: string[] = [],
  action: 'MASK' | 'REJECT' = 'MASK',
): RegexGuard => ({
  action,
  builtins,
  matches: patterns.map((pattern) => ({ pattern })),
});
const guard = (builtins: Builtin[], patterns: string[] = []) => compileRegexGuard(cfg(builtins, patterns));
const FIXTURES: string[] = (
  JSON.parse(readFileSync(path.resolve('test/fixtures/guards/regex-texts.json'), 'utf8')) as {
    texts: string[];
  }
).texts;

describe('regex guard: CREDIT_CARD', () => {
  const g = guard(['CREDIT_CARD']);
  it('masks Luhn-valid numbers in the usual formats', () => {
    assert.equal(g.mask('card 4111 1111 1111 1111 ok').text, 'card <CREDIT_CARD> ok');
    assert.equal(g.mask('card 4111-1111-1111-1111.').text, 'card <CREDIT_CARD>.');
    assert.equal(g.mask('5105105105105100').text, '<CREDIT_CARD>');
    assert.equal(g.mask('amex 3782 822463 10005').text, 'amex <CREDIT_CARD>');
    assert.deepEqual(g.mask('4111111111111111 and 6011111111111117').entities, [
      'CREDIT_CARD',
      'CREDIT_CARD',
    ]);
  });
  it('leaves Luhn-invalid numbers and non-card shapes alone', () => {
    for (const s of [
      '4111 1111 1111 1112',
      '5105105105105101',
      '2111 1111 1111 1111', // no 2-series in Presidio's pattern
      'abc4111111111111111', // no word boundary
      '4111111111111111x',
      '4111  1111 1111 1111', // two separators
      '4111\n1111\n1111\n1111',
    ]) {
      const r = g.mask(s);
      assert.equal(r.text, s, s);
      assert.deepEqual(r.entities, []);
    }
  });
  it('implements Presidio Luhn over digits with - and spaces stripped', () => {
    assert.equal(luhnValid('4111 1111 1111 1111'), true);
    assert.equal(luhnValid('4111-1111-1111-1112'), false);
    assert.equal(luhnValid('79927398713'), true);
    // Unicode decimal digits count with their values (Python's int() does the same)
    assert.equal(luhnValid('4\u0661\u0661\u0661 1111 1111 1111'), true);
    assert.equal(digitValue(0x0663), 3);
    assert.equal(digitValue(0x1d7d8), 0); // MATHEMATICAL DOUBLE-STRUCK DIGIT ZERO, after a run of bold digits
    assert.equal(digitValue(0xff19), 9);
  });
  it('excludes 13-digit numbers starting with 1 like Presidio', () => {
    assert.equal(g.mask('1234567890128').text, '1234567890128');
  });
});

describe('regex guard: SSN', () => {
  const g = guard(['SSN']);
  it('masks the five Presidio shapes', () => {
    for (const s of ['536-22-8726', '536 22 8726', '536.22.8726', '536228726', '53622-8726', '536-228726'])
      assert.equal(g.mask(`id ${s} end`).text, 'id <US_SSN> end', s);
  });
  it('applies invalidate_result', () => {
    for (const s of [
      '000-12-3456', // starts 000
      '666-12-3456', // starts 666
      '123-45-6789', // 123456789
      '987-65-4320', // 98765432
      '078-05-1120', // the Woolworth number
      '536-22.8726', // mixed delimiters
      '536-00-8726', // group 00
      '536-22-0000', // serial 0000
      '111-11-1111', // all the same digit
      '123456789',
      '078051120',
    ])
      assert.equal(ssnInvalid(s), true, s);
    assert.equal(ssnInvalid('536-22-8726'), false);
    for (const s of ['000-12-3456', '666-12-3456', '536-00-8726', '536-22-0000', '111-11-1111', '078051120'])
      assert.equal(g.mask(s).text, s, s);
  });
  it('reads Unicode digits as Python \\d does', () => {
    assert.equal(g.mask('x \u0665\u0663\u0666-\u0662\u0662-\u0668\u0667\u0662\u0666 y').text, 'x <US_SSN> y');
  });
});

describe('regex guard: PHONE_NUMBER', () => {
  const g = guard(['PHONE_NUMBER']);
  const valid: [string, string][] = [
    ['US', '(415) 555-2671'],
    ['US', '+1 212 555 0199'],
    ['US', '212.555.0199'],
    ['CA', '(416) 555-0123'],
    ['GB', '+44 20 7946 0958'],
    ['GB', '020 7946 0958'],
    ['DE', '+49 30 901820'],
    ['DE', '030 901820'],
    ['FR', '01 42 68 53 00'],
    ['FR', '+33 6 12 34 56 78'],
    ['IL', '03-123-4567'],
    ['IN', '+91 98765 43210'],
    ['BR', '(11) 91234-5678'],
  ];
  for (const [region, num] of valid) {
    it(`masks ${region} ${num}`, () => {
      assert.ok(findPhoneNumbersInText(num, region as 'US').length > 0, 'libphonenumber considers it valid');
      const r = g.mask(`call ${num} now`);
      assert.equal(r.text, 'call <PHONE_NUMBER> now');
      assert.deepEqual(r.entities, ['PHONE_NUMBER']);
    });
  }
  it('masks an extension with the number', () => {
    assert.equal(g.mask('call +1 (650) 253-0000 ext 123 now').text, 'call <PHONE_NUMBER> now');
  });
  it('leaves invalid or non-phone numbers', () => {
    for (const s of [
      'call +44 20 7946 095 now', // too short
      'in 2024 we had 12345 orders',
      'at 2012-01-02 08:00 sharp', // time stamp
      'on 3/10/2011', // date
      'abc4155552671', // glued to letters
      'price $4155552671',
    ])
      assert.equal(g.mask(s).text, s, s);
  });
  it('uses GB and FR (the original listed the non-regions UK and FE)', () => {
    assert.ok(PHONE_REGIONS.includes('GB') && PHONE_REGIONS.includes('FR'));
    assert.equal(g.mask('020 7946 0958').text, '<PHONE_NUMBER>'); // national GB format
    assert.equal(g.mask('01 42 68 53 00').text, '<PHONE_NUMBER>'); // national FR format
  });
  it('finds exactly what whole-text matching over all regions finds (segmentation and digit floors are exact)', () => {
    for (const t of FIXTURES) {
      const expected: [number, number][] = [];
      for (const r of PHONE_REGIONS)
        for (const m of findPhoneNumbersInText(t, r)) expected.push([m.startsAt, m.endsAt]);
      const got: Span[] = [];
      findPhones(t, got);
      const norm = (a: [number, number][]) =>
        [...new Set(a.map((x) => x.join(':')))].sort((x, y) => x.localeCompare(y)).join(' ');
      assert.equal(norm(got.map((s) => [s.start, s.end])), norm(expected), t);
    }
  });
  it('segments prose away from libphonenumber', () => {
    assert.deepEqual(phoneSegments('No digits here at all, just words.'), []);
    const segs = phoneSegments('hello world, call 415 555 2671 now. Bye');
    assert.equal(segs.length, 1);
    assert.match(
      'hello world, call 415 555 2671 now. Bye'.slice(segs[0]!.start, segs[0]!.end),
      /^415 555 2671 now/,
    );
  });
});

describe('regex guard: EMAIL', () => {
  const g = guard(['EMAIL']);
  it('masks addresses under a real public suffix', () => {
    assert.equal(g.mask('mail a@b.com now').text, 'mail <EMAIL_ADDRESS> now');
    assert.equal(g.mask('x@y.co.uk').text, '<EMAIL_ADDRESS>');
    assert.equal(g.mask('first.last+tag@sub.domain.org.').text, '<EMAIL_ADDRESS>.');
    assert.equal(g.mask('müller@beispiel.de').text, '<EMAIL_ADDRESS>');
    assert.equal(g.mask('Bob@Example.COM').text, '<EMAIL_ADDRESS>');
  });
  it('leaves fake TLDs, bare suffixes, IPs and local hosts', () => {
    for (const s of [
      'x@y.invalidtld',
      'user@foo.notarealtld',
      'me@localhost',
      'joe@1.2.3.4',
      'a@co.uk',
      'a@b.com.notreal',
    ])
      assert.equal(g.mask(s).text, s, s);
    assert.equal(hasPublicSuffix('foo.blogspot.com'), true); // private suffixes ignored, as tldextract did
    assert.equal(hasPublicSuffix('y.invalidtld'), false);
  });
  it('follows the Presidio regex at the edges', () => {
    assert.equal(g.mask('.dot@example.com').text, '.<EMAIL_ADDRESS>');
    assert.equal(g.mask('end.@example.com').text, 'end.@example.com');
    assert.equal(g.mask('a/b#c@example.com').text, '<EMAIL_ADDRESS>');
  });
  it('equals a backtracking port of the Presidio regex on random inputs', () => {
    const W = '[\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\u200C\\u200D]';
    const L = `(?:[!#$%&'*+\\-/=?^_\`{|}~]|${W})`;
    const LD = `(?:[!#$%&'*+\\-/=?^_\`{|}~.]|${W})`;
    const B = `(?:(?<=${W})(?!${W})|(?<!${W})(?=${W}))`;
    const RE = new RegExp(`${B}((${L})|(${L}${LD}*${L}))@${W}+([-.]${W}+)*\\.${W}+([-.]${W}+)*${B}`, 'gu');
    const atoms = [
      'a',
      'x',
      '.',
      '@',
      '-',
      '_',
      '#',
      '+',
      'com',
      'co',
      'uk',
      'example',
      ' ',
      '!',
      'é',
      '😀',
      '1',
      '/',
      "'",
      'org',
    ];
    let seed = 11;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed / 0x7fffffff);
    for (let it = 0; it < 20000; it++) {
      let t = '';
      for (let i = 1 + Math.floor(rnd() * 12); i > 0; i--) t += atoms[Math.floor(rnd() * atoms.length)];
      const expected: [number, number][] = [];
      RE.lastIndex = 0;
      for (let m = RE.exec(t); m; m = RE.exec(t))
        if (hasPublicSuffix(m[0].slice(m[0].indexOf('@') + 1)))
          expected.push([m.index, m.index + m[0].length]);
      const got: Span[] = [];
      findEmails(t, got);
      assert.deepEqual(
        got.map((s) => [s.start, s.end]),
        expected,
        t,
      );
    }
  });
  it('finishes on long email-ish runs (scaling measured in bench/complexity.ts)', () => {
    const t = 'a.'.repeat(200_000) + '@' + 'b-'.repeat(100_000);
    assert.equal(guard(['EMAIL']).mask(t).text.length > 0, true);
  });
});

describe('regex guard: overlaps and masks', () => {
  const g = guard(ALL);
  it('a card that libphonenumber also reads as a phone number becomes one <CREDIT_CARD>', () => {
    const s = '6707-885-477-0050';
    const phones: Span[] = [];
    findPhones(s, phones);
    assert.ok(phones.length > 0, 'libphonenumber sees a phone number');
    const r = g.mask(`pay with ${s} today`);
    assert.equal(r.text, 'pay with <CREDIT_CARD> today');
    assert.deepEqual(r.entities, ['CREDIT_CARD']);
  });
  it('an SSN shape beats a phone on the same span by score (0.5 > 0.4), a weak SSN loses (0.05 < 0.4)', () => {
    assert.equal(g.mask('ssn 536-22-8726').text, 'ssn <US_SSN>');
    // 9 bare digits: SSN4 (0.05) and a valid phone (0.4) on the same span → phone
    const r = g.mask('id 536228726 end');
    assert.equal(r.text, 'id <PHONE_NUMBER> end');
  });
  it('unites same-type overlaps and drops contained results of another type', () => {
    const gc = guard(['EMAIL'], ['bob', 'ob@exam', 'example\\.com']);
    // CUSTOM bob / ob@exam / example.com overlap each other → one CUSTOM span [0, 15); EMAIL [0, 15) has
    // the same offsets and the same score 1.0: the later recognizer (custom) wins.
    assert.deepEqual(gc.mask('bob@example.com').entities, ['CUSTOM']);
    assert.equal(gc.mask('bob@example.com x').text, '<CUSTOM> x');
    // a custom match inside an email is dropped
    const gi = guard(['EMAIL'], ['xam']);
    assert.deepEqual(gi.mask('bob@example.com').entities, ['EMAIL']);
  });
  it('partially overlapping results of different types both show, the first cut at the second', () => {
    const gp = guard(['EMAIL'], ['com and more']);
    assert.equal(gp.mask('bob@example.com and more').text, '<EMAIL_ADDRESS><CUSTOM>');
  });
  it('returns the same string and no entities when nothing matches', () => {
    const s = 'nothing to see here, 42 times.';
    const r = g.mask(s);
    assert.equal(r.text, s);
    assert.deepEqual(r.entities, []);
    assert.equal(g.mask('').text, '');
  });
  it('masks every fixture consistently with test()', () => {
    for (const t of FIXTURES) {
      const r = g.mask(t);
      assert.equal(g.test(t), r.entities.length > 0, t);
    }
  });
});

describe('regex guard: custom patterns', () => {
  it('masks the whole match as <CUSTOM>, case-insensitively, with Python named groups', () => {
    const g = guard([], ['(?P<kind>api[_-]?key)\\s*[:=]\\s*(?P<value>\\w+)', 'secret-\\d+']);
    const r = g.mask('API_KEY: zzTop99 and Secret-123.');
    assert.equal(r.text, '<CUSTOM> and <CUSTOM>.');
    assert.deepEqual(r.entities, ['CUSTOM', 'CUSTOM']);
  });
  it('uses Presidio flags: DOTALL, MULTILINE and IGNORECASE', () => {
    assert.equal(guard([], ['begin.*end']).mask('BEGIN\nx\nEND!').text, '<CUSTOM>!');
    assert.equal(guard([], ['^item$']).mask('a\nitem\nb').text, 'a\n<CUSTOM>\nb');
  });
  it('folds Unicode case (simple folding)', () => {
    assert.equal(guard([], ['ärger']).mask('Viel ÄRGER hier').text, 'Viel <CUSTOM> hier');
    assert.equal(guard([], ['straße']).mask('STRAẞE').text, '<CUSTOM>');
    // full case folding (ß → SS) is not simple folding: Python's regex module (VERSION0) does not either
    assert.equal(guard([], ['straße']).mask('STRASSE').text, 'STRASSE');
  });
  it('reads \\d and \\w as Unicode, like Python', () => {
    assert.equal(guard([], ['id\\d+']).mask('id٣٤ x').text, '<CUSTOM> x');
    assert.equal(guard([], ['\\w+@']).mask('héllo@').text, '<CUSTOM>');
  });
  it('maps offsets correctly around astral characters', () => {
    assert.equal(guard([], ['b+']).mask('aé😀😀bb😀b').text, 'aé😀😀<CUSTOM>😀<CUSTOM>');
  });
  it('equals JS RegExp on long random texts with astral characters (windows and offset maps)', () => {
    const atoms = ['a', 'b', 'B', 'x', '😀', 'é', ' ', '\n', 'ab', 'ba', '𝟒', 'zz'];
    const pats: [string, RegExp][] = [
      ['b+', /b+/giu],
      ['a[b😀]+', /a[b😀]+/giu],
      ['x.{0,3}z', /x.{0,3}z/gisu],
      ['😀+é', /😀+é/giu],
    ];
    const guards = pats.map(([p]) => guard([], [p]));
    let seed = 5;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed / 0x7fffffff);
    for (let it = 0; it < 25; it++) {
      let t = '';
      for (let n = Math.floor(rnd() * 6000); n > 0; n--) t += atoms[Math.floor(rnd() * atoms.length)];
      pats.forEach(([p, re], i) => assert.equal(guards[i]!.mask(t).text, t.replace(re, '<CUSTOM>'), p));
    }
  });
  it('runs catastrophic-backtracking patterns to completion (RE2; scaling in bench/complexity.ts)', () => {
    const g = guard([], ['(a+)+$', '(x|x)*y']);
    const s = 'a'.repeat(50_000) + '!' + 'x'.repeat(50_000);
    const r = g.mask(s);
    assert.equal(r.text, s);
    assert.equal(g.mask('aaaa').text, '<CUSTOM>');
  });
  it('finds many matches without quadratic cost', () => {
    const s = 'key1 '.repeat(20_000);
    const r = guard([], ['key\\d']).mask(s);
    assert.equal(r.entities.length, 20_000);
  });
  it('agrees with a whole-text scan when matches are far apart (windowing)', () => {
    const s = `${'x'.repeat(10_000)} token-1 ${'y'.repeat(9_000)} token-2 ${'z'.repeat(3000)}`;
    assert.equal(guard([], ['token-\\d']).mask(s).entities.length, 2);
    const pem = `-----BEGIN KEY-----\n${'A'.repeat(3000)}\n-----END KEY-----`;
    assert.equal(
      guard([], ['-----BEGIN KEY-----.*?-----END KEY-----']).mask(`x ${pem} y`).text,
      'x <CUSTOM> y',
    );
  });
  it('rejects what RE2 cannot run with the pattern index and the reason', () => {
    const cases: [string, RegExp][] = [
      ['(?P<n>a)(?P=n)', /matches\[1\]\.pattern.*backreference \(\?P=n\)/],
      ['(a)\\1', /matches\[1\]\.pattern.*backreference \\1/],
      ['(?<=a)b', /lookahead\/lookbehind/],
      ['a(?!b)', /lookahead\/lookbehind/],
      ['(unclosed', /matches\[1\]\.pattern.*missing \)/],
      ['a**', /bad repetition operator/],
      ['x*', /empty string/],
    ];
    for (const [p, re] of cases) {
      assert.throws(
        () => compileRegexGuard(cfg([], ['fine', p])),
        (e: unknown) => e instanceof GuardConfigError && re.test(e.message),
        p,
      );
    }
    assert.throws(
      () => compileRegexGuard(cfg([], ['(']), { configPath: 'request.regex' }),
      /^Error: request\.regex\.matches\[0\]\.pattern: pattern "\(" cannot be used: missing \)/,
    );
  });
  it('translates Python-only syntax where safe', () => {
    assert.equal(translatePattern('(?P<a>x)(?<b>y)'), '(x)(y)');
    assert.equal(translatePattern('a(?#comment)b\\Z'), 'ab\\z');
    assert.equal(translatePattern('\\u00e9'), '\\x{00e9}');
    assert.equal(translatePattern('[\\d]\\D'), '[\\p{Nd}]\\P{Nd}');
    assert.equal(translatePattern('[]a]'), '[]a]');
  });
  it('compiling the same config again gives a guard that behaves the same (cache cost in bench/complexity.ts)', () => {
    const c = cfg(['EMAIL'], ['alpha\\d+', 'beta']);
    const a = compileRegexGuard(c);
    const b = compileRegexGuard(c);
    assert.deepEqual(b.mask('alpha12 beta x@example.com'), a.mask('alpha12 beta x@example.com'));
  });
});

describe('regex guard: REJECT', () => {
  it('test() reports any builtin or custom match', () => {
    const g = compileRegexGuard(cfg(ALL, ['forbidden'], 'REJECT'));
    assert.equal(g.action, 'REJECT');
    assert.equal(g.test('all clear, 42 apples'), false);
    assert.equal(g.test('mail bob@example.com'), true);
    assert.equal(g.test('this is FORBIDDEN'), true);
    assert.equal(g.test('4111 1111 1111 1111'), true);
    assert.equal(g.test('4111 1111 1111 1112'), false);
    assert.equal(g.test(''), false);
  });
});

describe('regex guard: options', () => {
  it('validates numeric options', () => {
    assert.throws(() => compileRegexGuard(cfg(ALL), { maxCustomMatchChars: 0 }), GuardConfigError);
    assert.throws(() => compileRegexGuard(cfg(ALL), { maxHoldChars: 1.5 }), GuardConfigError);
  });
});

/**
 * The streaming property of CompiledRegexGuard.holdBack: for any text T and any split point p, releasing
 * T[0 : p - holdBack(T[0:p])] masked and masking the rest later equals masking T whole; and a consumer
 * that feeds 1..20 chunks, releasing `len - holdBack` of its buffer each time, produces mask(T).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { Builtin } from '../../../src/guards/config.js';
import type { CompiledRegexGuard } from '../../../src/guards/regex/index.js';
import { compileRegexGuard } from '../../../src/guards/regex/index.js';

const FIXTURES: string[] = (
  JSON.parse(readFileSync(path.resolve('test/fixtures/guards/regex-texts.json'), 'utf8')) as {
    texts: string[];
  }
).texts;
const ALL: Builtin[] = ['CREDIT_CARD', 'SSN', 'PHONE_NUMBER', 'EMAIL'];
const CUSTOM = ['secret-[a-z0-9]+', '(?P<k>api[_-]?key)\\s*[:=]\\s*\\w+', '\\bproject\\s+x\\b'];

interface Case {
  name: string;
  guard: CompiledRegexGuard;
}
const CASES: Case[] = [
  { name: 'all builtins', guard: compileRegexGuard({ action: 'MASK', builtins: ALL, matches: [] }) },
  ...ALL.map((b) => ({ name: b, guard: compileRegexGuard({ action: 'MASK', builtins: [b], matches: [] }) })),
  {
    name: 'all builtins + custom (max match 40)',
    guard: compileRegexGuard(
      { action: 'MASK', builtins: ALL, matches: CUSTOM.map((pattern) => ({ pattern })) },
      { maxCustomMatchChars: 40 },
    ),
  },
  {
    name: 'custom only (max match 40)',
    guard: compileRegexGuard(
      { action: 'MASK', builtins: [], matches: CUSTOM.map((pattern) => ({ pattern })) },
      { maxCustomMatchChars: 40 },
    ),
  },
];

let seed = 20240601;
const rnd = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed / 0x7fffffff);

/** A streaming consumer: buffer += chunk; release mask(buffer[0 : len - holdBack]); keep the rest. */
function stream(g: CompiledRegexGuard, chunks: readonly string[]): string {
  let held = '';
  let out = '';
  for (const chunk of chunks) {
    const buf = held + chunk;
    const h = g.holdBack(buf);
    assert.ok(h >= 0 && h <= buf.length, `holdBack ${h} out of range for ${buf.length}`);
    out += g.mask(buf.slice(0, buf.length - h)).text;
    held = buf.slice(buf.length - h);
  }
  return out + g.mask(held).text;
}

function randomChunks(t: string, k: number): string[] {
  const cuts = Array.from({ length: k - 1 }, () => Math.floor(rnd() * (t.length + 1))).sort((a, b) => a - b);
  const out: string[] = [];
  let prev = 0;
  for (const c of [...cuts, t.length]) {
    out.push(t.slice(prev, c));
    prev = c;
  }
  return out;
}

/** Random texts from PII-ish atoms: separators, digit groups, emails, phone pieces, neighbours. */
const ATOMS = [
  '4111',
  '1111',
  '5105',
  '105',
  '0510',
  '5100',
  ' ',
  ' ',
  '-',
  '.',
  '@',
  'example',
  '.com',
  'co',
  '.uk',
  'bob',
  '+',
  '(',
  ')',
  '415',
  '555',
  '2671',
  '+44',
  '20',
  '7946',
  '0958',
  '536',
  '22',
  '8726',
  'x',
  'ext',
  '\n',
  ',',
  ':00',
  '%',
  '$',
  'a',
  'é',
  '😀',
  '٥',
  '/',
  '#',
  ';',
  '12',
  '9',
  'Straße',
  '\t',
  '(415) 555-2671',
  '020 7946 0958',
  '4111 1111 1111 1111',
  '536-22-8726',
  'bob@example.com',
  ' ext. 12',
  '2012-01-02 08',
  'secret-',
  'api_key',
  '=',
];
function randomText(): string {
  let t = '';
  for (let n = 5 + Math.floor(rnd() * 30); n > 0; n--) t += ATOMS[Math.floor(rnd() * ATOMS.length)];
  return t;
}

for (const { name, guard: g } of CASES) {
  describe(`regex guard holdBack: ${name}`, () => {
    it('every split point of every fixture', () => {
      for (const t of FIXTURES) {
        const whole = g.mask(t).text;
        for (let p = 0; p <= t.length; p++) {
          const prefix = t.slice(0, p);
          const c = p - g.holdBack(prefix);
          assert.equal(
            g.mask(t.slice(0, c)).text + g.mask(t.slice(c)).text,
            whole,
            `${JSON.stringify(t)} @${p}`,
          );
        }
      }
    });
    it('1..20 chunk streams of every fixture', () => {
      for (const t of FIXTURES) {
        const whole = g.mask(t).text;
        for (let k = 1; k <= 20; k++)
          assert.equal(stream(g, randomChunks(t, k)), whole, `${JSON.stringify(t)} k=${k}`);
        // one character at a time
        assert.equal(stream(g, [...t]), whole, `${JSON.stringify(t)} per character`);
      }
    });
    it('random PII-ish texts, every split and chunk streams', () => {
      for (let i = 0; i < 150; i++) {
        const t = randomText();
        const whole = g.mask(t).text;
        for (let p = 0; p <= t.length; p++) {
          const c = p - g.holdBack(t.slice(0, p));
          assert.equal(
            g.mask(t.slice(0, c)).text + g.mask(t.slice(c)).text,
            whole,
            `${JSON.stringify(t)} @${p}`,
          );
        }
        for (let k = 2; k <= 20; k += 3)
          assert.equal(stream(g, randomChunks(t, k)), whole, JSON.stringify(t));
      }
    });
  });
}

describe('regex guard holdBack: how much is held', () => {
  const g = compileRegexGuard({ action: 'MASK', builtins: ALL, matches: [] });
  const cases: [string, number][] = [
    ['Hello world. ', 0],
    ['Hello world', 'world'.length], // could become world@example.com or a context for a number
    ['call me at 415', 3],
    ['call me at 415 555 2671', '415 555 2671'.length], // may still grow (extension, more digits)
    ['call me at 415 555 2671 now ', 0],
    ['mail bob@example.co', 'bob@example.co'.length], // .co may become .com or .co.uk
    ['mail bob@example.com, ok', 2],
    ['number 4111 1111 ', '4111 1111 '.length],
    ['dial +', 1],
    ['dial (', 1],
    ['The total is 42. Then we go on.\n', 0],
  ];
  for (const [text, h] of cases) it(JSON.stringify(text), () => assert.equal(g.holdBack(text), h));

  it('holds nothing without builtins or custom patterns', () => {
    assert.equal(compileRegexGuard({ action: 'MASK', builtins: [], matches: [] }).holdBack('4111 1111'), 0);
  });
  it('holds at least maxCustomMatchChars with custom patterns', () => {
    const gc = compileRegexGuard(
      { action: 'MASK', builtins: [], matches: [{ pattern: 'secret' }] },
      { maxCustomMatchChars: 10 },
    );
    assert.equal(gc.holdBack('short'), 5);
    const t = 'words and more words here';
    const h = gc.holdBack(t);
    assert.ok(h >= 10 && h <= t.length);
    assert.equal(gc.holdBack(`${'x'.repeat(300)} ${'y'.repeat(20)}`) >= 10, true);
  });
  it('forces a cut after maxHoldChars of a single unbroken token, and never splits a surrogate pair', () => {
    const gh = compileRegexGuard({ action: 'MASK', builtins: ALL, matches: [] }, { maxHoldChars: 64 });
    const token = 'a'.repeat(500);
    const h = gh.holdBack(token);
    assert.ok(h >= 64 && h < 500);
    const emoji = '😀'.repeat(300);
    const he = gh.holdBack(emoji);
    assert.ok(he < emoji.length);
    const cut = emoji.length - he;
    assert.equal(emoji.slice(0, cut) + emoji.slice(cut), emoji);
    assert.equal(cut % 2, 0);
  });
  it('holds back the same amount on repeated calls (its cost is in bench/complexity.ts)', () => {
    const t = `${'Some text with numbers 12 and mail@example.com. '.repeat(12)}call 415 55`;
    const first = g.holdBack(t);
    for (let i = 0; i < 100; i++) assert.equal(g.holdBack(t), first);
  });
});

/**
 * forwardHeaderMatches patterns run on RE2, shared through the pattern pool: a client-controlled
 * header value cannot make a pattern backtrack, and a pattern is compiled once, not per call.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GuardConfigError } from '../../../src/guards/config.js';
import type { HeaderMatch } from '../../../src/guards/config.js';
import { compileHeaderMatches, selectForwardHeaders } from '../../../src/guards/webhook/index.js';
import { re2PoolSize } from '../../../src/guards/regex/re2-pool.js';

const regex = (name: string, value: string): HeaderMatch => ({ type: 'RegularExpression', name, value });

describe('webhook forwardHeaderMatches on RE2', () => {
  it('a catastrophic-backtracking pattern answers at once on a hostile value', { timeout: 20_000 }, () => {
    // (a+)+$ against 40 a's and a '!' needs ~2^40 steps on a backtracking engine; RE2 is linear.
    const m = compileHeaderMatches([regex('x-evil', '(a+)+$'), regex('x-ok', '(a+)+')]);
    const hostile = `${'a'.repeat(40)}!`;
    assert.deepEqual(
      selectForwardHeaders(
        m,
        new Map([
          ['x-evil', hostile],
          ['x-ok', 'aaaa'],
        ]),
      ),
      { 'x-ok': 'aaaa' },
    );
    m.release();
  });

  it('RE2 syntax: (?P<n>…) and (?<n>…) groups, (?i), anchored, alternation inside the anchors', () => {
    const m = compileHeaderMatches([
      regex('x-team', '(?P<t>Team)-(?<c>[a-z]+)-\\d+'),
      regex('x-case', '(?i)abc'),
      regex('x-user', 'bob|ali'),
    ]);
    const got = selectForwardHeaders(
      m,
      new Map([
        ['x-team', 'Team-blue-42'],
        ['x-case', 'ABC'],
        ['x-user', 'alice'],
      ]),
    );
    assert.deepEqual(got, { 'x-team': 'Team-blue-42', 'x-case': 'ABC' });
    m.release();
  });

  it('what RE2 cannot run is a config error naming the entry', () => {
    for (const bad of ['([a-z', '(a)\\1', '(?=x)a', 'a)|(b']) {
      assert.throws(
        () => compileHeaderMatches([regex('x', 'ok'), regex('x', bad)]),
        (e: unknown) => e instanceof GuardConfigError && /\[1\]\.value/.test(e.message),
        bad,
      );
    }
  });

  it('a pattern is compiled once, shared between clients and freed with the last one', () => {
    const before = re2PoolSize();
    const a = compileHeaderMatches([regex('x-user', 'shared-[0-9]+')]);
    const b = compileHeaderMatches([regex('x-user', 'shared-[0-9]+')]);
    assert.equal(re2PoolSize(), before + 1);
    for (let i = 0; i < 3; i++) selectForwardHeaders(a, new Map([['x-user', 'shared-1']]));
    assert.equal(re2PoolSize(), before + 1, 'no compile per call');
    a.release();
    a.release();
    assert.equal(re2PoolSize(), before + 1, 'still used by b');
    b.release();
    assert.equal(re2PoolSize(), before);
  });
});

/** Sealed MCP session ids: round trip, unreadable, and refused when forged, altered, foreign, expired. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_TOKEN_CHARS, SessionSealer } from '../../../src/mcp-gateway/session-token.js';
import type { SessionClaims } from '../../../src/mcp-gateway/session-token.js';

const KEY = 'unit-test-session-key-with-32-characters';
const claims = (over: Partial<SessionClaims> = {}): SessionClaims => ({
  sid: 'abc',
  pv: '2025-11-25',
  client: 'alice',
  sampling: true,
  elicitation: false,
  exp: Math.floor(Date.now() / 1000) + 60,
  up: { docs: { id: 'upstream-session-1234', pv: '2025-06-18' } },
  ...over,
});

describe('SessionSealer', () => {
  it('opens what it sealed; the same key in another process opens it too', () => {
    const c = claims();
    const token = new SessionSealer(KEY).seal(c);
    assert.deepEqual(new SessionSealer(KEY).open(token), c);
  });

  it('hides the claims (no upstream id, no client name, not even encoded)', () => {
    const token = new SessionSealer(KEY).seal(claims());
    const decoded = Buffer.from(token.slice(3), 'base64url').toString('latin1');
    for (const secret of ['upstream-session-1234', 'alice', '2025-11-25'])
      assert.ok(!token.includes(secret) && !decoded.includes(secret), secret);
    // Two seals of the same claims differ (a fresh IV each).
    assert.notEqual(new SessionSealer(KEY).seal(claims()), new SessionSealer(KEY).seal(claims()));
  });

  it('refuses forged, altered, foreign-key, expired and oversized ids', () => {
    const s = new SessionSealer(KEY);
    const token = s.seal(claims());
    assert.equal(s.open('v1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'), undefined);
    assert.equal(s.open('garbage'), undefined);
    assert.equal(s.open(''), undefined);
    for (let i = 3; i < token.length; i += 7) {
      const altered = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
      assert.equal(s.open(altered), undefined, `altered at ${i}`);
    }
    assert.equal(new SessionSealer('another-key-another-key-another-key!').open(token), undefined);
    assert.equal(new SessionSealer(undefined).open(token), undefined, 'a random key opens nothing of ours');
    assert.equal(s.open(s.seal(claims({ exp: Math.floor(Date.now() / 1000) - 1 }))), undefined);
    assert.equal(s.open(`v1.${'A'.repeat(MAX_TOKEN_CHARS)}`), undefined);
  });

  it('a sealer without a key says so (ids end with the process)', () => {
    assert.equal(new SessionSealer(undefined).ephemeral, true);
    assert.equal(new SessionSealer(KEY).ephemeral, false);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

import { DecompressedTooLargeError, gunzipBounded, gzip, isGzip } from '../../../src/streaming/gzip.js';

describe('gzip', () => {
  it('round-trips a provider body', () => {
    const body = readFileSync(path.resolve('test/fixtures/providers/openai-chat.json'));
    const gz = gzip(body);
    assert.equal(gz[0], 0x1f);
    assert.equal(gz[1], 0x8b);
    assert.deepEqual(gunzipBounded(gz, 1 << 20), body);
    assert.deepEqual(gunzipBounded(gz, body.length), body, 'exactly at the bound is allowed');
    assert.deepEqual(JSON.parse(gunzipBounded(gz, 1 << 20).toString('utf8')).model, 'o4-mini-2025-04-16');
  });

  it('round-trips empty and multi-byte content, and multi-member streams', () => {
    assert.equal(gunzipBounded(gzip(Buffer.alloc(0)), 1).length, 0);
    const text = Buffer.from('你好 🙂 '.repeat(1000));
    assert.deepEqual(gunzipBounded(gzip(text), 1 << 20), text);
    const twoMembers = Buffer.concat([gzipSync(Buffer.from('ab')), gzipSync(Buffer.from('cd'))]);
    assert.equal(gunzipBounded(twoMembers, 100).toString(), 'abcd');
  });

  it('throws DecompressedTooLargeError past the bound (a small bomb stays small)', () => {
    const bomb = gzip(Buffer.alloc(50 * 1024 * 1024)); // ~50 KB compressed
    assert.ok(bomb.length < 100 * 1024);
    assert.throws(
      () => gunzipBounded(bomb, 1024 * 1024),
      (err: unknown) =>
        err instanceof DecompressedTooLargeError &&
        err.limit === 1024 * 1024 &&
        err.name === 'DecompressedTooLargeError',
    );
    const body = Buffer.from('x'.repeat(101));
    assert.throws(() => gunzipBounded(gzip(body), 100), DecompressedTooLargeError);
    assert.throws(() => gunzipBounded(gzip(body), 0), RangeError);
  });

  it('corrupt input throws a zlib error, not the size error', () => {
    const gz = gzip(Buffer.from('hello world'));
    assert.throws(
      () => gunzipBounded(Buffer.from('not gzip at all'), 100),
      (err: unknown) => err instanceof Error && !(err instanceof DecompressedTooLargeError),
    );
    assert.throws(
      () => gunzipBounded(gz.subarray(0, gz.length - 6), 100),
      (err: unknown) => err instanceof Error,
    );
  });

  it('isGzip recognises gzip and x-gzip in any case, with whitespace', () => {
    for (const v of ['gzip', 'GZIP', ' gzip ', 'x-gzip', 'X-Gzip', '\tgzip\t', 'identity, gzip', 'gzip,']) {
      assert.equal(isGzip(v), true, v);
    }
    for (const v of [
      undefined,
      '',
      ' ',
      'br',
      'deflate',
      'identity',
      'gzip2',
      'gzip, br',
      'br, gzip',
      'gzip, gzip',
    ]) {
      assert.equal(isGzip(v), false, String(v));
    }
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 as zlibCrc32 } from 'node:zlib';

import {
  EventStreamDecoder,
  crc32,
  encodeConverseEvent,
  encodeConverseException,
  encodeEventStreamMessage,
} from '../../../../src/providers/bedrock/index.js';
import { CHUNKERS, decodeAll, event, exception, frame, throwsCode, whole } from './stream-fixtures.js';

describe('crc32', () => {
  it('matches the check value and node:zlib on random data, also when continued', () => {
    assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
    assert.equal(crc32(new Uint8Array(0)), 0);
    const data = Buffer.alloc(4099);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7919 + 13) & 0xff;
    assert.equal(crc32(data), zlibCrc32(data));
    assert.equal(crc32(data, 1000, data.length, crc32(data, 0, 1000)), zlibCrc32(data));
  });
});

describe('event-stream encoder', () => {
  it('produces the same bytes as the independent test encoder, for every header type', () => {
    const uuid = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const expected = frame(
      [
        ['t', 0],
        ['f', 1],
        ['b', 2, -5],
        ['s', 3, -300],
        ['i', 4, 70000],
        ['l', 5, -(2n ** 40n)],
        ['bin', 6, Buffer.from([1, 2, 3])],
        ['str', 7, 'ünï'],
        ['ts', 8, 1_700_000_000_123n],
        ['id', 9, uuid],
      ],
      'payload',
    );
    const actual = encodeEventStreamMessage(
      {
        t: { type: 'boolean', value: true },
        f: { type: 'boolean', value: false },
        b: { type: 'byte', value: -5 },
        s: { type: 'short', value: -300 },
        i: { type: 'integer', value: 70000 },
        l: { type: 'long', value: -(2n ** 40n) },
        bin: { type: 'binary', value: Buffer.from([1, 2, 3]) },
        str: 'ünï',
        ts: { type: 'timestamp', value: new Date(1_700_000_000_123) },
        id: { type: 'uuid', value: uuid },
      },
      Buffer.from('payload'),
    );
    assert.deepEqual(actual, expected);
    assert.deepEqual(
      encodeConverseEvent('messageStop', { stopReason: 'end_turn' }),
      event('messageStop', { stopReason: 'end_turn' }),
    );
    assert.deepEqual(
      encodeConverseException('throttlingException', 'slow down'),
      exception('throttlingException', '{"message":"slow down"}'),
    );
  });

  it('rejects header names and values that do not fit the format', () => {
    assert.throws(() => encodeEventStreamMessage({ '': 'x' }, ''), RangeError);
    assert.throws(() => encodeEventStreamMessage({ ['n'.repeat(256)]: 'x' }, ''), RangeError);
    assert.throws(() => encodeEventStreamMessage({ s: 'x'.repeat(65536) }, ''), RangeError);
    assert.throws(
      () => encodeEventStreamMessage({ u: { type: 'uuid', value: new Uint8Array(15) } }, ''),
      RangeError,
    );
  });
});

describe('event-stream decoder', () => {
  const uuid = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
  const allTypes = frame(
    [
      ['t', 0],
      ['f', 1],
      ['b', 2, -5],
      ['s', 3, -300],
      ['i', 4, 70000],
      ['l', 5, 2n ** 40n],
      ['bin', 6, Buffer.from([1, 2, 3])],
      ['str', 7, 'ünï'],
      ['ts', 8, 1_700_000_000_123n],
      ['id', 9, uuid],
    ],
    '{"x":1}',
  );
  const stream = Buffer.concat([allTypes, frame([], ''), frame([[':event-type', 7, 'e']], 'second')]);

  it('decodes every header type', () => {
    const [m] = decodeAll(allTypes, whole);
    assert.ok(m !== undefined);
    assert.deepEqual(
      [...m.headers.entries()],
      [
        ['t', { type: 'boolean', value: true }],
        ['f', { type: 'boolean', value: false }],
        ['b', { type: 'byte', value: -5 }],
        ['s', { type: 'short', value: -300 }],
        ['i', { type: 'integer', value: 70000 }],
        ['l', { type: 'long', value: 2n ** 40n }],
        ['bin', { type: 'binary', value: new Uint8Array([1, 2, 3]) }],
        ['str', { type: 'string', value: 'ünï' }],
        ['ts', { type: 'timestamp', value: new Date(1_700_000_000_123) }],
        ['id', { type: 'uuid', value: new Uint8Array(uuid) }],
      ],
    );
    assert.equal(Buffer.from(m.payload).toString(), '{"x":1}');
  });

  for (const [name, chunker] of CHUNKERS) {
    it(`yields the same messages when fed ${name}`, () => {
      const messages = decodeAll(stream, chunker);
      assert.equal(messages.length, 3);
      assert.deepEqual(messages, decodeAll(stream, whole));
      assert.equal(messages[1]?.headers.size, 0);
      assert.equal(messages[1]?.payload.length, 0);
    });
  }

  it('copies the bytes it holds, so callers may reuse their buffers', () => {
    const scratch = Buffer.from(allTypes);
    const dec = new EventStreamDecoder();
    assert.deepEqual(dec.push(scratch.subarray(0, 20)), []);
    scratch.fill(0);
    const [m] = dec.push(Buffer.from(allTypes.subarray(20)));
    assert.equal(Buffer.from(m!.payload).toString(), '{"x":1}');
  });

  it('throws on a corrupted prelude CRC as soon as the prelude is in, and keeps failing', () => {
    const bad = Buffer.from(allTypes);
    bad[9] = bad[9]! ^ 0xff;
    const dec = new EventStreamDecoder();
    dec.push(bad.subarray(0, 11));
    throwsCode(() => dec.push(bad.subarray(11, 12)), 'prelude_crc_mismatch');
    throwsCode(() => dec.push(bad.subarray(12)), 'prelude_crc_mismatch');
    throwsCode(() => dec.end(), 'prelude_crc_mismatch');
  });

  it('throws on a corrupted payload byte (message CRC)', () => {
    const bad = Buffer.from(stream);
    bad[allTypes.length - 6] = bad[allTypes.length - 6]! ^ 0x01;
    for (const [, chunker] of CHUNKERS) throwsCode(() => decodeAll(bad, chunker), 'message_crc_mismatch');
  });

  it('refuses messages over the size limit at the prelude', () => {
    const dec = new EventStreamDecoder({ maxMessageBytes: 64 });
    throwsCode(() => dec.push(allTypes.subarray(0, 12)), 'message_too_large');
    assert.throws(() => new EventStreamDecoder({ maxMessageBytes: 15 }), RangeError);
  });

  it('rejects impossible lengths and header encodings even with valid CRCs', () => {
    const lengths = (total: number, headers: number): Buffer => {
      const b = Buffer.alloc(16);
      b.writeUInt32BE(total, 0);
      b.writeUInt32BE(headers, 4);
      b.writeUInt32BE(zlibCrc32(b.subarray(0, 8)), 8);
      return b;
    };
    throwsCode(() => new EventStreamDecoder().push(lengths(8, 0)), 'malformed');
    throwsCode(() => new EventStreamDecoder().push(lengths(16, 1)), 'malformed');
    // A header whose type byte is unknown (10), and one running past the header section.
    const unknownType = frame([], '');
    const withHeaders = (h: Buffer): Buffer => {
      const total = 16 + h.length;
      const b = Buffer.alloc(total);
      b.writeUInt32BE(total, 0);
      b.writeUInt32BE(h.length, 4);
      b.writeUInt32BE(zlibCrc32(b.subarray(0, 8)), 8);
      h.copy(b, 12);
      b.writeUInt32BE(zlibCrc32(b.subarray(0, total - 4)), total - 4);
      return b;
    };
    assert.equal(unknownType.length, 16);
    throwsCode(() => new EventStreamDecoder().push(withHeaders(Buffer.from([1, 0x61, 10]))), 'malformed');
    throwsCode(
      () => new EventStreamDecoder().push(withHeaders(Buffer.from([1, 0x61, 7, 0, 9, 0x62]))),
      'malformed',
    );
    throwsCode(() => new EventStreamDecoder().push(withHeaders(Buffer.from([0, 0]))), 'malformed');
    throwsCode(
      () => new EventStreamDecoder().push(withHeaders(Buffer.from([1, 0x61, 7, 0, 1, 0xff]))),
      'malformed',
    );
  });

  it('reports a stream that ends inside a message', () => {
    const dec = new EventStreamDecoder();
    dec.push(stream.subarray(0, stream.length - 3));
    assert.equal(dec.pendingBytes, stream.length - 3 - allTypes.length - 16);
    throwsCode(() => dec.end(), 'truncated');
  });
});

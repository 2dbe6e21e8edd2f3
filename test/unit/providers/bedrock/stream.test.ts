import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { crc32 as zlibCrc32 } from 'node:zlib';

import type { OpenAIChatChunk, UpstreamTarget } from '../../../../src/providers/translate/types.js';
import type { EventStreamMessage } from '../../../../src/providers/bedrock/index.js';
import {
  BedrockStreamError,
  EventStreamDecoder,
  EventStreamError,
  MAX_TOOL_BLOCKS,
  crc32,
  createBedrockProvider,
  encodeConverseEvent,
  encodeConverseException,
  encodeEventStreamMessage,
} from '../../../../src/providers/bedrock/index.js';

const FIXTURES = path.resolve('test/fixtures/translate/bedrock');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests poke at arbitrary JSON
type AnyJson = any;
const fixture = (name: string): AnyJson => JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8'));
/** The expected fixture; UPDATE_GOLDEN=1 rewrites it from `actual` first (then review the diff). */
const golden = (name: string, actual: unknown): AnyJson => {
  if (process.env.UPDATE_GOLDEN === '1') {
    writeFileSync(path.join(FIXTURES, name), JSON.stringify(actual, null, 2) + '\n');
  }
  return fixture(name);
};
const MODEL = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const TARGET: UpstreamTarget = { provider: 'bedrock', model: MODEL, stream: true };

// ---------------------------------------------------------------------------------------------------------------
// Test-side encoder, written independently of src/: CRCs come from node:zlib, layout from the AWS spec.
// ---------------------------------------------------------------------------------------------------------------
type TestHeader =
  | [name: string, type: 0 | 1]
  | [name: string, type: 2 | 3 | 4, value: number]
  | [name: string, type: 5 | 8, value: bigint]
  | [name: string, type: 6 | 9, value: Buffer]
  | [name: string, type: 7, value: string];

function frame(headers: readonly TestHeader[], payload: string | Buffer): Buffer {
  const parts: Buffer[] = [];
  for (const h of headers) {
    const name = Buffer.from(h[0]);
    parts.push(Buffer.from([name.length]), name, Buffer.from([h[1]]));
    switch (h[1]) {
      case 0:
      case 1:
        break;
      case 2:
        parts.push(Buffer.from([h[2] & 0xff]));
        break;
      case 3: {
        const b = Buffer.alloc(2);
        b.writeInt16BE(h[2]);
        parts.push(b);
        break;
      }
      case 4: {
        const b = Buffer.alloc(4);
        b.writeInt32BE(h[2]);
        parts.push(b);
        break;
      }
      case 5:
      case 8: {
        const b = Buffer.alloc(8);
        b.writeBigInt64BE(h[2]);
        parts.push(b);
        break;
      }
      case 6:
      case 7: {
        const v = typeof h[2] === 'string' ? Buffer.from(h[2]) : h[2];
        const len = Buffer.alloc(2);
        len.writeUInt16BE(v.length);
        parts.push(len, v);
        break;
      }
      case 9:
        parts.push(h[2]);
        break;
    }
  }
  const headerBytes = Buffer.concat(parts);
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const total = 12 + headerBytes.length + body.length + 4;
  const prelude = Buffer.alloc(8);
  prelude.writeUInt32BE(total, 0);
  prelude.writeUInt32BE(headerBytes.length, 4);
  const preludeCrc = Buffer.alloc(4);
  preludeCrc.writeUInt32BE(zlibCrc32(prelude));
  const withoutCrc = Buffer.concat([prelude, preludeCrc, headerBytes, body]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlibCrc32(withoutCrc));
  return Buffer.concat([withoutCrc, crc]);
}

const event = (type: string, payload: unknown): Buffer =>
  frame(
    [
      [':event-type', 7, type],
      [':content-type', 7, 'application/json'],
      [':message-type', 7, 'event'],
    ],
    JSON.stringify(payload),
  );

const exception = (type: string, payload: string): Buffer =>
  frame(
    [
      [':exception-type', 7, type],
      [':content-type', 7, 'application/json'],
      [':message-type', 7, 'exception'],
    ],
    payload,
  );

function framesOf(file: string): Buffer {
  const events: { event: string; payload: unknown }[] = fixture(file);
  return Buffer.concat(events.map((e) => event(e.event, e.payload)));
}

// ---------------------------------------------------------------------------------------------------------------
// Chunkers and drivers.
// ---------------------------------------------------------------------------------------------------------------
type Chunker = (b: Buffer) => Iterable<Uint8Array>;
const whole: Chunker = (b) => [b];
const byteByByte: Chunker = function* (b) {
  for (let i = 0; i < b.length; i++) yield b.subarray(i, i + 1);
};
const sized = (n: number): Chunker =>
  function* (b) {
    for (let i = 0; i < b.length; i += n) yield b.subarray(i, i + n);
  };
const CHUNKERS: [string, Chunker][] = [
  ['whole', whole],
  ['byte by byte', byteByByte],
  ['7 bytes', sized(7)],
  ['64 bytes', sized(64)],
];

const fixedProvider = () =>
  createBedrockProvider({ idPrefix: 'chatcmpl-bedrock-test', now: () => 1_700_000_000_000 });

interface Run {
  chunks: OpenAIChatChunk[];
  error?: unknown;
}

function run(bytes: Buffer, chunker: Chunker): Run {
  const dec = fixedProvider().stream(TARGET);
  const chunks: OpenAIChatChunk[] = [];
  try {
    for (const c of chunker(bytes)) chunks.push(...dec.push(c));
    chunks.push(...dec.end());
  } catch (error) {
    return { chunks, error };
  }
  return { chunks };
}

function decodeAll(bytes: Buffer, chunker: Chunker, dec = new EventStreamDecoder()): EventStreamMessage[] {
  const out: EventStreamMessage[] = [];
  for (const c of chunker(bytes)) out.push(...dec.push(c));
  dec.end();
  return out;
}

function throwsCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof EventStreamError, `expected EventStreamError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.status, 502);
    assert.equal(err.type, 'api_error');
    return true;
  });
}

// ---------------------------------------------------------------------------------------------------------------

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

describe('bedrock stream → OpenAI chunks', () => {
  for (const scenario of ['text', 'tools']) {
    for (const [name, chunker] of CHUNKERS) {
      it(`golden stream-${scenario}, fed ${name}`, () => {
        const result = run(framesOf(`stream-${scenario}.events.json`), chunker);
        assert.equal(result.error, undefined);
        assert.deepEqual(result.chunks, golden(`stream-${scenario}.chunks.json`, result.chunks));
      });
    }
  }

  it('sends a role chunk before content when messageStart is missing, and skips unknown events and headers', () => {
    const bytes = Buffer.concat([
      frame(
        [
          [':date', 8, 1_700_000_000_000n],
          [':event-type', 7, 'contentBlockDelta'],
          ['x-id', 9, Buffer.alloc(16, 7)],
          [':message-type', 7, 'event'],
          ['flag', 0],
        ],
        JSON.stringify({ contentBlockIndex: 0, delta: { text: 'hi' } }),
      ),
      event('somethingNew', { x: 1 }),
      frame([[':message-type', 7, 'weird']], 'ignored'),
      frame([[':event-type', 7, 'messageStop']], JSON.stringify({ stopReason: 'guardrail_intervened' })),
    ]);
    const deltas = run(bytes, whole).chunks.map((c: AnyJson): unknown => [
      c.choices[0].delta,
      c.choices[0].finish_reason,
    ]);
    assert.deepEqual(deltas, [
      [{ role: 'assistant', content: '' }, null],
      [{ content: 'hi' }, null],
      [{}, 'content_filter'],
    ]);
  });

  it('an exception after content: chunks first, then BedrockStreamError on the next call, for any split', () => {
    const bytes = Buffer.concat([
      event('messageStart', { role: 'assistant' }),
      event('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'partial' } }),
      exception('throttlingException', '{"message":"Too many tokens, please wait before trying again."}'),
      event('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'never seen' } }),
    ]);
    for (const [name, chunker] of CHUNKERS) {
      const result = run(bytes, chunker);
      assert.deepEqual(
        result.chunks.map((c: AnyJson): unknown => c.choices[0].delta),
        [{ role: 'assistant', content: '' }, { content: 'partial' }],
        name,
      );
      assert.ok(result.error instanceof BedrockStreamError, name);
      assert.equal(result.error.status, 429);
      assert.equal(result.error.type, 'rate_limit_error');
      assert.equal(result.error.code, 'throttlingException');
      assert.equal(result.error.message, 'Too many tokens, please wait before trying again.');
    }
  });

  it('an exception first throws at once, and the decoder keeps throwing', () => {
    const dec = fixedProvider().stream(TARGET);
    const bytes = exception('modelStreamErrorException', 'not json at all');
    assert.throws(
      () => dec.push(bytes),
      (err: unknown) =>
        err instanceof BedrockStreamError &&
        err.status === 424 &&
        err.type === 'api_error' &&
        err.code === 'modelStreamErrorException' &&
        err.message === 'not json at all',
    );
    assert.throws(() => dec.push(event('messageStart', {})), BedrockStreamError);
    assert.throws(() => dec.end(), BedrockStreamError);
  });

  it('maps unknown exceptions and protocol error messages', () => {
    const unknown = run(exception('brandNewException', '{}'), whole).error;
    assert.ok(unknown instanceof BedrockStreamError);
    assert.equal(unknown.status, 502);
    assert.equal(unknown.message, 'Bedrock stream reported brandNewException');
    const protocol = frame(
      [
        [':message-type', 7, 'error'],
        [':error-code', 7, 'InternalServerException'],
        [':error-message', 7, 'boom'],
      ],
      '',
    );
    const err = run(protocol, whole).error;
    assert.ok(err instanceof BedrockStreamError);
    assert.deepEqual(
      [err.status, err.type, err.code, err.message],
      [500, 'api_error', 'InternalServerException', 'boom'],
    );
  });

  it('a corrupted frame mid-stream: earlier chunks survive, then EventStreamError', () => {
    const good = event('messageStart', { role: 'assistant' });
    const bad = event('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'x' } });
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 0xff;
    for (const [name, chunker] of CHUNKERS) {
      const result = run(Buffer.concat([good, bad]), chunker);
      assert.equal(result.chunks.length, 1, name);
      assert.ok(result.error instanceof EventStreamError, name);
      assert.equal(result.error.code, 'message_crc_mismatch');
    }
  });

  it('a payload that is not a JSON object is a protocol error', () => {
    const bytes = frame([[':event-type', 7, 'contentBlockDelta']], '[1,2]');
    const { error } = run(bytes, whole);
    assert.ok(error instanceof EventStreamError);
    assert.equal(error.code, 'malformed');
  });

  it('a truncated stream: chunks so far, then EventStreamError(truncated) from end()', () => {
    const bytes = framesOf('stream-text.events.json');
    const result = run(bytes.subarray(0, bytes.length - 5), byteByByte);
    assert.equal(result.chunks.length, 6);
    assert.ok(result.error instanceof EventStreamError);
    assert.equal(result.error.code, 'truncated');
  });

  it('tool deltas without a contentBlockStart still get an index; too many tool blocks is an error', () => {
    const orphan = run(
      event('contentBlockDelta', { contentBlockIndex: 3, delta: { toolUse: { input: '{}' } } }),
      whole,
    );
    assert.deepEqual((orphan.chunks[1] as AnyJson).choices[0].delta, {
      tool_calls: [{ index: 0, function: { arguments: '{}' } }],
    });
    const many = Buffer.concat(
      Array.from({ length: MAX_TOOL_BLOCKS + 1 }, (_, i) =>
        event('contentBlockStart', {
          contentBlockIndex: i,
          start: { toolUse: { toolUseId: `t${i}`, name: 'f' } },
        }),
      ),
    );
    const result = run(many, whole);
    assert.equal(result.chunks.length, MAX_TOOL_BLOCKS + 1);
    assert.ok(result.error instanceof Error);
    assert.match(result.error.message, /more than 1000 tool blocks/);
  });
});

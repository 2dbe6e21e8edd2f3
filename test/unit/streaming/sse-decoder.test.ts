import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { SseEvent } from '../../../src/streaming/sse-decoder.js';
import {
  DEFAULT_MAX_EVENT_BYTES,
  SseDecoder,
  SseLimitError,
  decodeSse,
} from '../../../src/streaming/sse-decoder.js';

const FIXTURES = path.resolve('test/fixtures/providers');
const load = (name: string): Buffer => readFileSync(path.join(FIXTURES, name));
const enc = (s: string): Buffer => Buffer.from(s, 'utf8');

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function replay(chunks: Iterable<Uint8Array>, options?: { maxEventBytes?: number }): SseEvent[] {
  const d = new SseDecoder(options);
  const out: SseEvent[] = [];
  for (const c of chunks) out.push(...d.push(c));
  out.push(...d.end());
  return out;
}

function* whole(b: Buffer): Generator<Uint8Array> {
  yield b;
}

/** Cuts the stream right after each run of blank lines, i.e. one SSE event per chunk. */
function* eventByEvent(b: Buffer): Generator<Uint8Array> {
  const s = b.toString('latin1'); // 1 char per byte: offsets are byte offsets
  const boundary = /(?:\r\n|\r|\n)(?:\r\n|\r|\n)+/g;
  let start = 0;
  for (let m = boundary.exec(s); m !== null; m = boundary.exec(s)) {
    const end = m.index + m[0].length;
    yield b.subarray(start, end);
    start = end;
  }
  if (start < b.length) yield b.subarray(start);
}

function* byteByByte(b: Buffer): Generator<Uint8Array> {
  // Fresh one-byte arrays (not views) so that nothing can alias the source.
  for (const byte of b) yield Uint8Array.of(byte);
}

function* randomChunks(b: Buffer, seed: number, maxSize = 97): Generator<Uint8Array> {
  const next = rng(seed);
  let i = 0;
  while (i < b.length) {
    const n = 1 + Math.floor(next() * maxSize);
    yield b.subarray(i, i + n);
    i += n;
  }
}

/**
 * Independent, naive oracle: decode the whole stream as text, then apply the WHATWG line rules (plus the
 * decoder's documented end-of-stream flush).
 */
function reference(b: Buffer): SseEvent[] {
  let text = b.toString('utf8');
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  const out: SseEvent[] = [];
  let data: string[] = [];
  let event: string | undefined;
  let id: string | undefined;
  const flush = (): void => {
    if (data.length > 0) {
      const ev: SseEvent = { data: data.join('\n') };
      if (event !== undefined && event !== '') ev.event = event;
      if (id !== undefined) ev.id = id;
      out.push(ev);
    }
    data = [];
    event = undefined;
    id = undefined;
  };
  const lines = text.split(/\r\n|\r|\n/);
  for (const line of lines) {
    if (line === '') {
      flush();
      continue;
    }
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id' && !value.includes('\0')) id = value;
  }
  flush();
  return out;
}

interface StreamFixture {
  file: string;
  events: number;
  check?: (events: SseEvent[]) => void;
}

const STREAMS: StreamFixture[] = [
  {
    file: 'openai-stream-usage.sse',
    events: 19,
    check: (evs) => {
      assert.equal(evs.at(-1)?.data, '[DONE]');
      const usageChunk = JSON.parse(evs.at(-2)?.data ?? '');
      assert.deepEqual(usageChunk.choices, []);
      assert.equal(usageChunk.usage.prompt_tokens, 31);
    },
  },
  { file: 'azure-stream.sse', events: 12 },
  {
    file: 'openai-stream-tool-crlf.sse',
    events: 7,
    check: (evs) => {
      assert.ok(evs.every((e) => !e.data.includes('\r')));
      assert.equal(evs.at(-1)?.data, '[DONE]');
    },
  },
  {
    file: 'openai-stream-utf8.sse',
    events: 23,
    check: (evs) => {
      const text = evs
        .filter((e) => e.data !== '[DONE]')
        .map((e) => JSON.parse(e.data) as { choices: { delta: { content?: string } }[] })
        .map((c) => c.choices[0]?.delta.content ?? '')
        .join('');
      for (const s of ['你好', '递归', '👋', '🎉🎉', 'café', 'naïve', 'Ωμέγα', '𝄞', '🇫🇷']) {
        assert.ok(text.includes(s), `missing ${s}`);
      }
      assert.ok(!text.includes('\uFFFD'));
    },
  },
  {
    file: 'anthropic-stream.sse',
    events: 12,
    check: (evs) => {
      assert.deepEqual(
        evs.map((e) => e.event),
        [
          'message_start',
          'content_block_start',
          'ping',
          'content_block_delta',
          'content_block_delta',
          'content_block_delta',
          'content_block_delta',
          'content_block_delta',
          'content_block_delta',
          'content_block_stop',
          'message_delta',
          'message_stop',
        ],
      );
      for (const e of evs) assert.equal((JSON.parse(e.data) as { type: string }).type, e.event);
    },
  },
  { file: 'anthropic-stream-tool.sse', events: 8 },
  {
    file: 'gemini-stream.sse',
    events: 5,
    check: (evs) => {
      // kgateway mock framing `data: {...}\n\r\n\r\n`: one event per message, no empty extras.
      for (const e of evs) {
        assert.equal(e.event, undefined);
        assert.ok(e.data.startsWith('{') && e.data.endsWith('}'));
        JSON.parse(e.data);
      }
    },
  },
  {
    file: 'vertex-stream.sse',
    events: 4,
    check: (evs) => {
      assert.ok(evs.at(-1)?.data.includes('∞'));
    },
  },
  { file: 'gemini-stream-function-call.sse', events: 2 },
];

describe('SseDecoder: fixture replays', () => {
  for (const fx of STREAMS) {
    it(`${fx.file}: whole, event by event, byte by byte and random chunks agree`, () => {
      const bytes = load(fx.file);
      const expected = replay(whole(bytes));
      assert.equal(expected.length, fx.events);
      assert.deepEqual(expected, reference(bytes));
      assert.deepEqual(decodeSse(bytes), expected);
      const perEvent = [...eventByEvent(bytes)];
      assert.ok(perEvent.length >= fx.events);
      assert.deepEqual(replay(perEvent), expected);
      assert.deepEqual(replay(byteByByte(bytes)), expected);
      for (const seed of [1, 7, 42, 1234, 99991]) {
        assert.deepEqual(replay(randomChunks(bytes, seed)), expected, `seed ${seed}`);
        assert.deepEqual(replay(randomChunks(bytes, seed, 5)), expected, `seed ${seed} small`);
      }
      fx.check?.(expected);
    });
  }

  it('every two-piece split of the CRLF and UTF-8 fixtures decodes identically', () => {
    for (const file of ['openai-stream-tool-crlf.sse', 'openai-stream-utf8.sse', 'gemini-stream.sse']) {
      const bytes = load(file);
      const expected = replay(whole(bytes));
      for (let cut = 0; cut <= bytes.length; cut++) {
        const got = replay([bytes.subarray(0, cut), bytes.subarray(cut)]);
        assert.deepEqual(got, expected, `${file} cut at ${cut}`);
      }
    }
  });

  it('the fixtures without their final blank line still give every event (end() flush)', () => {
    for (const fx of STREAMS) {
      const bytes = load(fx.file);
      const trimmed = bytes.subarray(0, bytes.toString('latin1').replace(/[\r\n]+$/, '').length);
      assert.deepEqual(replay(whole(trimmed)), replay(whole(bytes)), fx.file);
      assert.deepEqual(replay(byteByByte(trimmed)), replay(whole(bytes)), fx.file);
    }
  });
});

describe('SseDecoder: line endings and framing', () => {
  it('LF, CRLF and lone CR are all line terminators', () => {
    const lf = replay([enc('data: a\ndata: b\n\ndata: c\n\n')]);
    const crlf = replay([enc('data: a\r\ndata: b\r\n\r\ndata: c\r\n\r\n')]);
    const cr = replay([enc('data: a\rdata: b\r\rdata: c\r\r')]);
    const mixed = replay([enc('data: a\rdata: b\n\r\ndata: c\r\n\n')]);
    const want = [{ data: 'a\nb' }, { data: 'c' }];
    assert.deepEqual(lf, want);
    assert.deepEqual(crlf, want);
    assert.deepEqual(cr, want);
    assert.deepEqual(mixed, want);
  });

  it('a CRLF split between CR and LF is one terminator', () => {
    const d = new SseDecoder();
    assert.deepEqual(d.push(enc('data: a\r')), []);
    assert.deepEqual(d.push(enc('\n\r')), [{ data: 'a' }]);
    assert.deepEqual(d.push(enc('\ndata: b\r')), []);
    assert.deepEqual(d.push(enc('\n')), []);
    assert.deepEqual(d.push(enc('\r')), [{ data: 'b' }]);
    assert.deepEqual(d.push(enc('\n')), []);
    assert.deepEqual(d.end(), []);
  });

  it('a lone CR at a chunk end followed by a new line is not swallowed', () => {
    const d = new SseDecoder();
    assert.deepEqual(d.push(enc('data: a\r')), []);
    assert.deepEqual(d.push(enc('data: b\r\r')), [{ data: 'a\nb' }]);
  });

  it('the Gemini mock framing `data: X\\n\\r\\n\\r\\n` gives one event per message', () => {
    const s = 'data: {"a":1}\n\r\n\r\ndata: {"a":2}\n\r\n\r\n';
    assert.deepEqual(replay([enc(s)]), [{ data: '{"a":1}' }, { data: '{"a":2}' }]);
    assert.deepEqual(replay(byteByByte(enc(s))), [{ data: '{"a":1}' }, { data: '{"a":2}' }]);
  });

  it('events are dispatched as soon as their blank line arrives', () => {
    const d = new SseDecoder();
    assert.deepEqual(d.push(enc('data: 1\n\ndata: 2\n')), [{ data: '1' }]);
    assert.deepEqual(d.push(enc('\n')), [{ data: '2' }]);
    assert.deepEqual(d.push(enc('data: 3')), []);
    assert.equal(d.bufferedBytes, 7);
    assert.deepEqual(d.end(), [{ data: '3' }]);
  });
});

describe('SseDecoder: fields', () => {
  it('strips exactly one optional space after the colon', () => {
    const evs = replay([enc('data:x\n\ndata: x\n\ndata:  x\n\ndata:\n\ndata\n\ndata: \n\n')]);
    assert.deepEqual(
      evs.map((e) => e.data),
      ['x', 'x', ' x', '', '', ''],
    );
  });

  it('joins multiple data lines with LF and keeps colons in values', () => {
    assert.deepEqual(replay([enc('data: {"a":\ndata: "b:c"}\n\n')]), [{ data: '{"a":\n"b:c"}' }]);
  });

  it('reads event and id per event; ids containing NUL are ignored', () => {
    const evs = replay([enc('event: ping\nid: 7\ndata: a\n\ndata: b\n\nid: x\0y\nevent:\ndata: c\n\n')]);
    assert.deepEqual(evs, [{ event: 'ping', id: '7', data: 'a' }, { data: 'b' }, { data: 'c' }]);
  });

  it('ignores comments, retry and unknown fields; a block without data is not an event', () => {
    const s = ': hello\n\n:\n\nretry: 100\nfoo: bar\n\nevent: x\n\n: c1\ndata: y\n: c2\n\n';
    assert.deepEqual(replay([enc(s)]), [{ data: 'y' }]);
    assert.deepEqual(replay(byteByByte(enc(s))), [{ data: 'y' }]);
  });

  it('decodes multi-byte UTF-8 split anywhere', () => {
    const s = enc('data: 你好🙂é\n\n');
    for (let cut = 0; cut <= s.length; cut++) {
      assert.deepEqual(replay([s.subarray(0, cut), s.subarray(cut)]), [{ data: '你好🙂é' }]);
    }
    assert.deepEqual(replay(byteByByte(s)), [{ data: '你好🙂é' }]);
  });

  it('invalid UTF-8 is replaced, not thrown', () => {
    assert.deepEqual(replay([Buffer.from([0x64, 0x61, 0x74, 0x61, 0x3a, 0xff, 0x0a, 0x0a])]), [
      { data: '\uFFFD' },
    ]);
  });
});

describe('SseDecoder: BOM', () => {
  const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

  it('drops a leading BOM, whole or split', () => {
    const body = enc('data: a\n\n');
    const s = Buffer.concat([BOM, body]);
    assert.deepEqual(replay([s]), [{ data: 'a' }]);
    assert.deepEqual(replay(byteByByte(s)), [{ data: 'a' }]);
    assert.deepEqual(replay([s.subarray(0, 2), s.subarray(2)]), [{ data: 'a' }]);
  });

  it('only the first BOM of the stream is dropped', () => {
    // A second BOM makes the field name "\uFEFFdata", an unknown field.
    const s = Buffer.concat([BOM, BOM, enc('data: a\n\ndata: b\n\n')]);
    assert.deepEqual(replay([s]), [{ data: 'b' }]);
    const mid = Buffer.concat([enc('data: a\n\n'), BOM, enc('data: b\n\n')]);
    assert.deepEqual(replay([mid]), [{ data: 'a' }]);
  });

  it('a stream that ends inside a BOM prefix is content, and a non-BOM start is not held', () => {
    const d = new SseDecoder();
    assert.deepEqual(d.push(Buffer.from([0xef, 0xbb])), []);
    assert.deepEqual(d.end(), []);
    const e = new SseDecoder();
    assert.deepEqual(e.push(enc('d')), []);
    assert.equal(e.bufferedBytes, 1);
    assert.deepEqual(e.push(enc('ata: z\n\n')), [{ data: 'z' }]);
  });

  it('end() resets the decoder for a new stream (BOM handled again)', () => {
    const d = new SseDecoder();
    assert.deepEqual(d.push(Buffer.concat([BOM, enc('data: 1')])), []);
    assert.deepEqual(d.end(), [{ data: '1' }]);
    assert.deepEqual(d.push(Buffer.concat([BOM, enc('data: 2\n\n')])), [{ data: '2' }]);
    assert.deepEqual(d.end(), []);
  });
});

describe('SseDecoder: end()', () => {
  it('flushes an unterminated last line, or a terminated line without the blank line', () => {
    assert.deepEqual(replay([enc('data: a\n\ndata: last')]), [{ data: 'a' }, { data: 'last' }]);
    assert.deepEqual(replay([enc('event: e\ndata: last\n')]), [{ event: 'e', data: 'last' }]);
    assert.deepEqual(replay([enc('data: last\r')]), [{ data: 'last' }]);
    assert.deepEqual(replay([enc(': only a comment')]), []);
    assert.deepEqual(replay([]), []);
    assert.deepEqual(replay([enc('\n\n\r\n')]), []);
  });
});

describe('SseDecoder: limits and robustness', () => {
  it('defaults to 1 MiB', () => {
    assert.equal(DEFAULT_MAX_EVENT_BYTES, 1024 * 1024);
    assert.equal(new SseDecoder().maxEventBytes, 1024 * 1024);
    assert.throws(() => new SseDecoder({ maxEventBytes: 0 }), RangeError);
  });

  it('throws SseLimitError for an oversized event, in one chunk or byte by byte', () => {
    const big = enc(`data: ${'x'.repeat(100)}\n\n`);
    assert.throws(
      () => replay([big], { maxEventBytes: 64 }),
      (err: unknown) => err instanceof SseLimitError && err.limit === 64 && err.name === 'SseLimitError',
    );
    assert.throws(() => replay(byteByByte(big), { maxEventBytes: 64 }), SseLimitError);
    // An event that never ends is bounded too.
    const d = new SseDecoder({ maxEventBytes: 64 });
    let fed = 0;
    assert.throws(() => {
      for (;;) {
        d.push(enc('x'));
        fed++;
      }
    }, SseLimitError);
    assert.equal(fed, 64);
    assert.throws(() => d.push(enc('data: y\n\n')), /SseLimitError/);
  });

  it('an event exactly at the limit passes; blank lines and earlier events do not count', () => {
    const line = `data: ${'y'.repeat(57)}\n`; // 64 bytes
    assert.equal(Buffer.byteLength(line), 64);
    const s = enc(`${line}\n\r\n\r\n${line}\n`.repeat(50));
    assert.equal(replay([s], { maxEventBytes: 64 }).length, 100);
    assert.equal(replay(byteByByte(s), { maxEventBytes: 64 }).length, 100);
    assert.equal(replay(randomChunks(s, 3), { maxEventBytes: 64 }).length, 100);
    assert.throws(() => replay([enc(`${line}x\n\n`)], { maxEventBytes: 64 }), SseLimitError);
  });

  it('does not keep references to the caller’s chunk buffers', () => {
    const d = new SseDecoder();
    const chunk = Buffer.from(enc('data: abc'));
    assert.deepEqual(d.push(chunk), []);
    chunk.fill(0x21);
    assert.deepEqual(d.push(enc('def\n\n')), [{ data: 'abcdef' }]);
  });

  it('accepts plain Uint8Array views with offsets and empty chunks', () => {
    const backing = new Uint8Array(64);
    const payload = enc('data: view\n\n');
    backing.set(payload, 10);
    const d = new SseDecoder();
    assert.deepEqual(d.push(new Uint8Array(0)), []);
    assert.deepEqual(d.push(backing.subarray(10, 10 + payload.length)), [{ data: 'view' }]);
  });

  it('handles many events spread over many chunks in linear time', () => {
    const one = enc(`data: ${JSON.stringify({ choices: [{ delta: { content: 'token ✓' } }] })}\n\n`);
    const s = Buffer.concat(Array.from({ length: 20000 }, () => one));
    const d = new SseDecoder();
    let n = 0;
    for (const c of randomChunks(s, 11, 300)) n += d.push(c).length;
    n += d.end().length;
    assert.equal(n, 20000);
  });
});

/**
 * Gemini / Vertex AI stream decoder: golden chunk sequences for recorded-style streams (SSE with LF, CRLF
 * and kgateway framings, JSON array, NDJSON), each replayed whole, one byte at a time and in odd-sized
 * pieces with identical results. Fixtures: test/fixtures/translate/gemini/stream-*.{sse,json,jsonl} →
 * stream-*.out.json. Regenerate outputs with UPDATE_GOLDEN=1 (then review the diff).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { geminiProvider, vertexProvider } from '../../../../src/providers/gemini/index.js';
import { JsonElementSplitter } from '../../../../src/providers/gemini/json-elements.js';
import { dropInjectedUsageChunk } from '../../../../src/providers/openai/index.js';
import type { Json, OpenAIChatChunk, UpstreamTarget } from '../../../../src/providers/translate/types.js';
import { TranslationError } from '../../../../src/providers/translate/types.js';

const DIR = path.resolve('test/fixtures/translate/gemini');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const TARGET: UpstreamTarget = { provider: 'gemini', model: 'gemini-target-model', stream: true };

type Chunker = (b: Buffer) => Iterable<Uint8Array>;
const whole: Chunker = (b) => [b];
const byteByByte: Chunker = function* (b) {
  for (let i = 0; i < b.length; i++) yield b.subarray(i, i + 1);
};
const sized = (n: number): Chunker =>
  function* (b) {
    for (let i = 0; i < b.length; i += n) yield b.subarray(i, i + n);
  };
/** Deterministic pseudo-random piece sizes 1..40 (LCG), empty pushes included. */
const jagged: Chunker = function* (b) {
  let seed = 12345;
  let i = 0;
  while (i < b.length) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const n = seed % 41;
    yield b.subarray(i, i + n);
    i += n;
  }
};
const CHUNKERS: Array<[string, Chunker]> = [
  ['whole', whole],
  ['byte-by-byte', byteByByte],
  ['3 bytes', sized(3)],
  ['7 bytes', sized(7)],
  ['jagged', jagged],
];

interface Replay {
  chunks: OpenAIChatChunk[];
  error?: { status: number; message: string; type: string };
}

function replay(bytes: Buffer, chunker: Chunker, target: UpstreamTarget = TARGET): Replay {
  const dec = (target.provider === 'vertex-ai' ? vertexProvider : geminiProvider).stream(target);
  const chunks: OpenAIChatChunk[] = [];
  try {
    for (const piece of chunker(bytes)) chunks.push(...dec.push(piece));
    chunks.push(...dec.end());
  } catch (e) {
    if (!(e instanceof TranslationError)) throw e;
    return { chunks, error: { status: e.status, message: e.message, type: e.type } };
  }
  return { chunks };
}

const GENERATED_ID = /^chatcmpl-[0-9a-f]{24}$/;

/** One id and one `created` for the whole stream; generated ids and wall-clock times become constants. */
function stable(r: Replay, hadCreateTime: boolean): Replay {
  const ids = new Set(r.chunks.map((c) => c.id));
  const created = new Set(r.chunks.map((c) => c.created));
  assert.ok(ids.size <= 1 && created.size <= 1, 'every chunk of a stream has the same id and created');
  const chunks = r.chunks.map((c) => {
    const out: Json = { ...c };
    if (typeof out.id === 'string' && GENERATED_ID.test(out.id)) out.id = 'chatcmpl-GENERATED';
    if (!hadCreateTime) out.created = 0;
    return out;
  });
  return r.error === undefined ? { chunks } : { chunks, error: r.error };
}

function golden(name: string, actual: unknown): void {
  const file = path.join(DIR, name);
  if (UPDATE) writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
  assert.deepStrictEqual(actual, JSON.parse(readFileSync(file, 'utf8')));
}

const streams = readdirSync(DIR)
  .filter((f) => f.startsWith('stream-') && !f.endsWith('.out.json'))
  .sort();

describe('gemini stream goldens', () => {
  for (const file of streams) {
    const name = file.replace(/\.(sse|json|jsonl)$/, '');
    it(name, () => {
      const bytes = readFileSync(path.join(DIR, file));
      const hadCreateTime = bytes.includes('"createTime"');
      const expected = stable(replay(bytes, whole), hadCreateTime);
      golden(`${name}.out.json`, expected);
      for (const [label, chunker] of CHUNKERS.slice(1)) {
        assert.deepStrictEqual(stable(replay(bytes, chunker), hadCreateTime), expected, label);
      }
    });
  }
});

describe('gemini stream behaviour', () => {
  const sse = (...events: unknown[]): Buffer =>
    Buffer.from(events.map((e) => `data: ${JSON.stringify(e)}\r\n\r\n`).join(''), 'utf8');
  const text = (t: string, extra: Json = {}): Json => ({
    candidates: [{ content: { role: 'model', parts: [{ text: t }] }, index: 0, ...extra }],
    modelVersion: 'm',
    responseId: 'r',
  });

  it('emits the role chunk once and the usage chunk only at end(), with the last values', () => {
    const dec = geminiProvider.stream(TARGET);
    const first = dec.push(
      sse({ ...text('a'), usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 1 } }),
    );
    assert.deepStrictEqual(
      first.map((c) => (c.choices as Json[])[0]?.delta),
      [{ role: 'assistant', content: '' }, { content: 'a' }],
    );
    const second = dec.push(
      sse({
        ...text('b', { finishReason: 'STOP' }),
        usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 2 },
      }),
    );
    assert.ok(second.every((c) => c.usage === undefined));
    const last = dec.end();
    assert.equal(last.length, 1);
    assert.deepStrictEqual(last[0]?.choices, []);
    assert.deepStrictEqual(last[0]?.usage, { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 });
  });

  it('an error event: the chunks before it are returned, the next call throws', () => {
    const dec = geminiProvider.stream(TARGET);
    const out = dec.push(
      Buffer.concat([
        sse(text('partial')),
        sse({ error: { code: 429, message: 'slow down', status: 'RESOURCE_EXHAUSTED' } }),
      ]),
    );
    assert.equal(out.length, 2);
    assert.throws(
      () => dec.end(),
      (e: unknown) => e instanceof TranslationError && e.status === 429 && e.type === 'rate_limit_error',
    );
  });

  it('an empty stream yields nothing', () => {
    const dec = geminiProvider.stream(TARGET);
    assert.deepStrictEqual(dec.push(Buffer.from('  \r\n')), []);
    assert.deepStrictEqual(dec.end(), []);
  });

  it('a truncated JSON array stream is an error at end()', () => {
    const dec = geminiProvider.stream(TARGET);
    const out = dec.push(Buffer.from(`[${JSON.stringify(text('x'))},\r\n{"candidates":[`));
    assert.equal(out.length, 2);
    assert.throws(
      () => dec.end(),
      (e: unknown) => e instanceof TranslationError && e.status === 502 && /inside an object/.test(e.message),
    );
  });

  it('uses target.model when the stream has no modelVersion', () => {
    const dec = geminiProvider.stream(TARGET);
    const out = dec.push(sse({ candidates: [{ content: { parts: [{ text: 'x' }] } }] }));
    assert.equal(out[0]?.model, 'gemini-target-model');
  });

  it('dropInjectedUsageChunk removes the final usage chunk for a client that did not ask', () => {
    const bytes = readFileSync(path.join(DIR, 'stream-text-crlf.sse'));
    const all = replay(bytes, whole).chunks;
    const filtered = dropInjectedUsageChunk(all);
    assert.equal(filtered.length, all.length - 1);
    assert.ok(filtered.every((c) => !('usage' in c)));
  });
});

describe('JsonElementSplitter', () => {
  const split = (mode: 'array' | 'objects', s: string): string[] => {
    const sp = new JsonElementSplitter(mode, 1024);
    const out: string[] = [];
    for (const b of Buffer.from(s, 'utf8')) out.push(...sp.push(Uint8Array.of(b)));
    sp.end();
    return out;
  };

  it('splits array elements with strings containing brackets, quotes and escapes', () => {
    assert.deepStrictEqual(split('array', ' [ {"a":"}]\\"{["} ,\r\n{"b":[1,{"c":2}]}\n]  '), [
      '{"a":"}]\\"{["}',
      '{"b":[1,{"c":2}]}',
    ]);
  });

  it('splits concatenated and newline-delimited objects; decodes UTF-8 split across pushes', () => {
    assert.deepStrictEqual(split('objects', '{"t":"é🍓"}\n{"u":1}{"v":2}'), [
      '{"t":"é🍓"}',
      '{"u":1}',
      '{"v":2}',
    ]);
  });

  it('rejects garbage between elements, data after "]", and oversized objects', () => {
    assert.throws(() => split('array', '[{"a":1} x]'), /unexpected byte/);
    assert.throws(() => split('array', '[{"a":1}] {'), /after the closing/);
    assert.throws(() => split('array', '{"a":1}'), /expected "\["/);
    assert.throws(
      () => new JsonElementSplitter('objects', 8).push(Buffer.from('{"long-key": 1}')),
      /exceeds 8/,
    );
  });
});

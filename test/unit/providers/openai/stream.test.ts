/**
 * OpenAI-compatible stream decoder: golden chunk sequences (OpenAI, Azure, Mistral, Ollama dialects), each
 * replayed whole, one byte at a time and in odd-sized pieces with identical results; and the injected-usage
 * filter. Fixtures: test/fixtures/translate/openai/stream-<provider>-*.sse → *.out.json.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import {
  azureOpenAIProvider,
  dropInjectedUsageChunk,
  mistralProvider,
  ollamaProvider,
  openaiProvider,
} from '../../../../src/providers/openai/index.js';
import type {
  OpenAIChatChunk,
  ProviderAdapter,
  UpstreamTarget,
} from '../../../../src/providers/translate/types.js';
import { TranslationError } from '../../../../src/providers/translate/types.js';

const DIR = path.resolve('test/fixtures/translate/openai');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const ADAPTERS: Record<string, ProviderAdapter> = {
  openai: openaiProvider,
  azure: azureOpenAIProvider,
  mistral: mistralProvider,
  ollama: ollamaProvider,
};

type Chunker = (b: Buffer) => Iterable<Uint8Array>;
const whole: Chunker = (b) => [b];
const byteByByte: Chunker = function* (b) {
  for (let i = 0; i < b.length; i++) yield b.subarray(i, i + 1);
};
const sized = (n: number): Chunker =>
  function* (b) {
    for (let i = 0; i < b.length; i += n) yield b.subarray(i, i + n);
  };

interface Replay {
  chunks: OpenAIChatChunk[];
  error?: { status: number; message: string; type: string };
}

function replay(adapter: ProviderAdapter, bytes: Buffer, chunker: Chunker): Replay {
  const target: UpstreamTarget = { provider: adapter.provider, model: 'target-model', stream: true };
  const dec = adapter.stream(target);
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

function golden(name: string, actual: unknown): void {
  const file = path.join(DIR, name);
  if (UPDATE) writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
  assert.deepStrictEqual(actual, JSON.parse(readFileSync(file, 'utf8')));
}

const streams = readdirSync(DIR)
  .filter((f) => f.startsWith('stream-') && f.endsWith('.sse'))
  .sort();

describe('openai-compatible stream goldens', () => {
  for (const file of streams) {
    const name = file.slice(0, -'.sse'.length);
    it(name, () => {
      const adapter = ADAPTERS[name.split('-')[1] ?? ''];
      assert.ok(adapter);
      const bytes = readFileSync(path.join(DIR, file));
      const expected = replay(adapter, bytes, whole);
      golden(`${name}.out.json`, expected);
      for (const [label, chunker] of [
        ['byte-by-byte', byteByByte],
        ['5 bytes', sized(5)],
        ['61 bytes', sized(61)],
      ] as const) {
        assert.deepStrictEqual(replay(adapter, bytes, chunker), expected, label);
      }
    });
  }
});

describe('dropInjectedUsageChunk', () => {
  const usage = { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 };
  it('drops usage-only chunks and strips usage from the others', () => {
    const chunks: OpenAIChatChunk[] = [
      { id: 'a', choices: [{ index: 0, delta: { content: 'x' } }], usage: null },
      { id: 'b', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage },
      { id: 'c', choices: [], usage },
      { id: 'd', usage },
      { id: 'e', choices: [], prompt_filter_results: [] },
      { id: 'f', choices: [{ index: 0, delta: { content: 'y' } }] },
    ];
    assert.deepStrictEqual(dropInjectedUsageChunk(chunks), [
      { id: 'a', choices: [{ index: 0, delta: { content: 'x' } }] },
      { id: 'b', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
      { id: 'e', choices: [], prompt_filter_results: [] },
      { id: 'f', choices: [{ index: 0, delta: { content: 'y' } }] },
    ]);
    assert.deepStrictEqual(chunks[0]?.usage, null, 'input chunks are not mutated');
  });

  it('applied to a recorded stream leaves no usage behind', () => {
    const bytes = readFileSync(path.join(DIR, 'stream-openai-usage.sse'));
    const all = replay(openaiProvider, bytes, whole).chunks;
    const filtered = dropInjectedUsageChunk(all);
    assert.equal(filtered.length, all.length - 1);
    assert.ok(filtered.every((c) => !('usage' in c)));
  });
});

describe('openai stream errors', () => {
  it('throws at the call after the error, keeping the chunks decoded before it', () => {
    const dec = openaiProvider.stream({ provider: 'openai', model: 'm', stream: true });
    const ok = 'data: {"id":"x","choices":[{"index":0,"delta":{"content":"a"}}]}\n\n';
    const bad = 'data: {"error":{"message":"boom","type":"server_error","code":503}}\n\n';
    assert.equal(dec.push(Buffer.from(ok + bad)).length, 1);
    assert.throws(
      () => dec.push(Buffer.from(ok)),
      (e: unknown) => e instanceof TranslationError && e.status === 503 && e.message === 'boom',
    );
  });

  it('an oversized event is a 502', () => {
    const dec = openaiProvider.stream({ provider: 'openai', model: 'm', stream: true });
    const big = Buffer.alloc(17 * 1024 * 1024, 0x61);
    dec.push(Buffer.from('data: '));
    dec.push(big);
    assert.throws(
      () => dec.end(),
      (e: unknown) => e instanceof TranslationError && e.status === 502 && /exceeds/.test(e.message),
    );
  });
});

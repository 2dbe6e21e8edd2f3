/**
 * Golden tests for the Anthropic translations (fixtures in test/fixtures/translate/anthropic/):
 *   provider-*: OpenAI client → Anthropic upstream (request, response, error, stream decoder);
 *   client-*:   Anthropic client → OpenAI canonical (request, response, error, stream encoder).
 * Each `<case>.in.*` has an expected `<case>.out.*`. Run with UPDATE_GOLDEN=1 to rewrite the expected files
 * (then review the diff).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import {
  anthropicClient,
  anthropicDroppedParams,
  createAnthropicProvider,
} from '../../../../src/providers/anthropic/index.js';
import { TranslationError } from '../../../../src/providers/translate/types.js';
import type { CanonicalError, Json, UpstreamTarget } from '../../../../src/providers/translate/types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests poke at arbitrary JSON
type AnyJson = any;

const ROOT = path.resolve('test/fixtures/translate/anthropic');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const CREATED = 1700000000;
const provider = createAnthropicProvider({ clock: () => CREATED });

const read = (dir: string, file: string): Buffer => readFileSync(path.join(ROOT, dir, file));
const readJson = (dir: string, file: string): AnyJson => JSON.parse(read(dir, file).toString('utf8'));
const cases = (dir: string, suffix: string): string[] =>
  readdirSync(path.join(ROOT, dir))
    .filter((f) => f.endsWith(suffix))
    .map((f) => f.slice(0, -suffix.length))
    .sort();

function goldenJson(dir: string, file: string, actual: unknown): void {
  if (UPDATE) writeFileSync(path.join(ROOT, dir, file), JSON.stringify(actual, null, 2) + '\n');
  assert.deepEqual(actual, readJson(dir, file));
}

function goldenText(dir: string, file: string, actual: string): void {
  if (UPDATE) writeFileSync(path.join(ROOT, dir, file), actual);
  assert.equal(actual, read(dir, file).toString('utf8'));
}

type Splitter = (b: Buffer) => Uint8Array[];
const SPLITS: Record<string, Splitter> = {
  whole: (b) => [b],
  'byte by byte': (b) => Array.from({ length: b.length }, (_, i) => b.subarray(i, i + 1)),
  'every 7 bytes': (b) =>
    Array.from({ length: Math.ceil(b.length / 7) }, (_, i) => b.subarray(i * 7, i * 7 + 7)),
};

interface Decoded {
  chunks: Json[];
  /** The TranslationError the decoder threw (it ends the stream), if any. */
  thrown: { status: number; type: string; message: string } | null;
}

function decode(target: UpstreamTarget, parts: Uint8Array[]): Decoded {
  const dec = provider.stream(target);
  const chunks: Json[] = [];
  try {
    for (const p of parts) chunks.push(...dec.push(p));
    chunks.push(...dec.end());
  } catch (e) {
    if (!(e instanceof TranslationError)) throw e;
    assert.throws(() => dec.end(), e, 'every later call throws the same error');
    return { chunks, thrown: { status: e.status, type: e.type, message: e.message } };
  }
  return { chunks, thrown: null };
}

describe('anthropic provider: OpenAI request → Anthropic request', () => {
  for (const name of cases('provider-request', '.in.json')) {
    it(name, () => {
      const { target, request } = readJson('provider-request', `${name}.in.json`);
      const out = provider.request(request, target);
      const actual = {
        path: out.path,
        headers: out.headers,
        droppedParams: out.droppedParams,
        body: JSON.parse(out.body.toString('utf8')),
      };
      goldenJson('provider-request', `${name}.out.json`, actual);
    });
  }
});

describe('anthropic provider: Anthropic response → OpenAI chat.completion', () => {
  for (const name of cases('provider-response', '.in.json')) {
    it(name, () => {
      const { target, body } = readJson('provider-response', `${name}.in.json`);
      goldenJson('provider-response', `${name}.out.json`, provider.response(body, target));
    });
  }
});

describe('anthropic provider: Anthropic error → canonical error', () => {
  it('every case', () => {
    const input: { name: string; status: number; body: string }[] = readJson(
      'provider-error',
      'cases.in.json',
    );
    const actual = input.map((c) => ({
      name: c.name,
      ...provider.error(c.status, Buffer.from(c.body, 'utf8')),
    }));
    goldenJson('provider-error', 'cases.out.json', actual);
  });
});

describe('anthropic provider: Anthropic SSE → OpenAI chunks', () => {
  const target: UpstreamTarget = { provider: 'anthropic', model: 'claude-configured', stream: true };
  for (const name of cases('provider-stream', '.sse')) {
    it(name, () => {
      const bytes = read('provider-stream', `${name}.sse`);
      const results = Object.entries(SPLITS).map(
        ([split, fn]) => [split, decode(target, fn(bytes))] as const,
      );
      goldenJson('provider-stream', `${name}.out.json`, results[0]?.[1]);
      for (const [split, chunks] of results) assert.deepEqual(chunks, results[0]?.[1], `split: ${split}`);
    });
  }

  it('emits per event: the first text delta is out before the stream ends', () => {
    const dec = provider.stream(target);
    const bytes = read('provider-stream', 'text.sse').toString('utf8');
    const firstDelta = bytes.indexOf('event: content_block_delta');
    const upToDelta = bytes.indexOf('\n\n', firstDelta) + 2;
    const early = dec.push(Buffer.from(bytes.slice(0, upToDelta)));
    assert.deepEqual(
      early.map((c) => (c.choices as Json[])[0]?.delta),
      [{ role: 'assistant', content: '' }, { content: 'Autumn moonlight—' }],
    );
  });
});

describe('anthropic client: Anthropic request → OpenAI request', () => {
  for (const name of cases('client-request', '.in.json')) {
    it(name, () => {
      const body = readJson('client-request', `${name}.in.json`);
      const actual = { droppedParams: anthropicDroppedParams(body), request: anthropicClient.request(body) };
      goldenJson('client-request', `${name}.out.json`, actual);
    });
  }
});

describe('anthropic client: OpenAI chat.completion → Anthropic message', () => {
  for (const name of cases('client-response', '.in.json')) {
    it(name, () => {
      const completion = readJson('client-response', `${name}.in.json`);
      goldenJson('client-response', `${name}.out.json`, anthropicClient.response(completion));
    });
  }
});

describe('anthropic client: canonical error → Anthropic error', () => {
  it('every case', () => {
    const input: CanonicalError[] = readJson('client-error', 'cases.in.json');
    const actual = input.map((e) => ({ status: e.status, body: anthropicClient.error(e) }));
    goldenJson('client-error', 'cases.out.json', actual);
  });
});

describe('anthropic client: OpenAI chunks → Anthropic SSE', () => {
  for (const name of cases('client-stream', '.in.json')) {
    it(name, () => {
      const chunks: Json[] = readJson('client-stream', `${name}.in.json`);
      const all = anthropicClient.stream();
      const together = all.push(chunks) + all.end();
      const one = anthropicClient.stream();
      const separately = chunks.map((c) => one.push([c])).join('') + one.end();
      goldenText('client-stream', `${name}.out.sse`, together);
      assert.equal(separately, together);
    });
  }

  it('emits per chunk: text is out before the upstream finishes', () => {
    const chunks: Json[] = readJson('client-stream', 'text-usage.in.json');
    const enc = anthropicClient.stream();
    const first = enc.push(chunks.slice(0, 2));
    assert.match(first, /^event: message_start\n/);
    assert.match(first, /"text_delta","text":"Green"/);
  });
});

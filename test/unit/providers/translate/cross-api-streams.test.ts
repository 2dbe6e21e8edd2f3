/**
 * Golden tests for reasoning and cache usage in provider streams across APIs: each recorded-shape stream
 * (test/fixtures/translate/cross-api/streams/) is decoded whole and one byte at a time into canonical chunks
 * (reasoning_content, thinking_blocks with signatures, usage with cached and reasoning tokens), then
 * re-encoded for an Anthropic client (thinking blocks with their signatures, cache usage fields).
 * UPDATE_GOLDEN=1 rewrites the expected files (then review the diff).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { anthropicClient } from '../../../../src/providers/anthropic/index.js';
import { encodeConverseEvent } from '../../../../src/providers/bedrock/index.js';
import { providerAdapter } from '../../../../src/providers/translate/registry.js';
import type { Json, OpenAIChatChunk, ProviderKind } from '../../../../src/providers/translate/types.js';

const DIR = path.resolve('test/fixtures/translate/cross-api/streams');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

function golden(name: string, text: string): void {
  const file = path.join(DIR, name);
  if (UPDATE || !fs.existsSync(file)) {
    if (!UPDATE) assert.fail(`missing golden ${name}; run with UPDATE_GOLDEN=1 and review it`);
    fs.writeFileSync(file, text);
    return;
  }
  assert.equal(text, fs.readFileSync(file, 'utf8'), name);
}

/** Ids and timestamps the gateway makes up are not part of the contract. */
const normalise = (s: string): string =>
  s.replace(/"id": ?"(chatcmpl-|msg_)[^"]+"/g, '"id":"ID"').replace(/"created": ?\d+/g, '"created":0');

function input(file: string): Buffer {
  const bytes = fs.readFileSync(path.join(DIR, file));
  if (!file.endsWith('.events.json')) return bytes;
  const events = JSON.parse(bytes.toString('utf8')) as [string, Json][];
  return Buffer.concat(events.map(([type, payload]) => encodeConverseEvent(type, payload)));
}

interface Run {
  chunks: OpenAIChatChunk[];
  sse: string;
}

function run(provider: ProviderKind, pieces: Buffer[]): Run {
  const dec = providerAdapter(provider).stream({ provider, model: 'm', stream: true });
  const enc = anthropicClient.stream();
  const chunks: OpenAIChatChunk[] = [];
  let sse = '';
  const push = (out: OpenAIChatChunk[]): void => {
    chunks.push(...out);
    sse += enc.push(out);
  };
  for (const p of pieces) push(dec.push(p));
  push(dec.end());
  return { chunks, sse: sse + enc.end() };
}

const STREAMS: [string, ProviderKind, string][] = [
  ['bedrock-reasoning', 'bedrock', 'bedrock-reasoning.events.json'],
  ['gemini-thoughts', 'gemini', 'gemini-thoughts.sse'],
  ['openai-reasoning', 'openai', 'openai-reasoning.sse'],
  ['anthropic-thinking-tool', 'anthropic', 'anthropic-thinking-tool.sse'],
];

describe('provider reasoning streams → canonical chunks → Anthropic client SSE', () => {
  for (const [name, provider, file] of STREAMS) {
    it(`${name}: whole and byte by byte agree, and match the goldens`, () => {
      const bytes = input(file);
      const whole = run(provider, [bytes]);
      const byByte = run(
        provider,
        [...bytes].map((b) => Buffer.from([b])),
      );
      const text = normalise(JSON.stringify(whole.chunks, null, 2)) + '\n';
      assert.equal(normalise(JSON.stringify(byByte.chunks, null, 2)) + '\n', text);
      assert.equal(normalise(byByte.sse), normalise(whole.sse));
      golden(`${name}.openai-chunks.json`, text);
      golden(`${name}.to-anthropic.sse`, normalise(whole.sse));
    });
  }

  it('signatures survive: Bedrock reasoningContent → signature_delta and redacted_thinking for Anthropic', () => {
    const { sse } = run('bedrock', [input('bedrock-reasoning.events.json')]);
    assert.match(sse, /"type":"signature_delta","signature":"Ep0CCkgICxABGAIqQOWPB6"/);
    assert.match(sse, /"content_block":\{"type":"redacted_thinking","data":"cmVkYWN0ZWQ="\}/);
    assert.match(sse, /"cache_read_input_tokens":2000,"cache_creation_input_tokens":400/);
  });

  it('reasoning tokens and cached tokens reach the canonical usage (Gemini, OpenAI-compatible)', () => {
    const usage = (p: ProviderKind, f: string): Json | undefined =>
      run(p, [input(f)])
        .chunks.map((c) => c.usage as Json | undefined)
        .find((u) => u !== undefined);
    const g = usage('gemini', 'gemini-thoughts.sse');
    assert.deepEqual(g?.completion_tokens_details, { reasoning_tokens: 131 });
    assert.deepEqual(g?.prompt_tokens_details, { cached_tokens: 4 });
    const o = usage('openai', 'openai-reasoning.sse');
    assert.deepEqual(o?.completion_tokens_details, { reasoning_tokens: 22 });
  });

  it('an Anthropic stream gives an OpenAI client the signed blocks whole, for its next turn', () => {
    const { chunks } = run('anthropic', [input('anthropic-thinking-tool.sse')]);
    const blocks = chunks.flatMap((c) => {
      const choice = (c.choices as Json[] | undefined)?.[0];
      const delta = choice?.delta as Json | undefined;
      return (delta?.thinking_blocks as Json[] | undefined) ?? [];
    });
    assert.deepEqual(blocks, [
      { type: 'thinking', thinking: 'I need the order status.', signature: 'EqQBCkYIARgC' },
      { type: 'redacted_thinking', data: 'ZW5jcnlwdGVk' },
    ]);
  });
});

describe('canonical thinking_blocks → Anthropic client SSE', () => {
  const chunk = (delta: Json): OpenAIChatChunk => ({
    id: 'c',
    object: 'chat.completion.chunk',
    created: 0,
    model: 'm',
    choices: [{ index: 0, delta, finish_reason: null }],
  });
  const events = (sse: string): Json[] =>
    sse
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => JSON.parse(l.slice(6)) as Json);

  it('a block that was not streamed before (even with empty text) is sent whole, signed', () => {
    const enc = anthropicClient.stream();
    const sse =
      enc.push([chunk({ role: 'assistant', content: '' })]) +
      enc.push([chunk({ thinking_blocks: [{ type: 'thinking', thinking: '', signature: 'sig-1' }] })]) +
      enc.push([chunk({ content: 'Hi' })]) +
      enc.end();
    const blocks = events(sse).filter((e) => String(e.type).startsWith('content_block'));
    assert.deepEqual(
      blocks.map((e) => [e.type, e.index, (e.delta as Json | undefined)?.type ?? null]),
      [
        ['content_block_start', 0, null],
        ['content_block_delta', 0, 'signature_delta'],
        ['content_block_stop', 0, null],
        ['content_block_start', 1, null],
        ['content_block_delta', 1, 'text_delta'],
        ['content_block_stop', 1, null],
      ],
    );
  });
});

/** A cache hit rendered for a Gemini-native client: JSON, SSE and the JSON-array stream, by the path. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { synthesizeHit } from '../../../src/cache/synthesize.js';
import type { CacheEntry } from '../../../src/cache/types.js';

const ENTRY: CacheEntry = {
  completion: {
    object: 'chat.completion',
    model: 'gpt-4o-mini',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Paris.' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 },
  },
  promptTokens: 9,
  completionTokens: 2,
  model: 'gpt-4o-mini',
};
const USAGE = { promptTokenCount: 9, candidatesTokenCount: 2, totalTokenCount: 11 };
type Chunk = {
  candidates: { content: { parts: { text: string }[] }; finishReason?: string }[];
  usageMetadata?: unknown;
};
const text = (chunks: Chunk[]): string =>
  chunks.map((c) => c.candidates[0]!.content.parts.map((p) => p.text).join('')).join('');

describe('cache hits for a Gemini client', () => {
  it('generateContent: one GenerateContentResponse', () => {
    const hit = synthesizeHit(ENTRY, {
      api: 'gemini',
      stream: false,
      includeUsage: false,
      path: '/v1beta/models/m:generateContent',
    });
    assert.equal(hit.contentType, 'application/json');
    const body = JSON.parse(hit.body) as Chunk;
    assert.equal(text([body]), 'Paris.');
    assert.equal(body.candidates[0]!.finishReason, 'STOP');
    assert.deepEqual(body.usageMetadata, USAGE);
  });

  it('streamGenerateContent?alt=sse: data events, usage and finish on the last', () => {
    const hit = synthesizeHit(ENTRY, {
      api: 'gemini',
      stream: true,
      includeUsage: false,
      path: '/v1beta/models/m:streamGenerateContent?alt=sse',
    });
    assert.equal(hit.contentType, 'text/event-stream');
    const events = hit.body
      .split('\r\n\r\n')
      .filter((e) => e !== '')
      .map((e) => JSON.parse(e.replace(/^data: /, '')) as Chunk);
    assert.equal(text(events), 'Paris.');
    assert.equal(events.at(-1)!.candidates[0]!.finishReason, 'STOP');
    assert.deepEqual(events.at(-1)!.usageMetadata, USAGE);
  });

  it('streamGenerateContent without alt=sse: one JSON array', () => {
    const hit = synthesizeHit(ENTRY, {
      api: 'gemini',
      stream: true,
      includeUsage: false,
      path: '/v1beta/models/m:streamGenerateContent',
    });
    assert.equal(hit.contentType, 'application/json');
    const chunks = JSON.parse(hit.body) as Chunk[];
    assert.equal(text(chunks), 'Paris.');
    assert.deepEqual(chunks.at(-1)!.usageMetadata, USAGE);
  });
});

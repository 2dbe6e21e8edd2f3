import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { anthropicClient, anthropicProvider } from '../../../../src/providers/anthropic/index.js';
import { openaiClient } from '../../../../src/providers/openai/index.js';
import { responsesClient, responsesProvider } from '../../../../src/providers/openai-responses/index.js';
import type { Json, UpstreamTarget } from '../../../../src/providers/translate/types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyJson = any;

const CLAUDE: UpstreamTarget = { provider: 'anthropic', model: 'claude-sonnet-4-5', stream: false };
const O3: UpstreamTarget = { provider: 'openai', model: 'o3-pro', stream: false, openaiApi: 'responses' };
const CITE = {
  type: 'web_search_result_location',
  url: 'https://example.com/tides',
  title: 'Tides',
  cited_text: 'x',
  encrypted_index: 'Eo8',
};
const TIDES = { start_index: 10, end_index: 29, url: 'https://example.com/tides', title: 'Tides' };

const events = (sse: string): AnyJson[] =>
  sse
    .split('\n\n')
    .filter((e) => e.includes('data: {'))
    .map((e): AnyJson => JSON.parse(e.slice(e.indexOf('data: ') + 6)));
const sse = (list: Json[]): Buffer =>
  Buffer.from(list.map((e) => `event: ${String(e.type)}\ndata: ${JSON.stringify(e)}\n\n`).join(''));

describe('web citations reach OpenAI and Responses clients', () => {
  // Anthropic's web search answer: the cited sentence is a text block of its own.
  const anthropicAnswer: Json = {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5',
    content: [
      { type: 'text', text: 'Per NOAA, ' },
      { type: 'text', text: 'high tide is at 6pm', citations: [CITE] },
      { type: 'text', text: '.' },
    ],
    stop_reason: 'end_turn',
    usage: { input_tokens: 5, output_tokens: 7 },
  };

  it('Anthropic web_search_result_location → url_citation over its block', () => {
    const completion = anthropicProvider.response(anthropicAnswer, CLAUDE);
    const msg = (openaiClient.response(completion).choices as AnyJson)[0].message;
    assert.equal(msg.content, 'Per NOAA, high tide is at 6pm.');
    assert.deepEqual(msg.annotations, [{ type: 'url_citation', url_citation: TIDES }]);
    assert.equal(msg.content.slice(10, 29), 'high tide is at 6pm');
    const part = (responsesClient.response(completion).output as AnyJson)[0].content[0];
    assert.deepEqual(part.annotations, [{ type: 'url_citation', ...TIDES }]);
    // No faithful Anthropic form (its encrypted_index is Anthropic's own): the text only.
    assert.deepEqual((anthropicClient.response(completion).content as AnyJson)[0], {
      type: 'text',
      text: 'Per NOAA, high tide is at 6pm.',
    });
  });

  it('streamed: citations_delta → delta.annotations → response.output_text.annotation.added', () => {
    const dec = anthropicProvider.stream({ ...CLAUDE, stream: true });
    const chunks = dec.push(
      sse([
        {
          type: 'message_start',
          message: { id: 'msg_1', model: 'claude-sonnet-4-5', usage: { input_tokens: 5 } },
        },
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Per NOAA, ' } },
        { type: 'content_block_stop', index: 0 },
        { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '', citations: [] } },
        { type: 'content_block_delta', index: 1, delta: { type: 'citations_delta', citation: CITE } },
        { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'high tide is at 6pm' } },
        { type: 'content_block_stop', index: 1 },
        { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 7 } },
        { type: 'message_stop' },
      ]),
    );
    const annotations = chunks.flatMap(
      (c): AnyJson[] => (c.choices as AnyJson[])[0]?.delta?.annotations ?? [],
    );
    assert.deepEqual(annotations, [{ type: 'url_citation', url_citation: TIDES }]);
    const enc = responsesClient.stream();
    const out = events(enc.push(chunks) + enc.end());
    const added = out.find((e) => e.type === 'response.output_text.annotation.added');
    assert.deepEqual(added.annotation, { type: 'url_citation', ...TIDES });
    assert.equal(added.annotation_index, 0);
    const done = out.find((e) => e.type === 'response.completed');
    assert.deepEqual(done.response.output[0].content[0].annotations, [added.annotation]);
  });

  it('a Responses upstream: url_citation annotations → chat annotations, whole and streamed', () => {
    const answer: Json = {
      id: 'resp_1',
      object: 'response',
      status: 'completed',
      model: 'o3-pro',
      output: [
        {
          type: 'message',
          role: 'assistant',
          content: [
            { type: 'output_text', text: 'Per NOAA, ', annotations: [] },
            {
              type: 'output_text',
              text: 'high tide is at 6pm',
              annotations: [{ type: 'url_citation', ...TIDES, start_index: 0, end_index: 19 }],
            },
          ],
        },
      ],
    };
    const msg = (responsesProvider.response(answer, O3).choices as AnyJson)[0].message;
    assert.deepEqual(msg.annotations, [{ type: 'url_citation', url_citation: TIDES }]);
    const dec = responsesProvider.stream({ ...O3, stream: true });
    const part = (n: number): Json => ({
      type: 'response.content_part.added',
      output_index: 0,
      content_index: n,
      part: { type: 'output_text', text: '' },
    });
    const chunks = dec.push(
      sse([
        { type: 'response.created', response: { id: 'resp_1', model: 'o3-pro' } },
        part(0),
        { type: 'response.output_text.delta', output_index: 0, content_index: 0, delta: 'Per NOAA, ' },
        part(1),
        {
          type: 'response.output_text.delta',
          output_index: 0,
          content_index: 1,
          delta: 'high tide is at 6pm',
        },
        {
          type: 'response.output_text.annotation.added',
          output_index: 0,
          content_index: 1,
          annotation_index: 0,
          annotation: { type: 'url_citation', ...TIDES, start_index: 0, end_index: 19 },
        },
        { type: 'response.completed', response: { status: 'completed', output: [] } },
      ]),
    );
    const annotations = chunks.flatMap(
      (c): AnyJson[] => (c.choices as AnyJson[])[0]?.delta?.annotations ?? [],
    );
    assert.deepEqual(annotations, [{ type: 'url_citation', url_citation: TIDES }]);
  });
});

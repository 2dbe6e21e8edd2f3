/** Edge cases of the Anthropic client (Anthropic → OpenAI): 400s, mappings, odd chunks. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { anthropicClient, anthropicDroppedParams } from '../../../../src/providers/anthropic/index.js';
import { TranslationError } from '../../../../src/providers/translate/types.js';
import type { Json } from '../../../../src/providers/translate/types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests poke at arbitrary JSON
type AnyJson = any;

function is400(pattern: RegExp): (err: unknown) => boolean {
  return (err) => err instanceof TranslationError && err.status === 400 && pattern.test(err.message);
}

describe('client request: invalid input is a 400', () => {
  const cases: [string, Json, RegExp][] = [
    ['messages missing', { model: 'm', max_tokens: 1 }, /messages: must be an array/],
    [
      'system role inside messages',
      { messages: [{ role: 'system', content: 'x' }] },
      /role must be "user" or "assistant"/,
    ],
    ['non-text system block', { system: [{ type: 'image' }], messages: [] }, /system blocks must be text/],
    [
      'image with a file source',
      { messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'f' } }] }] },
      /image source must be base64 or url/,
    ],
    [
      'document from a URL',
      {
        messages: [
          { role: 'user', content: [{ type: 'document', source: { type: 'url', url: 'https://x/a.pdf' } }] },
        ],
      },
      /document source/,
    ],
    [
      'tool_result without id',
      { messages: [{ role: 'user', content: [{ type: 'tool_result', content: 'x' }] }] },
      /tool_use_id/,
    ],
    [
      'unknown tool_choice',
      { messages: [], tools: [{ name: 'f' }], tool_choice: { type: 'maybe' } },
      /tool_choice/,
    ],
    [
      'tool without a name',
      { messages: [], tools: [{ input_schema: {} }] },
      /name must be a non-empty string/,
    ],
    ['max_tokens as text', { messages: [], max_tokens: 'lots' }, /max_tokens: must be a number/],
  ];
  for (const [name, body, pattern] of cases) {
    it(name, () => {
      assert.throws(() => anthropicClient.request(body), is400(pattern));
      assert.throws(() => anthropicDroppedParams(body), is400(pattern));
    });
  }
});

describe('client request and response: mappings', () => {
  it('thinking budgets map to reasoning_effort', () => {
    const effort = (budget: number): unknown =>
      anthropicClient.request({ messages: [], thinking: { type: 'enabled', budget_tokens: budget } })
        .reasoning_effort;
    assert.deepEqual([1024, 2047, 2048, 8191, 8192, 32000].map(effort), [
      'low',
      'low',
      'medium',
      'medium',
      'high',
      'high',
    ]);
  });

  it('a user turn of only tool results gives only tool messages; unknown blocks are dropped and reported; redacted thinking is carried', () => {
    const body = {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 't' },
            { type: 'search_result', source: 's' },
          ],
        },
        { role: 'assistant', content: [{ type: 'redacted_thinking', data: 'x' }] },
      ],
    };
    assert.deepEqual(anthropicClient.request(body).messages, [
      { role: 'tool', tool_call_id: 't', content: '' },
      { role: 'assistant', content: null, thinking_blocks: [{ type: 'redacted_thinking', data: 'x' }] },
    ]);
    assert.deepEqual(anthropicDroppedParams(body), ['messages[].content.search_result']);
  });

  it('response: `reasoning` alias, content parts, missing choices', () => {
    const out: AnyJson = anthropicClient.response({
      id: 'c',
      model: 'm',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            reasoning: 'hmm',
            content: [
              { type: 'text', text: 'a' },
              { type: 'text', text: 'b' },
            ],
          },
          finish_reason: 'stop',
        },
      ],
    });
    assert.deepEqual(out.content, [
      { type: 'thinking', thinking: 'hmm', signature: '' },
      { type: 'text', text: 'ab' },
    ]);
    const empty: AnyJson = anthropicClient.response({ id: 'c', model: 'm', choices: [] });
    assert.deepEqual(
      [empty.content, empty.stop_reason, empty.usage],
      [[], 'end_turn', { input_tokens: 0, output_tokens: 0 }],
    );
  });
});

describe('client stream: odd chunk sequences', () => {
  const chunk = (delta: Json, finish: string | null = null): Json => ({
    id: 'c',
    model: 'm',
    choices: [{ index: 0, delta, finish_reason: finish }],
  });

  it('a new id at a known tool index opens a new block; a missing id is generated', () => {
    const enc = anthropicClient.stream();
    const text =
      enc.push([
        chunk({ tool_calls: [{ index: 0, id: 'a', function: { name: 'f', arguments: '{}' } }] }),
        chunk({ tool_calls: [{ index: 0, id: 'b', function: { name: 'g', arguments: '{}' } }] }),
        chunk({ tool_calls: [{ index: 1, function: { name: 'h', arguments: '{"x":1}' } }] }),
        chunk({}, 'tool_calls'),
      ]) + enc.end();
    const starts = text
      .split('\n')
      .filter((l) => l.startsWith('data: ') && l.includes('content_block_start'))
      .map((l): unknown => JSON.parse(l.slice(6)).content_block.id);
    assert.deepEqual(starts, ['a', 'b', 'toolu_2']);
  });

  it('usage before the finish chunk is held until message_delta', () => {
    const enc = anthropicClient.stream();
    const early = enc.push([
      { id: 'c', model: 'm', choices: [], usage: { prompt_tokens: 9, completion_tokens: 0 } },
    ]);
    assert.match(early, /"input_tokens":9/);
    assert.doesNotMatch(early, /message_delta/);
    const rest = enc.push([chunk({ content: 'x' }, 'stop')]) + enc.end();
    assert.match(rest, /"stop_reason":"end_turn".*"input_tokens":9/);
  });
});

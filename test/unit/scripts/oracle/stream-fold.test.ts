import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { foldChat, foldMessages, foldResponses, parseSse } from '../../../../scripts/oracle/stream-fold.js';

describe('the oracle folds a stream into the answer a client assembles', () => {
  it('parseSse: events with JSON data; [DONE] and the trailing summary left out', () => {
    const events = parseSse('event: a\ndata: {"x":1}\n\ndata: [DONE]\n\n\n\n{\n  "input_tokens": 3\n}\n');
    assert.deepEqual(events, [{ event: 'a', data: { x: 1 } }]);
  });

  it('chat: deltas merged, tool calls by index (a missing index continues the last), empty content is null', () => {
    const sse = [
      { model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] },
      {
        choices: [
          {
            index: 0,
            delta: { tool_calls: [{ index: 0, id: 'c1', function: { name: 'f', arguments: '{"a"' } }] },
          },
        ],
      },
      { choices: [{ index: 0, delta: { tool_calls: [{ function: { arguments: ':1}' } }] } }] },
      { choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }], usage: { prompt_tokens: 2 } },
    ]
      .map((c) => `data: ${JSON.stringify(c)}\n\n`)
      .join('');
    assert.deepEqual(foldChat(parseSse(sse)), {
      object: 'chat.completion',
      model: 'm',
      usage: { prompt_tokens: 2 },
      choices: [
        {
          index: 0,
          finish_reason: 'tool_calls',
          message: {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
          },
        },
      ],
    });
  });

  it('Anthropic: blocks assembled, tool input parsed ({} when empty), usage merged', () => {
    const ev = (data: object): string => `data: ${JSON.stringify(data)}\n\n`;
    const sse = [
      ev({ type: 'message_start', message: { id: 'm1', role: 'assistant', usage: { input_tokens: 5 } } }),
      ev({ type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } }),
      ev({ type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'hm' } }),
      ev({ type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'S' } }),
      ev({
        type: 'content_block_start',
        index: 1,
        content_block: { type: 'tool_use', id: 't', name: 'f', input: {} },
      }),
      ev({ type: 'content_block_stop', index: 1 }),
      ev({ type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 9 } }),
    ].join('');
    assert.deepEqual(foldMessages(parseSse(sse)), {
      id: 'm1',
      role: 'assistant',
      stop_reason: 'tool_use',
      usage: { input_tokens: 5, output_tokens: 9 },
      content: [
        { type: 'thinking', thinking: 'hm', signature: 'S' },
        { type: 'tool_use', id: 't', name: 'f', input: {} },
      ],
    });
  });

  it('Responses: the terminal response, its output from the done items when it has none', () => {
    const item = { type: 'message', content: [{ type: 'output_text', text: 'hi' }] };
    const sse = [
      { type: 'response.output_item.done', item },
      { type: 'response.completed', response: { status: 'completed', output: [] } },
    ]
      .map((e) => `data: ${JSON.stringify(e)}\n\n`)
      .join('');
    assert.deepEqual(foldResponses(parseSse(sse)), { status: 'completed', output: [item] });
  });
});

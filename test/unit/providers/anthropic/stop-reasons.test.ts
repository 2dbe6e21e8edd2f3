import assert from 'node:assert/strict';
import { test } from 'node:test';
import { anthropicClient } from '../../../../src/providers/anthropic/index.js';
import type { Json } from '../../../../src/providers/translate/types.js';

const answer = (message: Json, finish = 'stop'): Json => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  model: 'gpt-5',
  choices: [{ index: 0, finish_reason: finish, message: { role: 'assistant', ...message } }],
});

test('an answer that is only a refusal stops on refusal, with its text', () => {
  const refused = anthropicClient.response(answer({ content: null, refusal: 'I cannot help with that.' }));
  assert.equal(refused.stop_reason, 'refusal');
  assert.deepEqual(refused.content, [{ type: 'text', text: 'I cannot help with that.' }]);
  assert.equal(anthropicClient.response(answer({ content: 'Sure.' })).stop_reason, 'end_turn');
  assert.equal(anthropicClient.response(answer({ refusal: 'No.' }, 'length')).stop_reason, 'max_tokens');
});

test('a streamed refusal stops on refusal; streamed text does not', () => {
  const run = (delta: Json): string => {
    const enc = anthropicClient.stream();
    return (
      enc.push([
        { id: 'c', model: 'gpt-5', choices: [{ index: 0, delta: { role: 'assistant', ...delta } }] },
        { id: 'c', model: 'gpt-5', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
      ]) + enc.end()
    );
  };
  assert.match(run({ refusal: 'I cannot.' }), /"stop_reason":"refusal"/);
  assert.match(run({ content: 'Hello.' }), /"stop_reason":"end_turn"/);
});

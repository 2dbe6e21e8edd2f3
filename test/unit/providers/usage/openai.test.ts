import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openAIUsage, withHiddenReasoning } from '../../../../src/providers/usage/openai.js';
import { openaiProvider } from '../../../../src/providers/openai/index.js';
import { anthropicClient } from '../../../../src/providers/anthropic/index.js';
import type { Json, UpstreamTarget } from '../../../../src/providers/translate/types.js';

const TARGET: UpstreamTarget = { provider: 'openai', model: 'gemini-2.5-flash', stream: false };

test("Gemini's OpenAI-compatible usage: thinking left out of completion_tokens is counted as reasoning", () => {
  // Recorded shape: total = prompt + thoughts + candidates, completion = candidates only.
  const u = { prompt_tokens: 106, completion_tokens: 22, total_tokens: 289 };
  assert.deepEqual(withHiddenReasoning(u), {
    prompt_tokens: 106,
    completion_tokens: 183,
    total_tokens: 289,
    completion_tokens_details: { reasoning_tokens: 161 },
  });
  // An answer that is all thinking has no completion_tokens at all.
  const thinking = {
    prompt_tokens: 8509,
    total_tokens: 8538,
    completion_tokens_details: { reasoning_tokens: 29 },
  };
  assert.equal((withHiddenReasoning(thinking) as Json).completion_tokens, 29);
  assert.equal(
    ((withHiddenReasoning(thinking) as Json).completion_tokens_details as Json).reasoning_tokens,
    29,
  );
  // OpenAI's own usage adds up: the same object comes back.
  const whole = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
  assert.equal(withHiddenReasoning(whole), whole);
  assert.equal(withHiddenReasoning(undefined), undefined);
  assert.equal(openAIUsage(u)?.completionTokens, 183);
  assert.equal(openAIUsage(u)?.reasoningTokens, 161);
});

test('an Anthropic client is charged the thinking an OpenAI-compatible upstream left out', () => {
  const completion = openaiProvider.response(
    {
      id: 'x',
      object: 'chat.completion',
      model: 'gemini-2.5-flash',
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Hi' } }],
      usage: { prompt_tokens: 7, completion_tokens: 12, total_tokens: 402 },
    },
    TARGET,
  );
  const answer = anthropicClient.response(completion);
  assert.equal((answer.usage as Json).output_tokens, 395);
  const dec = openaiProvider.stream({ ...TARGET, stream: true });
  const chunks = dec.push(
    Buffer.from(
      'data: {"id":"x","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":12,"total_tokens":402}}\n\n',
    ),
  );
  assert.equal(((chunks[0]?.usage as Json).completion_tokens_details as Json).reasoning_tokens, 383);
});

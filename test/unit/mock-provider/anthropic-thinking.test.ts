import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { expectedUsage, startMockProvider, tokensFor } from '../../../mock-provider/server.js';
import type { MockProvider } from '../../../mock-provider/server.js';
import { MOCK_THINKING } from '../../../mock-provider/anthropic-thinking.js';
import { verifyThinkingSignature } from '../../../mock-provider/rules/signature.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let mock: MockProvider;
before(async () => {
  mock = await startMockProvider();
});
after(() => mock.close());

const tool = {
  name: 'get_weather',
  input_schema: { type: 'object', properties: { city: { type: 'string' } } },
};
const ask = {
  model: 'claude-test',
  max_tokens: 16000,
  thinking: { type: 'enabled', budget_tokens: 10000 },
  tools: [tool],
  messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
};
const post = (body: unknown): Promise<Response> =>
  fetch(`${mock.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

/** The SSE events of a stream body as [event, data] pairs. */
function events(text: string): [string, Json][] {
  return text
    .split('\n\n')
    .filter((f) => f.trim() !== '')
    .map((f) => {
      const [e, d] = f.split('\n');
      return [e!.slice('event: '.length), JSON.parse(d!.slice('data: '.length)) as Json];
    });
}

test('thinking on: a signed thinking block first, in JSON and in streams', async () => {
  const res = await post(ask);
  assert.equal(res.status, 200);
  const json = (await res.json()) as Json;
  assert.equal(json.content[0].type, 'thinking');
  assert.equal(json.content[0].thinking, MOCK_THINKING);
  assert.ok(verifyThinkingSignature(json.content[0].thinking, json.content[0].signature));
  assert.equal(json.content[1].type, 'tool_use');

  const stream = events(await (await post({ ...ask, stream: true })).text());
  const deltas = stream.filter(([e]) => e === 'content_block_delta').map(([, d]) => d);
  const thinking = deltas
    .filter((d) => d.delta.type === 'thinking_delta')
    .map((d) => d.delta.thinking as string);
  assert.equal(thinking.join(''), MOCK_THINKING);
  const sig = deltas.find((d) => d.delta.type === 'signature_delta');
  assert.ok(sig && verifyThinkingSignature(MOCK_THINKING, sig.delta.signature as string));
  assert.deepEqual(
    stream
      .filter(([e]) => e === 'content_block_start')
      .map(([, d]): unknown[] => [d.index, d.content_block.type]),
    [
      [0, 'thinking'],
      [1, 'tool_use'],
    ],
  );
  // Without thinking: no thinking block.
  const plain = (await (await post({ ...ask, thinking: undefined })).json()) as Json;
  assert.equal(plain.content[0].type, 'tool_use');
  // Thinking counts in output_tokens, and the usage formula knows it.
  assert.equal(json.usage.output_tokens, plain.usage.output_tokens + tokensFor(MOCK_THINKING));
  assert.equal(json.usage.output_tokens, expectedUsage({ path: '/v1/messages', body: ask }).completionTokens);
});

test('the replayed tool turn needs its signed thinking block (else Anthropic 400s)', async () => {
  const first = (await (await post(ask)).json()) as Json;
  const result = {
    role: 'user',
    content: [{ type: 'tool_result', tool_use_id: first.content[1].id, content: '18C' }],
  };
  const replay = (content: unknown[]): unknown => ({
    ...ask,
    messages: [...ask.messages, { role: 'assistant', content }, result],
  });
  assert.equal((await post(replay(first.content))).status, 200);
  const lost = await post(replay(first.content.slice(1)));
  assert.equal(lost.status, 400);
  const err = (await lost.json()) as Json;
  assert.equal(err.type, 'error');
  assert.match(err.error.message, /Expected `thinking` or `redacted_thinking`, but found `tool_use`/);
  const emptied = [{ ...first.content[0], signature: '' }, first.content[1]];
  assert.equal((await post(replay(emptied))).status, 400);
  const budget = await post({ ...ask, thinking: { type: 'enabled', budget_tokens: 16000 } });
  assert.equal(budget.status, 400);
});

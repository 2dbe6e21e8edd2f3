import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openaiRequestProblems } from '../../../../mock-provider/rules/openai.js';

const base = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'hi' }],
  ...extra,
});
const p = (extra: Record<string, unknown>): string => openaiRequestProblems(base(extra)).join('\n');

test('valid requests pass, unknown fields included (OpenAI ignores none of ours)', () => {
  assert.deepEqual(openaiRequestProblems(base()), []);
  assert.equal(
    p({ stream: true, stream_options: { include_usage: true }, max_tokens: 10, temperature: 0.2 }),
    '',
  );
  assert.equal(p({ model: 'o3-mini', max_completion_tokens: 100, reasoning_effort: 'minimal' }), '');
  for (const effort of ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'])
    assert.equal(p({ model: 'gpt-5', reasoning_effort: effort }), '');
  assert.equal(
    p({
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' } } },
    }),
    '',
  );
});

test('reasoning models: max_completion_tokens, no sampling knobs, valid effort', () => {
  assert.match(p({ model: 'o3-mini', max_tokens: 100 }), /Use 'max_completion_tokens'/);
  assert.match(p({ model: 'gpt-5', temperature: 0.2 }), /'temperature' is not supported/);
  assert.equal(p({ model: 'gpt-5', temperature: 1 }), '');
  assert.match(p({ reasoning_effort: 'extreme' }), /Supported values/);
  assert.match(p({ max_tokens: 5, max_completion_tokens: 5 }), /cannot both be set/);
});

test('response_format, stream_options, tool message order, ranges', () => {
  assert.match(
    p({ response_format: { type: 'json_schema', json_schema: { schema: {} } } }),
    /json_schema.name/,
  );
  assert.match(p({ response_format: { type: 'xml' } }), /Supported values/);
  assert.match(p({ stream_options: { include_usage: true } }), /only allowed when 'stream' is enabled/);
  assert.match(p({ temperature: 3 }), /between 0 and 2/);
  const call = { id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } };
  const ok = [
    { role: 'user', content: 'x' },
    { role: 'assistant', content: null, tool_calls: [call] },
    { role: 'tool', tool_call_id: 'call_1', content: 'r' },
  ];
  assert.equal(p({ messages: ok }), '');
  assert.match(
    p({ messages: [...ok.slice(0, 2), { role: 'user', content: 'y' }] }),
    /did not have response messages: call_1/,
  );
  assert.match(
    p({ messages: [{ role: 'tool', tool_call_id: 'call_9', content: 'r' }] }),
    /preceeding message with 'tool_calls'/,
  );
  assert.match(p({ messages: [] }), /empty array/);
});

test('Azure: the deployment names the model, so the body may leave it out', () => {
  const { model: _m, ...noModel } = base();
  assert.deepEqual(openaiRequestProblems(noModel, { azure: true }), []);
  assert.match(openaiRequestProblems(noModel).join('\n'), /'model'/);
});

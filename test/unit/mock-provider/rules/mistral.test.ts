import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMistralModel, mistralRequestProblems } from '../../../../mock-provider/rules/mistral.js';

const base = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  model: 'mistral-small-latest',
  messages: [{ role: 'user', content: 'hi' }],
  ...extra,
});
const has = (body: unknown, re: RegExp): void => {
  const problems = mistralRequestProblems(body);
  assert.ok(
    problems.some((p) => re.test(p)),
    `expected ${String(re)} in ${JSON.stringify(problems)}`,
  );
};

test('Mistral models are recognised by name', () => {
  for (const m of ['mistral-small-latest', 'magistral-medium-2507', 'codestral-latest', 'open-mixtral-8x7b'])
    assert.ok(isMistralModel(m), m);
  for (const m of ['gpt-5-mini', 'llama3.2:3b', undefined]) assert.ok(!isMistralModel(m), String(m));
});

test('a request in Mistral terms is taken', () => {
  const body = base({
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Weather?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'gSIMJiOkT', type: 'function', function: { name: 'w', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'gSIMJiOkT', name: 'w', content: 'sunny' },
    ],
    random_seed: 3,
    max_tokens: 100,
    tool_choice: 'any',
    response_format: { type: 'json_object' },
  });
  assert.deepEqual(mistralRequestProblems(body), []);
});

test('the 422s and 400s Mistral answers', () => {
  has(base({ max_completion_tokens: 5 }), /max_completion_tokens: Extra inputs are not permitted/);
  has(base({ seed: 5 }), /seed: Extra inputs/);
  has(base({ reasoning_effort: 'high' }), /reasoning_effort: Extra inputs/);
  has(base({ stream_options: { include_usage: true } }), /stream_options: Extra inputs/);
  has(base({ messages: [{ role: 'developer', content: 'x' }] }), /role/);
  has(base({ messages: [{ role: 'user', content: 'x', name: 'bob' }] }), /messages.0.name: Extra inputs/);
  has(base({ tool_choice: 'sometimes' }), /tool_choice/);
  const toolTurn = (id: string, results: number): Record<string, unknown> =>
    base({
      messages: [
        { role: 'user', content: 'x' },
        { role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name: 'w' } }] },
        ...Array.from({ length: results }, () => ({ role: 'tool', tool_call_id: id, content: 'ok' })),
      ],
    });
  has(toolTurn('call_abc', 1), /Tool call id was call_abc but must be a-z, A-Z, 0-9, with a length of 9/);
  has(toolTurn('gSIMJiOkT', 0), /Not the same number of function calls and responses/);
  has(
    base({
      messages: [
        { role: 'user', content: 'x' },
        { role: 'assistant', content: 'y' },
      ],
    }),
    /Expected last role/,
  );
  assert.deepEqual(
    mistralRequestProblems(
      base({
        messages: [
          { role: 'user', content: 'x' },
          { role: 'assistant', content: 'y', prefix: true },
        ],
      }),
    ),
    [],
  );
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { responsesClient } from '../../../../src/providers/openai-responses/index.js';
import type { Json } from '../../../../src/providers/translate/types.js';

const BODY: Json = {
  model: 'claude',
  input: [
    { role: 'user', content: 'Patch it.' },
    {
      type: 'custom_tool_call',
      id: 'ctc_1',
      call_id: 'call_1',
      name: 'apply_patch',
      input: '*** Begin Patch',
    },
    { type: 'custom_tool_call_output', call_id: 'call_1', output: 'Done!' },
  ],
  tools: [
    {
      type: 'custom',
      name: 'apply_patch',
      description: 'Edit files.',
      format: { type: 'grammar', syntax: 'lark', definition: 'start: "*** Begin Patch"' },
    },
  ],
  tool_choice: { type: 'custom', name: 'apply_patch' },
};

const COMPLETION: Json = {
  id: 'chatcmpl-9',
  object: 'chat.completion',
  model: 'claude-sonnet-4-5',
  choices: [
    {
      index: 0,
      finish_reason: 'tool_calls',
      message: {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_2',
            type: 'function',
            function: { name: 'apply_patch', arguments: '{"content":"*** Begin Patch\\n*** End Patch"}' },
          },
        ],
      },
    },
  ],
};

test('a custom tool goes upstream as a function of one string, and its calls replay as {content}', () => {
  const req = responsesClient.request(BODY);
  const fn = ((req.tools as Json[] | undefined)?.[0] as Json).function as Json;
  assert.equal(fn.name, 'apply_patch');
  assert.equal(fn.description, 'Edit files.');
  const params = fn.parameters as Json;
  assert.deepEqual(params.required, ['content']);
  assert.match(JSON.stringify(params), /lark grammar/);
  assert.deepEqual(req.tool_choice, { type: 'function', function: { name: 'apply_patch' } });
  const [, assistant, tool] = req.messages as Json[];
  assert.deepEqual((assistant?.tool_calls as Json[])[0], {
    id: 'call_1',
    type: 'function',
    function: { name: 'apply_patch', arguments: '{"content":"*** Begin Patch"}' },
  });
  assert.deepEqual(tool, { role: 'tool', tool_call_id: 'call_1', content: 'Done!' });
});

test("the model's call comes back as a custom_tool_call, whole and streamed", () => {
  const own = responsesClient.forRequest?.(BODY);
  assert.ok(own);
  assert.equal(responsesClient.forRequest?.({ model: 'm', input: 'hi' }), undefined);
  const item = (own.response(COMPLETION).output as Json[])[0];
  assert.deepEqual(item, {
    id: 'ctc_call_2',
    type: 'custom_tool_call',
    status: 'completed',
    call_id: 'call_2',
    name: 'apply_patch',
    input: '*** Begin Patch\n*** End Patch',
  });
  // The plain adapter (no request) renders a function call.
  assert.equal(((responsesClient.response(COMPLETION).output as Json[])[0] as Json).type, 'function_call');
  const enc = own.stream();
  const call = (fn: Json, extra: Json = {}): Json => ({
    id: 'chatcmpl-9',
    model: 'claude-sonnet-4-5',
    choices: [{ index: 0, delta: { tool_calls: [{ index: 0, ...extra, function: fn }] } }],
  });
  const sse =
    enc.push([
      call({ name: 'apply_patch', arguments: '{"content":"*** Begin' }, { id: 'call_2', type: 'function' }),
      call({ arguments: ' Patch"}' }),
      { id: 'chatcmpl-9', choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
    ]) + enc.end();
  const events = sse
    .split('\n\n')
    .filter((e) => e.startsWith('event: '))
    .map((e) => JSON.parse(e.slice(e.indexOf('data: ') + 6)) as Json);
  const types = events.map((e) => e.type);
  assert.ok(!types.includes('response.function_call_arguments.delta'));
  const delta = events.find((e) => e.type === 'response.custom_tool_call_input.delta');
  const done = events.find((e) => e.type === 'response.custom_tool_call_input.done');
  assert.equal(delta?.delta, '*** Begin Patch');
  assert.equal(done?.input, '*** Begin Patch');
  const added = events.find((e) => e.type === 'response.output_item.added');
  assert.equal((added?.item as Json).type, 'custom_tool_call');
});

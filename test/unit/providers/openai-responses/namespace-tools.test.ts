import assert from 'node:assert/strict';
import { test } from 'node:test';
import { responsesClient } from '../../../../src/providers/openai-responses/index.js';
import { namespacedName } from '../../../../src/providers/openai-responses/namespace-tools.js';
import type { Json } from '../../../../src/providers/translate/types.js';

const LONG = `mcp.${'long_namespace_'.repeat(8)}`;

// What Codex sends for its MCP servers: one namespace tool per server.
const BODY: Json = {
  model: 'claude',
  input: [
    { role: 'user', content: 'Run it.' },
    { type: 'function_call', call_id: 'call_1', namespace: 'mcp__node_repl', name: 'js', arguments: '{}' },
    { type: 'function_call_output', call_id: 'call_1', output: '42' },
  ],
  tools: [
    {
      type: 'namespace',
      name: 'mcp__node_repl',
      description: 'A Node REPL.',
      tools: [
        { type: 'function', name: 'js', description: 'Run JavaScript.', parameters: { type: 'object' } },
        { type: 'custom', name: 'patch', description: 'Edit a file.' },
        { type: 'web_search' },
      ],
    },
    { type: 'namespace', name: LONG, tools: [{ type: 'function', name: 'js' }] },
    { type: 'tool_search' },
  ],
  tool_choice: { type: 'function', namespace: 'mcp__node_repl', name: 'js' },
};

const completion = (name: string, args: string): Json => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  model: 'claude-sonnet-4-5',
  choices: [
    {
      index: 0,
      finish_reason: 'tool_calls',
      message: {
        role: 'assistant',
        content: 'Running it.',
        tool_calls: [{ id: 'call_2', type: 'function', function: { name, arguments: args } }],
      },
    },
  ],
});

test('a name that fits goes as <namespace>__<name>; a long or odd one is cut and hashed', () => {
  assert.equal(namespacedName('mcp__node_repl', 'js'), 'mcp__node_repl__js');
  // The value agentgateway sends for the same tool (its golden test), so histories move between them.
  assert.equal(
    namespacedName(LONG, 'js'),
    'mcp_long_namespace_long_namespace_long_namespace_long_nam_d28b84',
  );
  const odd = namespacedName('a.b', 'c');
  assert.match(odd, /^a_b__c_[0-9a-f]{6}$/);
  assert.notEqual(odd, namespacedName('a_b', 'c'));
});

test('namespace tools go upstream as flat functions; replayed calls and tool_choice follow', () => {
  const req = responsesClient.request(BODY);
  const fns = (req.tools as Json[]).map((t) => t.function as Json);
  assert.deepEqual(
    fns.map((f) => f.name),
    ['mcp__node_repl__js', 'mcp__node_repl__patch', namespacedName(LONG, 'js')],
  );
  assert.equal(fns[0]?.description, 'Run JavaScript.');
  assert.deepEqual((fns[1]?.parameters as Json).required, ['content']);
  assert.deepEqual(req.tool_choice, { type: 'function', function: { name: 'mcp__node_repl__js' } });
  const assistant = (req.messages as Json[])[1];
  assert.equal(((assistant?.tool_calls as Json[])[0]?.function as Json).name, 'mcp__node_repl__js');
  assert.deepEqual(responsesClient.droppedParams?.(BODY), [
    'tools.namespace.tools.web_search',
    'tools.tool_search',
  ]);
});

test("the model's call comes back with its own name and namespace, whole and streamed", () => {
  const own = responsesClient.forRequest?.(BODY);
  assert.ok(own);
  const output = own.response(completion(namespacedName(LONG, 'js'), '{"code":"1"}')).output as Json[];
  assert.equal(output[0]?.phase, 'commentary');
  assert.deepEqual(output[1], {
    id: 'fc_call_2',
    type: 'function_call',
    status: 'completed',
    arguments: '{"code":"1"}',
    call_id: 'call_2',
    name: 'js',
    namespace: LONG,
  });
  const custom = own.response(completion('mcp__node_repl__patch', '{"content":"diff"}')).output as Json[];
  assert.deepEqual(custom[1], {
    id: 'ctc_call_2',
    type: 'custom_tool_call',
    status: 'completed',
    call_id: 'call_2',
    name: 'patch',
    input: 'diff',
    namespace: 'mcp__node_repl',
  });

  const enc = own.stream();
  const sse =
    enc.push([
      {
        id: 'chatcmpl-1',
        choices: [
          {
            index: 0,
            delta: {
              tool_calls: [
                {
                  index: 0,
                  id: 'call_2',
                  type: 'function',
                  function: { name: 'mcp__node_repl__js', arguments: '{}' },
                },
              ],
            },
          },
        ],
      },
      { id: 'chatcmpl-1', choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
    ]) + enc.end();
  const events = sse
    .split('\n\n')
    .filter((e) => e.startsWith('event: '))
    .map((e) => JSON.parse(e.slice(e.indexOf('data: ') + 6)) as Json);
  const added = events.find((e) => e.type === 'response.output_item.added')?.item as Json;
  const done = events.find((e) => e.type === 'response.function_call_arguments.done');
  assert.equal(added.name, 'js');
  assert.equal(added.namespace, 'mcp__node_repl');
  assert.equal(done?.name, 'js');
  const final = events.find((e) => e.type === 'response.completed')?.response as Json;
  assert.deepEqual(
    (final.output as Json[]).map((i) => [i.name, i.namespace]),
    [['js', 'mcp__node_repl']],
  );
});

test('a text answer is the final_answer; text before tool calls is commentary', () => {
  const text = responsesClient.response({
    ...completion('x', '{}'),
    choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Done.' } }],
  }).output as Json[];
  assert.equal(text[0]?.phase, 'final_answer');
  const enc = responsesClient.stream();
  const sse =
    enc.push([
      { id: 'c', choices: [{ index: 0, delta: { role: 'assistant', content: 'Let me look.' } }] },
      {
        id: 'c',
        choices: [
          {
            index: 0,
            delta: {
              tool_calls: [
                { index: 0, id: 'call_9', type: 'function', function: { name: 'f', arguments: '{}' } },
              ],
            },
          },
        ],
      },
      { id: 'c', choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
    ]) + enc.end();
  const doneMessage = sse
    .split('\n\n')
    .map((e) => e.slice(e.indexOf('data: ') + 6))
    .filter((d) => d.includes('"response.output_item.done"') && d.includes('"type":"message"'));
  assert.equal(doneMessage.length, 1);
  assert.equal(((JSON.parse(doneMessage[0] ?? '{}') as Json).item as Json).phase, 'commentary');
});

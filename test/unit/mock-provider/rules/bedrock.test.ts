import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bedrockRequestProblems } from '../../../../mock-provider/rules/bedrock.js';
import { signThinking, verifyThinkingSignature } from '../../../../mock-provider/rules/signature.js';

const CLAUDE = 'us.anthropic.claude-sonnet-4-5-v1:0';
const verify = { verifySignature: verifyThinkingSignature };
const THINK = 'Look the order up.';
const toolTurn = (first: unknown[]): unknown[] => [
  { role: 'user', content: [{ text: 'Where is order 7?' }] },
  { role: 'assistant', content: [...first, { toolUse: { toolUseId: 't1', name: 'lookup', input: {} } }] },
  { role: 'user', content: [{ toolResult: { toolUseId: 't1', content: [{ text: 'shipped' }] } }] },
];
const thinking = (budget: number) => ({ thinking: { type: 'enabled', budget_tokens: budget } });
const tools = { tools: [{ toolSpec: { name: 'lookup', inputSchema: { json: { type: 'object' } } } }] };
const has = (body: unknown, re: RegExp, model = CLAUDE): void => {
  const problems = bedrockRequestProblems(body, model, verify);
  assert.ok(
    problems.some((p) => re.test(p)),
    `expected ${String(re)} in ${JSON.stringify(problems)}`,
  );
};

test('a plain request, a signed thinking tool loop, cache points and structured output are accepted', () => {
  assert.deepEqual(
    bedrockRequestProblems({ messages: [{ role: 'user', content: [{ text: 'hi' }] }] }, CLAUDE),
    [],
  );
  const body = {
    system: [{ text: 'preamble' }, { cachePoint: { type: 'default' } }],
    messages: toolTurn([
      { reasoningContent: { reasoningText: { text: THINK, signature: signThinking(THINK) } } },
    ]),
    inferenceConfig: { maxTokens: 16000 },
    toolConfig: tools,
    additionalModelRequestFields: thinking(10000),
    outputConfig: {
      textFormat: {
        type: 'json_schema',
        structure: { jsonSchema: { schema: '{"type":"object"}', name: 'r' } },
      },
    },
  };
  assert.deepEqual(bedrockRequestProblems(body, CLAUDE, verify), []);
});

test('the documented 400s', () => {
  const msgs = [{ role: 'user', content: [{ text: 'hi' }] }];
  has(
    { messages: msgs, inferenceConfig: { maxTokens: 4000 }, additionalModelRequestFields: thinking(4000) },
    /greater than `thinking.budget_tokens`/,
  );
  has(
    { messages: msgs, additionalModelRequestFields: thinking(512) },
    /budget_tokens: Input should be >= 1024/,
  );
  has(
    { messages: msgs, additionalModelRequestFields: thinking(2048) },
    /does not support thinking/,
    'amazon.nova-pro-v1:0',
  );
  has(
    { messages: msgs, inferenceConfig: { temperature: 0.2 }, additionalModelRequestFields: thinking(2048) },
    /temperature/,
  );
  has(
    { messages: toolTurn([]), toolConfig: tools, additionalModelRequestFields: thinking(2048) },
    /must start with a thinking block/,
  );
  has(
    {
      messages: toolTurn([{ reasoningContent: { reasoningText: { text: THINK, signature: 'forged' } } }]),
      toolConfig: tools,
      additionalModelRequestFields: thinking(2048),
    },
    /invalid or missing signature/,
  );
  has({ messages: toolTurn([]) }, /toolConfig field must be defined/);
  has(
    { messages: [{ role: 'user', content: [{ image: { format: 'bmp', source: { bytes: 'AA==' } } }] }] },
    /png, jpeg, gif, webp/,
  );
  has({ messages: [{ role: 'user', content: [{ text: ' ' }] }] }, /blank/);
  has({ messages: [{ role: 'assistant', content: [{ text: 'x' }] }] }, /start with a user message/);
  has({ messages: msgs, response_format: {} }, /Unknown parameter: response_format/);
  has(
    {
      messages: msgs,
      outputConfig: { textFormat: { type: 'json_schema', structure: { jsonSchema: { schema: {} } } } },
    },
    /JSON string/,
  );
});

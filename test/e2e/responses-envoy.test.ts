/**
 * The OpenAI Responses API as a client API, through real Envoy with the official openai SDK
 * (`client.responses.create`): function calls over two turns, streamed and not, against the OpenAI,
 * Anthropic, Gemini and Bedrock mocks (each applies its provider's documented 400 rules); structured
 * output and reasoning summaries; custom and namespace tools; stateful requests native on OpenAI and a 400 elsewhere.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { startStandaloneStack } from '../helpers/stack.js';
import type { StandaloneStack } from '../helpers/stack.js';
import { repoRoot } from '../helpers/repo.js';

const CONFIG = fs.readFileSync(path.join(repoRoot(), 'test/fixtures/standalone/e2e-responses.yaml'), 'utf8');
const SECRETS = {
  E2E_OPENAI_KEY: 'sk-gateway-openai',
  E2E_ANTHROPIC_KEY: 'sk-gateway-anthropic',
  E2E_GEMINI_KEY: 'gemini-gateway-key',
  E2E_AWS_ID: 'AKIDEXAMPLE',
  E2E_AWS_SECRET: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const TOOLS: OpenAI.Responses.Tool[] = [
  {
    type: 'function',
    name: 'lookup_weather',
    strict: false,
    parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
  },
];
const MODELS = ['gpt', 'claude', 'gemini', 'bedrock'] as const;
/** The Bedrock mock answers text only: its turn two replays a call the client made up. */
const MADE_UP_CALL: OpenAI.Responses.ResponseFunctionToolCall = {
  type: 'function_call',
  call_id: 'call_made_up',
  name: 'lookup_weather',
  arguments: '{"location":"Paris"}',
};
const callOf = (model: string, output: OpenAI.Responses.ResponseOutputItem[]) =>
  model === 'bedrock' ? MADE_UP_CALL : output.find((o) => o.type === 'function_call');
/** Turn two reached the provider with the tool's output (its 400 rules check the call/result pairing). */
const sentToolOutput = (stack: StandaloneStack): boolean =>
  JSON.stringify(stack.mock.lastRequest()!.json).includes('18C and sunny');

type Item = OpenAI.Responses.ResponseInputItem;

describe('Responses API through real Envoy', () => {
  let stack: StandaloneStack;
  let openai: OpenAI;
  before(async () => {
    stack = await startStandaloneStack(CONFIG, {}, SECRETS);
    openai = new OpenAI({ baseURL: `${stack.envoy.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
  });
  after(async () => {
    await stack?.close();
  });

  for (const model of MODELS) {
    it(`${model}: a function call over two turns`, async () => {
      const input: Item[] = [{ role: 'user', content: 'What is the weather in Paris?' }];
      const first = await openai.responses.create({ model, input, tools: TOOLS, store: false });
      assert.equal(first.status, 'completed');
      const call = callOf(model, first.output);
      assert.ok(call, JSON.stringify(first.output));
      assert.equal(call.name, 'lookup_weather');
      assert.ok(call.call_id !== '');
      assert.equal(typeof JSON.parse(call.arguments), 'object');
      assert.ok(first.usage!.input_tokens > 0 && first.usage!.output_tokens > 0);
      input.push(...((model === 'bedrock' ? [call] : first.output) as Item[]), {
        type: 'function_call_output',
        call_id: call.call_id,
        output: '18C and sunny',
      });
      const second = await openai.responses.create({ model, input, tools: TOOLS, store: false });
      assert.equal(second.status, 'completed');
      assert.ok(second.output.length > 0);
      assert.ok(second.id.startsWith('resp_'));
      assert.ok(sentToolOutput(stack));
    });

    it(`${model}: a streamed function call over two turns, typed events in order`, async () => {
      const input: Item[] = [{ role: 'user', content: 'What is the weather in Paris?' }];
      const stream = await openai.responses.create({
        model,
        input,
        tools: TOOLS,
        store: false,
        stream: true,
      });
      const types: string[] = [];
      const seqs: number[] = [];
      let args = '';
      let done: OpenAI.Responses.Response | undefined;
      for await (const ev of stream) {
        types.push(ev.type);
        seqs.push(ev.sequence_number);
        if (ev.type === 'response.function_call_arguments.delta') args += ev.delta;
        if (ev.type === 'response.completed') done = ev.response;
      }
      assert.equal(types[0], 'response.created');
      assert.equal(types[1], 'response.in_progress');
      assert.equal(types.at(-1), 'response.completed');
      assert.ok(types.includes('response.output_item.added'));
      if (model !== 'bedrock') assert.ok(types.includes('response.function_call_arguments.done'));
      assert.deepEqual(
        seqs,
        seqs.map((_, i) => seqs[0]! + i),
      );
      const call = callOf(model, done!.output);
      assert.ok(call);
      if (model !== 'bedrock') assert.equal(call.arguments, args);
      assert.ok(done!.usage!.input_tokens > 0);
      input.push(...((model === 'bedrock' ? [call] : done!.output) as Item[]), {
        type: 'function_call_output',
        call_id: call.call_id,
        output: '18C and sunny',
      });
      const again = await openai.responses.create({ model, input, tools: TOOLS, store: false, stream: true });
      let completed = false;
      for await (const ev of again) completed ||= ev.type === 'response.completed';
      assert.ok(completed);
      assert.ok(sentToolOutput(stack));
    });
  }

  for (const streaming of [false, true]) {
    it(`claude: a custom tool (free text input) over two turns (${streaming ? 'stream' : 'JSON'})`, async () => {
      const tools: OpenAI.Responses.Tool[] = [
        { type: 'custom', name: 'lookup_weather', description: 'Weather lookup, free text.' },
      ];
      const turn = async (input: Item[]): Promise<OpenAI.Responses.Response> => {
        const params = { model: 'claude', input, tools, store: false };
        if (!streaming) return openai.responses.create(params);
        let inputDone = '';
        let done: OpenAI.Responses.Response | undefined;
        for await (const ev of await openai.responses.create({ ...params, stream: true })) {
          if (ev.type === 'response.custom_tool_call_input.done') inputDone = ev.input;
          if (ev.type === 'response.completed') done = ev.response;
        }
        const call = done!.output.find((i) => i.type === 'custom_tool_call');
        if (call?.type === 'custom_tool_call') assert.equal(call.input, inputDone);
        return done!;
      };
      const input: Item[] = [{ role: 'user', content: 'What is the weather in Paris?' }];
      const first = await turn(input);
      // Anthropic got a function taking one string, `content`.
      const sentTools = (
        stack.mock.lastRequest()!.json as { tools: { name: string; input_schema: unknown }[] }
      ).tools;
      assert.deepEqual(Object.keys((sentTools[0]!.input_schema as { properties: object }).properties), [
        'content',
      ]);
      const call = first.output.find((i) => i.type === 'custom_tool_call');
      assert.ok(call?.type === 'custom_tool_call', JSON.stringify(first.output));
      assert.equal(call.name, 'lookup_weather');
      assert.equal(typeof call.input, 'string');
      input.push(...(first.output as Item[]), {
        type: 'custom_tool_call_output',
        call_id: call.call_id,
        output: '18C and sunny',
      });
      const second = await turn(input);
      assert.equal(second.status, 'completed');
      const sent = stack.mock.lastRequest()!.json as {
        messages: { role: string; content: { type: string }[] }[];
      };
      assert.ok(sent.messages[1]!.content.some((b) => b.type === 'tool_use'));
      assert.ok(sentToolOutput(stack));
    });
  }

  // Codex sends each MCP server's tools as one namespace tool (newer than this SDK's types).
  const NAMESPACE_TOOLS = [
    {
      type: 'namespace',
      name: 'mcp__weather',
      description: 'A weather MCP server.',
      tools: [TOOLS[0]],
    },
  ] as unknown as OpenAI.Responses.Tool[];
  for (const model of ['claude', 'gemini'] as const)
    for (const streaming of [false, true]) {
      it(`${model}: a namespace tool over two turns (${streaming ? 'stream' : 'JSON'})`, async () => {
        const turn = async (input: Item[]): Promise<OpenAI.Responses.Response> => {
          const params = { model, input, tools: NAMESPACE_TOOLS, store: false };
          if (!streaming) return openai.responses.create(params);
          let done: OpenAI.Responses.Response | undefined;
          for await (const ev of await openai.responses.create({ ...params, stream: true }))
            if (ev.type === 'response.completed') done = ev.response;
          return done!;
        };
        const input: Item[] = [{ role: 'user', content: 'What is the weather in Paris?' }];
        const first = await turn(input);
        // The provider got one flat function, named after its namespace.
        assert.match(JSON.stringify(stack.mock.lastRequest()!.json), /"mcp__weather__lookup_weather"/);
        const call = first.output.find((i) => i.type === 'function_call');
        assert.ok(call?.type === 'function_call', JSON.stringify(first.output));
        assert.equal(call.name, 'lookup_weather');
        assert.equal((call as unknown as { namespace: string }).namespace, 'mcp__weather');
        input.push(...(first.output as Item[]), {
          type: 'function_call_output',
          call_id: call.call_id,
          output: '18C and sunny',
        });
        const second = await turn(input);
        assert.equal(second.status, 'completed');
        // The replayed call went back up under the flat name (the tool, the call, and for Gemini the
        // functionResponse, which names it too), paired with its result.
        const sent = JSON.stringify(stack.mock.lastRequest()!.json);
        assert.equal(sent.split('mcp__weather__lookup_weather').length - 1, model === 'gemini' ? 3 : 2, sent);
        assert.ok(sentToolOutput(stack));
      });
    }

  it('gpt: a stateless Codex turn reaches OpenAI as sent (encrypted reasoning, phase, namespace tools)', async () => {
    const input = [
      { role: 'user', content: 'What is the weather in Paris?' },
      { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'gAAAAABoOpenAIOwn' },
      {
        type: 'message',
        role: 'assistant',
        phase: 'commentary',
        content: [{ type: 'output_text', text: 'Checking.' }],
      },
      {
        type: 'function_call',
        call_id: 'c1',
        namespace: 'mcp__weather',
        name: 'lookup_weather',
        arguments: '{}',
      },
      { type: 'function_call_output', call_id: 'c1', output: '18C and sunny' },
    ] as unknown as Item[];
    const params = {
      model: 'gpt',
      input,
      tools: NAMESPACE_TOOLS,
      store: false,
      include: ['reasoning.encrypted_content' as const],
    };
    const res = await openai.responses.create(params);
    assert.equal(res.status, 'completed');
    const sent = stack.mock.lastRequest()!;
    assert.equal(sent.path, '/v1/responses');
    assert.deepEqual(sent.json, { ...JSON.parse(JSON.stringify(params)), model: 'gpt-5-mini' });
  });

  it('claude: text.format json_schema reaches Anthropic as output_config.format; instructions as system', async () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    const res = await openai.responses.create({
      model: 'claude',
      instructions: 'Answer in JSON.',
      input: 'Which city?',
      max_output_tokens: 300,
      text: { format: { type: 'json_schema', name: 'city', schema, strict: true } },
      store: false,
    });
    assert.equal(res.status, 'completed');
    const sent = stack.mock.lastRequest()!.json as Record<string, unknown>;
    assert.equal(sent.system, 'Answer in JSON.');
    assert.equal(sent.max_tokens, 300);
    assert.deepEqual((sent.output_config as Record<string, unknown>).format, { type: 'json_schema', schema });
  });

  it('claude: reasoning comes back as a reasoning item with its summary, signed thinking carried over', async () => {
    const input: Item[] = [{ role: 'user', content: 'What is the weather in Paris?' }];
    const first = await openai.responses.create({
      model: 'claude',
      input,
      tools: TOOLS,
      reasoning: { effort: 'medium' },
      store: false,
    });
    const reasoning = first.output.find((o) => o.type === 'reasoning');
    assert.ok(reasoning, JSON.stringify(first.output));
    assert.ok(reasoning.summary[0]!.text.length > 0);
    assert.ok(reasoning.encrypted_content);
    const call = first.output.find((o) => o.type === 'function_call')!;
    input.push(...(first.output as Item[]), {
      type: 'function_call_output',
      call_id: call.call_id,
      output: '18C',
    });
    await openai.responses.create({
      model: 'claude',
      input,
      tools: TOOLS,
      reasoning: { effort: 'medium' },
      store: false,
    });
    // The mock verifies the signature: the thinking block went back as Claude signed it.
    const sent = stack.mock.lastRequest()!.json as { messages: { content: { type: string }[] }[] };
    assert.equal(sent.messages[1]!.content[0]!.type, 'thinking');
  });

  it('previous_response_id and store: true go natively to OpenAI; elsewhere a 400 in the Responses format', async () => {
    const native = await openai.responses.create({ model: 'gpt', input: 'Hello', store: true });
    assert.equal(native.status, 'completed');
    assert.ok(native.id.startsWith('resp_mock'));
    assert.equal(stack.mock.lastRequest()!.path, '/v1/responses');
    const follow = await openai.responses.create({
      model: 'gpt',
      input: 'And then?',
      previous_response_id: native.id,
    });
    assert.equal(follow.previous_response_id, native.id);
    const streamed = await openai.responses.create({
      model: 'gpt',
      input: 'Hello',
      store: true,
      stream: true,
    });
    let text = '';
    for await (const ev of streamed) if (ev.type === 'response.output_text.delta') text += ev.delta;
    assert.ok(text.length > 0);
    await assert.rejects(
      openai.responses.create({ model: 'claude', input: 'Hello', previous_response_id: native.id }),
      (err: unknown) => {
        assert.ok(err instanceof OpenAI.BadRequestError);
        assert.match(err.message, /previous_response_id/);
        assert.equal((err.error as { type?: string }).type, 'invalid_request_error');
        return true;
      },
    );
  });
});

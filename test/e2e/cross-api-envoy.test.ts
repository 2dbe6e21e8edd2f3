/**
 * Cross-API fidelity through real Envoy with the official SDKs: the openai client with reasoning_effort and
 * structured output against Anthropic, Gemini and Bedrock mock backends (signed reasoning carried over a
 * two-turn tool conversation), and @anthropic-ai/sdk with extended thinking over two tool turns against an
 * OpenAI backend, streaming and not. The mock provider applies each provider's documented 400 rules and
 * verifies thinking signatures, so a request the real provider would refuse fails here.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startStandaloneStack } from '../helpers/stack.js';
import type { StandaloneStack } from '../helpers/stack.js';
import { repoRoot } from '../helpers/repo.js';

const CONFIG = fs.readFileSync(path.join(repoRoot(), 'test/fixtures/standalone/e2e-cross-api.yaml'), 'utf8');
const SECRETS = {
  E2E_OPENAI_KEY: 'sk-gateway-openai',
  E2E_ANTHROPIC_KEY: 'sk-gateway-anthropic',
  E2E_GEMINI_KEY: 'gemini-gateway-key',
  E2E_AWS_ID: 'AKIDEXAMPLE',
  E2E_AWS_SECRET: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const TOOLS: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  {
    type: 'function',
    function: {
      name: 'lookup_weather',
      parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
    },
  },
];
const SCHEMA = {
  type: 'object',
  properties: { city: { type: 'string' }, temp_c: { type: 'number' } },
  required: ['city', 'temp_c'],
  additionalProperties: false,
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- extension fields the SDK types do not name
type AnyJson = any;

describe('cross-API translation through real Envoy', () => {
  let stack: StandaloneStack;
  let openai: OpenAI;
  let anthropic: Anthropic;
  before(async () => {
    stack = await startStandaloneStack(CONFIG, {}, SECRETS);
    openai = new OpenAI({ baseURL: `${stack.envoy.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
    anthropic = new Anthropic({ baseURL: stack.envoy.url, apiKey: 'client-key', maxRetries: 0 });
  });
  after(async () => {
    await stack?.close();
  });
  const upstream = (): AnyJson => stack.mock.lastRequest()!.json;

  it('openai → Anthropic: reasoning_effort over two tool turns, signed thinking carried back', async () => {
    const messages: AnyJson[] = [{ role: 'user', content: 'What is the weather in Paris?' }];
    const first = await openai.chat.completions.create({
      model: 'claude',
      messages,
      tools: TOOLS,
      reasoning_effort: 'high',
    });
    assert.deepEqual(upstream().thinking, { type: 'enabled', budget_tokens: 16384 });
    const msg = first.choices[0]!.message as AnyJson;
    assert.ok(typeof msg.reasoning_content === 'string' && msg.reasoning_content !== '');
    assert.equal(msg.thinking_blocks[0].type, 'thinking');
    assert.ok(msg.thinking_blocks[0].signature !== '');
    assert.equal(msg.tool_calls.length, 1);
    // Turn two: the assistant message goes back as received; Anthropic checks the signature.
    messages.push(msg, { role: 'tool', tool_call_id: msg.tool_calls[0].id, content: '18C and sunny' });
    const second = await openai.chat.completions
      .create({ model: 'claude', messages, tools: TOOLS, reasoning_effort: 'high' })
      .withResponse();
    assert.equal(second.response.status, 200);
    const sent = upstream();
    assert.equal(sent.messages[1].content[0].type, 'thinking');
    assert.equal(sent.messages[1].content[0].signature, msg.thinking_blocks[0].signature);
    assert.deepEqual(sent.thinking, { type: 'enabled', budget_tokens: 16384 });
    // Without the signed block, thinking is off for that turn (what Anthropic accepts), and it is said.
    const unsigned: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = messages.map(
      (m: OpenAI.Chat.Completions.ChatCompletionMessageParam) => ({ ...m, thinking_blocks: undefined }),
    );
    const third = await openai.chat.completions
      .create({ model: 'claude', messages: unsigned, tools: TOOLS, reasoning_effort: 'high' })
      .withResponse();
    assert.equal(third.response.status, 200);
    assert.equal(upstream().thinking, undefined);
    assert.match(third.response.headers.get('x-ai-extproc-dropped-params') ?? '', /reasoning_effort/);
  });

  it('openai → Anthropic, streamed: the signed block arrives whole and replays on the next tool turn', async () => {
    const messages: AnyJson[] = [{ role: 'user', content: 'What is the weather in Paris?' }];
    const stream = await openai.chat.completions.create({
      model: 'claude',
      messages,
      tools: TOOLS,
      reasoning_effort: 'medium',
      stream: true,
    });
    let reasoning = '';
    const blocks: AnyJson[] = [];
    const calls: AnyJson[] = [];
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as AnyJson;
      reasoning += delta?.reasoning_content ?? '';
      blocks.push(...(delta?.thinking_blocks ?? []));
      for (const c of delta?.tool_calls ?? []) {
        if (c.id)
          calls.push({ id: c.id, type: 'function', function: { name: c.function.name, arguments: '' } });
        const last = calls.at(-1);
        if (last && c.function?.arguments) last.function.arguments += c.function.arguments;
      }
    }
    assert.equal(blocks.length, 1);
    assert.equal(blocks[0].thinking, reasoning);
    assert.equal(calls.length, 1);
    messages.push(
      { role: 'assistant', content: null, tool_calls: calls, thinking_blocks: blocks },
      { role: 'tool', tool_call_id: calls[0].id, content: '18C' },
    );
    const next = await openai.chat.completions
      .create({ model: 'claude', messages, tools: TOOLS, reasoning_effort: 'medium' })
      .withResponse();
    assert.equal(next.response.status, 200);
    assert.equal(upstream().messages[1].content[0].signature, blocks[0].signature);
  });

  it('openai → Bedrock: streamed reasoning with its signature, and every effort value', async () => {
    const stream = await openai.chat.completions.create({
      model: 'bedrock',
      messages: [{ role: 'user', content: 'Is 221 prime?' }],
      reasoning_effort: 'medium',
      stream: true,
      stream_options: { include_usage: true },
    });
    let reasoning = '';
    const blocks: AnyJson[] = [];
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as AnyJson;
      reasoning += delta?.reasoning_content ?? '';
      blocks.push(...(delta?.thinking_blocks ?? []));
    }
    assert.ok(reasoning !== '');
    assert.equal(blocks.length, 1);
    assert.equal(blocks[0].thinking, reasoning);
    assert.ok(blocks[0].signature !== '');
    assert.deepEqual(upstream().additionalModelRequestFields, {
      thinking: { type: 'enabled', budget_tokens: 4096 },
    });
    for (const effort of ['none', 'minimal', 'low', 'high', 'xhigh']) {
      const r = await openai.chat.completions
        .create({
          model: 'bedrock',
          messages: [{ role: 'user', content: 'hi' }],
          reasoning_effort: effort as AnyJson,
        })
        .withResponse();
      assert.equal(r.response.status, 200, effort);
    }
  });

  it('openai → Gemini: thoughts as reasoning_content, reasoning tokens in usage, every effort value', async () => {
    const res = await openai.chat.completions.create({
      model: 'gemini',
      messages: [{ role: 'user', content: 'Is 221 prime?' }],
      reasoning_effort: 'low',
    });
    const msg = res.choices[0]!.message as AnyJson;
    assert.ok(typeof msg.reasoning_content === 'string' && msg.reasoning_content !== '');
    assert.ok((res.usage?.completion_tokens_details?.reasoning_tokens ?? 0) > 0);
    assert.deepEqual(upstream().generationConfig.thinkingConfig, {
      thinkingBudget: 1024,
      includeThoughts: true,
    });
    for (const effort of ['none', 'minimal', 'medium', 'high', 'xhigh']) {
      const r = await openai.chat.completions
        .create({
          model: 'gemini',
          messages: [{ role: 'user', content: 'hi' }],
          reasoning_effort: effort as AnyJson,
        })
        .withResponse();
      assert.equal(r.response.status, 200, effort);
    }
  });

  it('openai cache_control on a tool and a tool result → Bedrock cachePoints, Anthropic markers', async () => {
    const ephemeral = { type: 'ephemeral' };
    const tools = [{ ...TOOLS[0], cache_control: ephemeral }];
    const messages: AnyJson[] = [
      { role: 'user', content: 'What is the weather in Paris?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: { name: 'lookup_weather', arguments: '{"location":"Paris"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '18C', cache_control: ephemeral },
    ];
    const bedrock = await openai.chat.completions
      .create({ model: 'bedrock', messages, tools } as AnyJson)
      .withResponse();
    assert.equal(bedrock.response.status, 200);
    const kinds = (list: AnyJson[]): string[] => list.map((b) => Object.keys(b)[0]!);
    assert.deepEqual(kinds(upstream().toolConfig.tools), ['toolSpec', 'cachePoint']);
    assert.deepEqual(kinds(upstream().messages[2].content), ['toolResult', 'cachePoint']);
    assert.equal(bedrock.response.headers.get('x-ai-extproc-dropped-params'), null);
    const claude = await openai.chat.completions
      .create({ model: 'claude', messages, tools } as AnyJson)
      .withResponse();
    assert.equal(claude.response.status, 200);
    assert.deepEqual(upstream().tools[0].cache_control, ephemeral);
    assert.deepEqual(upstream().messages[2].content[0].cache_control, ephemeral);
  });

  it('openai → Mistral: a foreign tool history and OpenAI-only fields pass through the dialect table', async () => {
    const messages: AnyJson[] = [
      { role: 'developer', content: 'Be brief.' },
      { role: 'user', content: 'What is the weather in Paris?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_Q3xXJpm6ie6yyHqtZ4ywk1nH',
            type: 'function',
            function: { name: 'lookup_weather', arguments: '{"location":"Paris"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_Q3xXJpm6ie6yyHqtZ4ywk1nH', content: '18C' },
    ];
    const r = await openai.chat.completions
      .create({
        model: 'mistral',
        messages,
        tools: TOOLS,
        seed: 7,
        max_completion_tokens: 300,
        reasoning_effort: 'high',
      })
      .withResponse();
    assert.equal(r.response.status, 200); // the mock applies Mistral's rules to Mistral models
    const sent = upstream();
    const id = sent.messages[2].tool_calls[0].id;
    assert.match(id, /^[a-zA-Z0-9]{9}$/);
    assert.equal(sent.messages[3].tool_call_id, id);
    assert.equal(sent.messages[0].role, 'system');
    assert.equal(sent.random_seed, 7);
    assert.equal(sent.max_tokens, 300);
    assert.equal(r.response.headers.get('x-ai-extproc-dropped-params'), 'reasoning_effort');
  });

  it('anthropic SDK → Mistral: two tool turns, tool_use ids replayed as Mistral takes them', async () => {
    const tools: Anthropic.Tool[] = [
      {
        name: 'lookup_weather',
        input_schema: { type: 'object', properties: { location: { type: 'string' } } },
      },
    ];
    const params = { model: 'mistral', max_tokens: 1000, tools };
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'What is the weather in Paris?' }];
    const first = await anthropic.messages.create({ ...params, messages });
    const toolUse = first.content.find((b) => b.type === 'tool_use');
    assert.ok(toolUse !== undefined && toolUse.type === 'tool_use');
    messages.push(
      { role: 'assistant', content: first.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: '18C' }] },
    );
    const second = await anthropic.messages.stream({ ...params, messages }).finalMessage();
    assert.ok(second.content.length > 0);
    const sent = upstream();
    assert.match(sent.messages[1].tool_calls[0].id, /^[a-zA-Z0-9]{9}$/);
    assert.equal(sent.messages[2].tool_call_id, sent.messages[1].tool_calls[0].id);
  });

  it('openai structured output → Anthropic, Gemini and Bedrock', async () => {
    const response_format = {
      type: 'json_schema' as const,
      json_schema: { name: 'weather', strict: true, schema: SCHEMA },
    };
    const messages = [{ role: 'user' as const, content: 'Weather in Paris as JSON.' }];
    const claude = await openai.chat.completions
      .create({ model: 'claude', messages, response_format })
      .withResponse();
    assert.equal(claude.response.status, 200);
    assert.deepEqual(upstream().output_config, { format: { type: 'json_schema', schema: SCHEMA } });
    const gemini = await openai.chat.completions
      .create({ model: 'gemini', messages, response_format })
      .withResponse();
    assert.equal(gemini.response.status, 200);
    assert.equal(upstream().generationConfig.responseMimeType, 'application/json');
    // Full JSON Schema (additionalProperties kept) as responseJsonSchema; the OpenAPI subset for Gemini 2.0.
    assert.deepEqual(upstream().generationConfig.responseJsonSchema, SCHEMA);
    const gemini2 = await openai.chat.completions
      .create({ model: 'gemini2', messages, response_format })
      .withResponse();
    assert.equal(gemini2.response.status, 200);
    assert.deepEqual(upstream().generationConfig.responseSchema, {
      type: 'object',
      properties: SCHEMA.properties,
      required: SCHEMA.required,
    });
    const bedrock = await openai.chat.completions
      .create({ model: 'bedrock', messages, response_format })
      .withResponse();
    assert.equal(bedrock.response.status, 200);
    const jsonSchema = upstream().outputConfig.textFormat.structure.jsonSchema;
    assert.deepEqual(JSON.parse(jsonSchema.schema), SCHEMA);
    assert.equal(jsonSchema.name, 'weather');
  });

  // Claude on Bedrock speaks Messages through InvokeModel: an Anthropic client stays native there.
  it('anthropic SDK → Bedrock (InvokeModel): the signed thinking block comes back and replays, signature intact', async () => {
    const params = {
      model: 'bedrock',
      max_tokens: 8000,
      thinking: { type: 'enabled' as const, budget_tokens: 2048 },
    };
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Is 221 prime?' }];
    const first = await anthropic.messages.stream({ ...params, messages }).finalMessage();
    const thinking = first.content[0];
    assert.ok(thinking?.type === 'thinking' && thinking.signature !== '');
    assert.deepEqual(upstream().thinking, { type: 'enabled', budget_tokens: 2048 });
    assert.equal(upstream().anthropic_version, 'bedrock-2023-05-31');
    messages.push({ role: 'assistant', content: first.content }, { role: 'user', content: 'And 223?' });
    const second = await anthropic.messages.create({ ...params, messages }).withResponse();
    assert.equal(second.response.status, 200);
    const replayed = upstream().messages[1].content[0];
    assert.deepEqual(replayed, {
      type: 'thinking',
      thinking: thinking.thinking,
      signature: thinking.signature,
    });
  });

  for (const streaming of [false, true]) {
    it(`anthropic SDK → OpenAI backend: extended thinking over two tool turns (${streaming ? 'stream' : 'JSON'})`, async () => {
      const tools: Anthropic.Tool[] = [
        {
          name: 'lookup_weather',
          input_schema: { type: 'object', properties: { location: { type: 'string' } } },
        },
      ];
      const params = {
        model: 'gpt',
        max_tokens: 16000,
        thinking: { type: 'enabled' as const, budget_tokens: 10000 },
        tools,
      };
      const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'What is the weather in Paris?' }];
      const first = streaming
        ? await anthropic.messages.stream({ ...params, messages }).finalMessage()
        : await anthropic.messages.create({ ...params, messages });
      const sent = upstream();
      assert.equal(sent.reasoning_effort, 'high');
      assert.equal(sent.thinking, undefined);
      assert.equal(sent.max_completion_tokens, 16000);
      assert.equal(first.content[0]?.type, 'thinking');
      const toolUse = first.content.find((b) => b.type === 'tool_use');
      assert.ok(toolUse !== undefined && toolUse.type === 'tool_use');
      messages.push(
        { role: 'assistant', content: first.content },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: '18C and sunny' }],
        },
      );
      const second = streaming
        ? await anthropic.messages.stream({ ...params, messages }).finalMessage()
        : await anthropic.messages.create({ ...params, messages });
      assert.ok(second.content.length > 0);
      const replay = upstream();
      assert.equal(replay.reasoning_effort, 'high');
      assert.equal(replay.messages[1].thinking_blocks, undefined);
      assert.equal(replay.messages[2].role, 'tool');
    });
  }
});

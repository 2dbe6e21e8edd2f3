/**
 * The Responses API as an upstream, through real Envoy: a backend with `openai: { api: responses }`
 * (a model OpenAI serves only on /v1/responses) reached by the official openai SDK's Chat Completions
 * and by @anthropic-ai/sdk, streamed and not, with a function call over two turns. The mock's
 * Responses 400 rules check every request the gateway sends there.
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

const CONFIG = fs.readFileSync(path.join(repoRoot(), 'test/fixtures/standalone/e2e-responses.yaml'), 'utf8');
const SECRETS = {
  E2E_OPENAI_KEY: 'sk-gateway-openai',
  E2E_ANTHROPIC_KEY: 'sk-gateway-anthropic',
  E2E_GEMINI_KEY: 'gemini-gateway-key',
  E2E_AWS_ID: 'AKIDEXAMPLE',
  E2E_AWS_SECRET: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const MODEL = 'gpt-responses';
const TOOLS: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  {
    type: 'function',
    function: {
      name: 'lookup_weather',
      parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
    },
  },
];

interface Sent {
  path: string;
  json: Record<string, unknown>;
}

describe('Responses API as an upstream through real Envoy', () => {
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
  const sent = (): Sent => stack.mock.lastRequest() as unknown as Sent;

  it('chat completions: a function call over two turns, then reasoning and structured output', async () => {
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [
      { role: 'user', content: 'What is the weather in Paris?' },
    ];
    const first = await openai.chat.completions.create({ model: MODEL, messages, tools: TOOLS });
    assert.equal(sent().path, '/v1/responses');
    assert.equal(sent().json.store, false);
    assert.equal(first.choices[0]!.finish_reason, 'tool_calls');
    const call = first.choices[0]!.message.tool_calls![0]!;
    assert.equal(call.type === 'function' && call.function.arguments, '{"location":"Paris"}');
    assert.ok(first.usage!.prompt_tokens > 0);
    messages.push(first.choices[0]!.message, {
      role: 'tool',
      tool_call_id: call.id,
      content: '18C and sunny',
    });
    const second = await openai.chat.completions.create({ model: MODEL, messages, tools: TOOLS });
    assert.equal(second.choices[0]!.finish_reason, 'stop');
    assert.ok((second.choices[0]!.message.content ?? '').length > 0);
    const input = sent().json.input as Record<string, unknown>[];
    assert.deepEqual(
      input.map((i) => i.type ?? i.role),
      ['user', 'function_call', 'function_call_output'],
    );
    const reasoned = await openai.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Hi' }],
      reasoning_effort: 'low',
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'x', schema: { type: 'object', properties: {} } },
      },
    });
    assert.deepEqual(sent().json.reasoning, { effort: 'low', summary: 'auto' });
    assert.equal((sent().json.text as { format: { type: string } }).format.type, 'json_schema');
    const msg = reasoned.choices[0]!.message as unknown as { reasoning_content?: string };
    assert.ok((msg.reasoning_content ?? '').length > 0);
  });

  it('chat completions, streamed: text and tool call chunks with usage', async () => {
    const stream = await openai.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
      tools: TOOLS,
      stream: true,
      stream_options: { include_usage: true },
    });
    let args = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      for (const t of chunk.choices[0]?.delta.tool_calls ?? []) args += t.function?.arguments ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    assert.equal(args, '{"location":"Paris"}');
    assert.equal(finish, 'tool_calls');
    assert.ok(usage!.completion_tokens > 0);
    const text = await openai.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Hello' }],
      stream: true,
    });
    let content = '';
    for await (const chunk of text) content += chunk.choices[0]?.delta.content ?? '';
    assert.ok(content.startsWith('Responses here'));
  });

  it('anthropic messages: a tool turn over two turns, streamed and not', async () => {
    const tools: Anthropic.Tool[] = [
      {
        name: 'lookup_weather',
        input_schema: { type: 'object', properties: { location: { type: 'string' } } },
      },
    ];
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'What is the weather in Paris?' }];
    const first = await anthropic.messages.create({ model: MODEL, max_tokens: 1000, messages, tools });
    assert.equal(first.stop_reason, 'tool_use');
    const use = first.content.find((b) => b.type === 'tool_use')!;
    assert.deepEqual(use.input, { location: 'Paris' });
    messages.push(
      { role: 'assistant', content: first.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '18C' }] },
    );
    const stream = anthropic.messages.stream({ model: MODEL, max_tokens: 1000, messages, tools });
    const final = await stream.finalMessage();
    assert.equal(final.stop_reason, 'end_turn');
    assert.ok(final.content.some((b) => b.type === 'text' && b.text.startsWith('Responses here')));
    assert.equal(sent().json.max_output_tokens, 1000);
  });
});

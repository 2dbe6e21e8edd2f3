/**
 * Same API in and out through real Envoy with the official SDKs: a Claude Code-style client
 * (@anthropic-ai/sdk, extended thinking, tools) runs two tool turns against an Anthropic backend,
 * whole and streamed. The mock provider signs its thinking and enforces Anthropic's 400 rules, so
 * a thinking block lost, emptied or moved on the way back fails the test. And an `openai` client on
 * an OpenAI backend: fields the gateway does not know reach the provider unchanged.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startStandaloneStack } from '../helpers/stack.js';
import type { StandaloneStack } from '../helpers/stack.js';
import { anthropicRequestProblems } from '../../mock-provider/rules/anthropic.js';
import { verifyThinkingSignature } from '../../mock-provider/rules/signature.js';

const CONFIG = `version: 1
backends:
  anthropic: { provider: anthropic, baseUrl: http://{{UPSTREAM}}, cluster: mock, auth: { apiKey: { env: E2E_ANTHROPIC_KEY } } }
  openai: { provider: openai, baseUrl: http://{{UPSTREAM}}, cluster: mock, auth: { apiKey: { env: E2E_OPENAI_KEY } } }
routes:
  - name: messages
    match: { pathPrefix: /v1/messages }
    models: { claude-sonnet-4-5: { backend: anthropic }, claude: { backend: anthropic, model: claude-sonnet-4-5 } }
  - name: chat
    match: { pathPrefix: /v1/chat/completions }
    models: { fast: { backend: openai, model: gpt-4o-mini } }
`;
const SECRETS = { E2E_ANTHROPIC_KEY: 'sk-gateway-anthropic', E2E_OPENAI_KEY: 'sk-gateway-openai' };

const WEATHER: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

describe('same API in and out through real Envoy', () => {
  let stack: StandaloneStack;
  let anthropic: Anthropic;
  let openai: OpenAI;
  before(async () => {
    stack = await startStandaloneStack(CONFIG, {}, SECRETS);
    anthropic = new Anthropic({ baseURL: stack.envoy.url, apiKey: 'client-key', maxRetries: 0 });
    openai = new OpenAI({ baseURL: `${stack.envoy.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
  });
  after(async () => {
    await stack?.close();
  });

  /**
   * The next turn's history: the assistant's blocks as they came, then a tool_result for its
   * tool_use (and a text asking for more: the mock calls the tool when the user says "weather").
   */
  function nextTurn(
    history: Anthropic.MessageParam[],
    reply: Anthropic.Message,
    result: string,
    then?: string,
  ): Anthropic.MessageParam[] {
    const use = reply.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
    assert.ok(use, 'the assistant called the tool');
    return [
      ...history,
      { role: 'assistant', content: reply.content },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: use.id, content: result, is_error: false },
          ...(then ? [{ type: 'text' as const, text: then }] : []),
        ],
      },
    ];
  }

  function assertSignedThinking(reply: Anthropic.Message): void {
    const first = reply.content[0];
    assert.equal(first?.type, 'thinking');
    if (first?.type !== 'thinking') return;
    assert.notEqual(first.signature, '');
    assert.ok(verifyThinkingSignature(first.thinking, first.signature), 'the signature survived the gateway');
  }

  /** What the mock received is what the client sent (model alias aside), and Anthropic would take it. */
  function assertUpstreamIs(sent: object, model: string): void {
    const up = stack.mock.lastRequest()!;
    assert.equal(up.path, '/v1/messages');
    assert.equal(up.headers['x-api-key'], 'sk-gateway-anthropic');
    assert.deepEqual(up.json, { ...sent, model });
    assert.deepEqual(anthropicRequestProblems(up.json, { verifySignature: verifyThinkingSignature }), []);
    const body = up.json as unknown as { thinking: { budget_tokens: number }; max_tokens: number };
    assert.equal(body.thinking.budget_tokens, 10000);
    assert.equal(body.max_tokens, 16000);
  }

  for (const streaming of [false, true]) {
    it(`@anthropic-ai/sdk: extended thinking over two tool turns (${streaming ? 'streamed' : 'whole'})`, async () => {
      const base = {
        model: streaming ? 'claude' : 'claude-sonnet-4-5',
        max_tokens: 16000,
        thinking: { type: 'enabled' as const, budget_tokens: 10000 },
        tools: [WEATHER],
      };
      const ask = async (messages: Anthropic.MessageParam[]): Promise<Anthropic.Message> => {
        const params = { ...base, messages };
        const reply = streaming
          ? await anthropic.messages.stream(params).finalMessage()
          : await anthropic.messages.create(params);
        assertUpstreamIs(streaming ? { ...params, stream: true } : params, 'claude-sonnet-4-5');
        return reply;
      };
      let history: Anthropic.MessageParam[] = [{ role: 'user', content: 'What is the weather in Paris?' }];
      const first = await ask(history);
      assertSignedThinking(first);
      history = nextTurn(history, first, 'Paris: 18C', 'Now the weather in Lyon, please.');
      const second = await ask(history);
      assertSignedThinking(second);
      history = nextTurn(history, second, 'Lyon: 21C');
      const third = await ask(history);
      assertSignedThinking(third);
      // Two tool turns replayed: both assistant turns went back with their signed thinking first.
      const replayed = (stack.mock.lastRequest()!.json as { messages: { role: string; content: unknown }[] })
        .messages;
      assert.equal(replayed.filter((m) => m.role === 'assistant').length, 2);
    });
  }

  it('a lost signature is what Anthropic refuses: the mock answers 400 and the SDK sees it as sent', async () => {
    const first = await anthropic.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 16000,
      thinking: { type: 'enabled', budget_tokens: 10000 },
      tools: [WEATHER],
      messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
    });
    const stripped = { ...first, content: first.content.filter((b) => b.type !== 'thinking') };
    await assert.rejects(
      anthropic.messages.create({
        model: 'claude-sonnet-4-5',
        max_tokens: 16000,
        thinking: { type: 'enabled', budget_tokens: 10000 },
        tools: [WEATHER],
        messages: nextTurn([{ role: 'user', content: 'What is the weather in Paris?' }], stripped, 'x'),
      }),
      (err: unknown) =>
        err instanceof Anthropic.BadRequestError &&
        /Expected `thinking` or `redacted_thinking`, but found `tool_use`/.test(err.message),
    );
  });

  it('openai SDK → OpenAI backend: unknown fields reach the provider unchanged, the answer comes back as sent', async () => {
    const params = {
      model: 'fast',
      messages: [{ role: 'user' as const, content: 'hello' }],
      max_completion_tokens: 50,
      metadata: { team: 'gateway' },
      future_field: { nested: [1, 2.5, 'é'], flag: true },
    };
    const res = await openai.chat.completions.create(
      params as unknown as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming,
    );
    const up = stack.mock.lastRequest()!;
    assert.equal(up.path, '/v1/chat/completions');
    assert.equal(up.headers.authorization, 'Bearer sk-gateway-openai');
    assert.deepEqual(up.json, { ...params, model: 'gpt-4o-mini' });
    assert.ok(res.choices[0]?.message.content);
    // Streamed: the gateway adds include_usage for itself and the client does not see the usage chunk.
    const stream = await openai.chat.completions.create({
      ...(params as unknown as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming),
      stream: true,
    });
    let text = '';
    let usageSeen = false;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usageSeen = true;
    }
    assert.ok(text.length > 0);
    assert.equal(usageSeen, false);
    const streamed = stack.mock.lastRequest()!.json as { stream_options: unknown; future_field: unknown };
    assert.deepEqual(streamed.stream_options, { include_usage: true });
    assert.deepEqual(streamed.future_field, params.future_field);
  });
});

/**
 * Claude on Vertex AI (rawPredict / streamRawPredict) and on Bedrock InvokeModel through real Envoy
 * with @anthropic-ai/sdk: the client stays Anthropic-native, so extended thinking with signatures
 * over two tool turns survives, whole and streamed (Bedrock's event-stream frames become the SSE
 * the SDK reads). The mock provider enforces each platform's body rules (anthropic_version, no
 * model, Bedrock: no stream) and Anthropic's 400 rules with verified signatures, so a lost or moved
 * thinking block, or a body the platform refuses, fails the test. And an `openai` client reaches
 * Claude on Vertex translated to the Messages shape.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startStandaloneStack } from '../helpers/stack.js';
import type { StandaloneStack } from '../helpers/stack.js';
import { verifyThinkingSignature } from '../../mock-provider/rules/signature.js';
import { claudePlatformProblems, claudePlatformRoute } from '../../mock-provider/claude-platforms.js';

const VERTEX_MODEL = 'claude-sonnet-4-5@20250929';
const BEDROCK_MODEL = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const CONFIG = `version: 1
backends:
  vertex: { provider: vertex-ai, baseUrl: http://{{UPSTREAM}}, cluster: mock, vertex: { project: my-proj, location: us-east5 }, auth: { bearer: { env: E2E_VERTEX_TOKEN } } }
  bedrock: { provider: bedrock, baseUrl: http://{{UPSTREAM}}, cluster: mock, bedrock: { region: us-east-1 }, auth: { aws: { accessKeyId: { env: E2E_AWS_ID }, secretAccessKey: { env: E2E_AWS_SECRET } } } }
routes:
  - name: messages
    match: { pathPrefix: /v1/messages }
    models: { claude-vertex: { backend: vertex, model: '${VERTEX_MODEL}' }, claude-bedrock: { backend: bedrock, model: '${BEDROCK_MODEL}' } }
  - name: chat
    match: { pathPrefix: /v1/chat/completions }
    models: { claude-vertex: { backend: vertex, model: '${VERTEX_MODEL}' } }
`;
const SECRETS = { E2E_VERTEX_TOKEN: 'ya29.gateway', E2E_AWS_ID: 'AKIDEXAMPLE', E2E_AWS_SECRET: 'secret' };

const WEATHER: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

const PLATFORMS = [
  { alias: 'claude-vertex', platform: 'vertex', version: 'vertex-2023-10-16' },
  { alias: 'claude-bedrock', platform: 'bedrock', version: 'bedrock-2023-05-31' },
] as const;

describe('Claude on Vertex AI and Bedrock InvokeModel through real Envoy', () => {
  let stack: StandaloneStack;
  let anthropic: Anthropic;
  before(async () => {
    stack = await startStandaloneStack(CONFIG, {}, SECRETS);
    anthropic = new Anthropic({ baseURL: stack.envoy.url, apiKey: 'client-key', maxRetries: 0 });
  });
  after(async () => {
    await stack?.close();
  });

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
          { type: 'tool_result', tool_use_id: use.id, content: result },
          ...(then ? [{ type: 'text' as const, text: then }] : []),
        ],
      },
    ];
  }

  function assertSignedThinking(reply: Anthropic.Message): void {
    const first = reply.content[0];
    assert.equal(first?.type, 'thinking');
    if (first?.type !== 'thinking') return;
    assert.ok(verifyThinkingSignature(first.thinking, first.signature), 'the signature survived the gateway');
  }

  for (const p of PLATFORMS) {
    /** The platform got the client's body, in its own shape, with the gateway's credential. */
    function assertUpstream(sent: Record<string, unknown>, stream: boolean): void {
      const up = stack.mock.lastRequest()!;
      const route = claudePlatformRoute(new URL(up.path, 'http://x').pathname);
      assert.deepEqual(route, {
        platform: p.platform,
        model: p.platform === 'vertex' ? VERTEX_MODEL : BEDROCK_MODEL,
        stream,
      });
      const { model: _model, stream: _stream, ...rest } = sent;
      const expected = {
        ...rest,
        anthropic_version: p.version,
        ...(stream && p.platform === 'vertex' ? { stream: true } : {}),
      };
      assert.deepEqual(up.json, expected);
      assert.deepEqual(claudePlatformProblems(route, up.json), []);
      assert.equal(up.headers['x-api-key'], undefined, 'the client key never reaches the platform');
      if (p.platform === 'vertex') {
        assert.equal(
          up.path,
          `/v1/projects/my-proj/locations/us-east5/publishers/anthropic/models/${VERTEX_MODEL}:${stream ? 'streamRawPredict' : 'rawPredict'}`,
        );
        assert.equal(up.headers.authorization, 'Bearer ya29.gateway');
      } else
        assert.match(
          up.headers.authorization ?? '',
          /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/bedrock\/aws4_request/,
        );
    }

    for (const streaming of [false, true]) {
      it(`@anthropic-ai/sdk → ${p.platform}: thinking with signatures over two tool turns (${streaming ? 'streamed' : 'whole'})`, async () => {
        const base = {
          model: p.alias,
          max_tokens: 16000,
          thinking: { type: 'enabled' as const, budget_tokens: 10000 },
          tools: [WEATHER],
        };
        const ask = async (messages: Anthropic.MessageParam[]): Promise<Anthropic.Message> => {
          const params = { ...base, messages };
          const reply = streaming
            ? await anthropic.messages.stream(params).finalMessage()
            : await anthropic.messages.create(params);
          assertUpstream(params, streaming);
          assert.ok(reply.usage.input_tokens > 0 && reply.usage.output_tokens > 0);
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
        assert.ok(third.content.some((b) => b.type === 'text' && b.text.length > 0));
      });
    }

    it(`${p.platform}: a thinking block dropped on replay is refused by the platform, in Anthropic's format`, async () => {
      const first = await anthropic.messages.create({
        model: p.alias,
        max_tokens: 16000,
        thinking: { type: 'enabled', budget_tokens: 10000 },
        tools: [WEATHER],
        messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
      });
      const stripped = { ...first, content: first.content.filter((b) => b.type !== 'thinking') };
      await assert.rejects(
        anthropic.messages.create({
          model: p.alias,
          max_tokens: 16000,
          thinking: { type: 'enabled', budget_tokens: 10000 },
          tools: [WEATHER],
          messages: nextTurn([{ role: 'user', content: 'What is the weather in Paris?' }], stripped, 'x'),
        }),
        (err: unknown) =>
          err instanceof Anthropic.BadRequestError &&
          (err.error as { type?: string; error?: { type?: string } }).error?.type ===
            'invalid_request_error' &&
          /Expected `thinking` or `redacted_thinking`/.test(err.message),
      );
    });
  }

  it("Bedrock: the client's anthropic-beta header reaches Claude as the body's anthropic_beta", async () => {
    const reply = await anthropic.beta.messages.create({
      model: 'claude-bedrock',
      max_tokens: 100,
      betas: ['interleaved-thinking-2025-05-14'],
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.ok(reply.content.some((b) => b.type === 'text'));
    const up = stack.mock.lastRequest()!;
    assert.deepEqual((up.json as { anthropic_beta: unknown }).anthropic_beta, [
      'interleaved-thinking-2025-05-14',
    ]);
    assert.deepEqual(
      claudePlatformProblems(claudePlatformRoute(new URL(up.path, 'http://x').pathname)!, up.json),
      [],
    );
  });

  it('openai SDK → Claude on Vertex: translated to the Messages shape, whole and streamed', async () => {
    const openai = new OpenAI({ baseURL: `${stack.envoy.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
    const res = await openai.chat.completions.create({
      model: 'claude-vertex',
      messages: [{ role: 'user', content: 'hello' }],
      max_completion_tokens: 50,
    });
    assert.ok(res.choices[0]?.message.content);
    assert.ok((res.usage?.prompt_tokens ?? 0) > 0);
    let up = stack.mock.lastRequest()!;
    assert.match(up.path, /\/publishers\/anthropic\/models\/claude-sonnet-4-5@20250929:rawPredict$/);
    const route = claudePlatformRoute(new URL(up.path, 'http://x').pathname)!;
    assert.deepEqual(claudePlatformProblems(route, up.json), []);
    const stream = await openai.chat.completions.create({
      model: 'claude-vertex',
      messages: [{ role: 'user', content: 'hello' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.ok(text.length > 0);
    up = stack.mock.lastRequest()!;
    assert.match(up.path, /:streamRawPredict$/);
    assert.deepEqual(
      claudePlatformProblems(claudePlatformRoute(new URL(up.path, 'http://x').pathname)!, up.json),
      [],
    );
  });
});

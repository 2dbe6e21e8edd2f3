import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { gunzipSync } from 'node:zlib';
import OpenAI from 'openai';
import {
  choiceText,
  errorMessage,
  expectedUsage,
  loadFixtures,
  startMockProvider,
  streamPieces,
  tokensFor,
  toolArgPieces,
} from '../../../mock-provider/server.js';
import type { MockProvider, RecordedRequest } from '../../../mock-provider/server.js';

// ----------------------------------------------------------------------------------------------------------------
// helpers

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests poke at arbitrary response JSON
type Json = any;
const parseJson = (text: string): Json => JSON.parse(text);

interface SseEvent {
  event?: string;
  data: string;
}

/** Minimal spec-style SSE parser (CRLF, CR and LF line endings). */
function parseSse(text: string): SseEvent[] {
  const out: SseEvent[] = [];
  let event: string | undefined;
  let data: string[] = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === '') {
      if (data.length > 0)
        out.push(event === undefined ? { data: data.join('\n') } : { event, data: data.join('\n') });
      event = undefined;
      data = [];
      continue;
    }
    const idx = line.indexOf(':');
    const field = idx < 0 ? line : line.slice(0, idx);
    let value = idx < 0 ? '' : line.slice(idx + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return out;
}

function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  /** Decoded (de-chunked) body bytes, not decompressed. */
  body: Buffer;
  /** Sizes of the HTTP/1.1 chunks, if chunked. */
  chunkSizes: number[];
}

/** Sends one HTTP/1.1 request over a raw socket so chunk framing and compressed bytes are visible. */
function rawPost(
  port: number,
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const parts: Buffer[] = [];
    sock.on('data', (d: Buffer) => parts.push(d));
    sock.on('error', reject);
    sock.on('end', () => {
      try {
        resolve(parseRaw(Buffer.concat(parts)));
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
    const extra = Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    sock.write(
      `POST ${path} HTTP/1.1\r\nhost: mock\r\nconnection: close\r\ncontent-type: application/json\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`,
    );
  });
}

function parseRaw(buf: Buffer): RawResponse {
  const headEnd = buf.indexOf('\r\n\r\n');
  const head = buf.subarray(0, headEnd).toString('latin1').split('\r\n');
  const status = Number((head[0] ?? '').split(' ')[1]);
  const headers: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  let rest = buf.subarray(headEnd + 4);
  if (headers['transfer-encoding'] !== 'chunked') return { status, headers, body: rest, chunkSizes: [] };
  const chunks: Buffer[] = [];
  const chunkSizes: number[] = [];
  for (;;) {
    const lineEnd = rest.indexOf('\r\n');
    const size = parseInt(rest.subarray(0, lineEnd).toString('latin1'), 16);
    if (size === 0) break;
    chunkSizes.push(size);
    chunks.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
    rest = rest.subarray(lineEnd + 2 + size + 2);
  }
  return { status, headers, body: Buffer.concat(chunks), chunkSizes };
}

const fx = loadFixtures();

/** The smallest request Anthropic accepts. */
const minimalMessages = { model: 'claude-test', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] };
const chatBody = {
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: 'Say something about gateways.' },
  ],
};

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_current_weather',
    description: 'Get the current weather',
    parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
  },
};

function last(mock: MockProvider): RecordedRequest {
  const r = mock.lastRequest();
  assert.ok(r, 'a request was recorded');
  return r;
}

// ----------------------------------------------------------------------------------------------------------------

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

  describe('Anthropic messages', () => {
    const msgBody = {
      model: 'claude-3-5-sonnet-20241022',
      max_tokens: 256,
      system: 'Be brief.',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello there' }] }],
    };

    it('non-streaming message with usage', async () => {
      const res = await postJson(`${mock.url}/v1/messages`, msgBody, { 'anthropic-version': '2023-06-01' });
      assert.equal(res.status, 200);
      const body = (await res.json()) as Json;
      assert.match(body.id, /^msg_/);
      assert.equal(body.type, 'message');
      assert.equal(body.role, 'assistant');
      assert.equal(body.model, 'claude-3-5-sonnet-20241022');
      assert.deepEqual(body.content, [{ type: 'text', text: fx.anthropic.text }]);
      assert.equal(body.stop_reason, 'end_turn');
      const prompt = tokensFor('Be brief.Hello there');
      assert.deepEqual(body.usage, {
        input_tokens: prompt,
        output_tokens: tokensFor(fx.anthropic.text),
        cache_read_input_tokens: 0,
        cache_creation_input_tokens: 0,
      });
      assert.equal(expectedUsage(last(mock)).promptTokens, prompt);
      assert.equal(last(mock).route, 'anthropic');
    });

    it('streaming: exact event sequence and usage', async () => {
      const res = await postJson(`${mock.url}/v1/messages`, { ...msgBody, stream: true });
      assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
      const raw = await res.text();
      assert.ok(raw.startsWith('event: message_start\ndata: {'));
      const events = parseSse(raw);
      const names = events.map((e) => e.event);
      const deltas = streamPieces(fx.anthropic.text).length;
      assert.ok(deltas >= 3);
      assert.deepEqual(names, [
        'message_start',
        'content_block_start',
        'ping',
        ...Array<string>(deltas).fill('content_block_delta'),
        'content_block_stop',
        'message_delta',
        'message_stop',
      ]);
      const datas = events.map((e): Json => parseJson(e.data));
      datas.forEach((d, i) => assert.equal(d.type, names[i]));
      assert.equal(datas[0].message.model, 'claude-3-5-sonnet-20241022');
      assert.equal(datas[0].message.usage.input_tokens, tokensFor('Be brief.Hello there'));
      assert.deepEqual(datas[1].content_block, { type: 'text', text: '' });
      const text = datas
        .filter((d) => d.type === 'content_block_delta')
        .map((d) => {
          assert.equal(d.delta.type, 'text_delta');
          return d.delta.text as string;
        })
        .join('');
      assert.equal(text, fx.anthropic.text);
      const md = datas.at(-2);
      assert.equal(md.delta.stop_reason, 'end_turn');
      assert.equal(md.usage.output_tokens, tokensFor(fx.anthropic.text));
    });

    it('tools + "weather" → tool_use (non-streaming and streaming)', async () => {
      const req = {
        model: 'claude-3-5-haiku-20241022',
        max_tokens: 100,
        tools: [{ name: 'get_weather', description: 'w', input_schema: { type: 'object' } }],
        messages: [{ role: 'user', content: "What's the weather in SF?" }],
      };
      const body = (await (await postJson(`${mock.url}/v1/messages`, req)).json()) as Json;
      assert.equal(body.stop_reason, 'tool_use');
      assert.equal(body.content[0].type, 'tool_use');
      assert.equal(body.content[0].name, 'get_weather');
      assert.deepEqual(body.content[0].input, { location: 'San Francisco, CA', unit: 'celsius' });

      const events = parseSse(
        await (await postJson(`${mock.url}/v1/messages`, { ...req, stream: true })).text(),
      );
      const datas = events.map((e): Json => parseJson(e.data));
      assert.equal(datas[1].content_block.type, 'tool_use');
      const json = datas
        .filter((d) => d.type === 'content_block_delta')
        .map((d) => {
          assert.equal(d.delta.type, 'input_json_delta');
          return d.delta.partial_json as string;
        })
        .join('');
      assert.deepEqual(JSON.parse(json), { location: 'San Francisco, CA', unit: 'celsius' });
      assert.equal(datas.at(-2).delta.stop_reason, 'tool_use');
    });
  });

  describe('Gemini / Vertex AI', () => {
    const genBody = {
      contents: [{ role: 'user', parts: [{ text: 'Explain recursion.' }] }],
      systemInstruction: { parts: [{ text: 'Short answers.' }] },
    };

    it('generateContent (v1beta)', async () => {
      const res = await postJson(`${mock.url}/v1beta/models/gemini-1.5-flash:generateContent`, genBody);
      assert.equal(res.status, 200);
      const body = (await res.json()) as Json;
      assert.equal(body.candidates[0].content.parts[0].text, fx.gemini.text);
      assert.equal(body.candidates[0].content.role, 'model');
      assert.equal(body.candidates[0].finishReason, 'STOP');
      assert.equal(body.modelVersion, 'gemini-1.5-flash');
      const prompt = tokensFor('Short answers.Explain recursion.');
      const completion = tokensFor(fx.gemini.text);
      assert.deepEqual(body.usageMetadata, {
        promptTokenCount: prompt,
        candidatesTokenCount: completion,
        totalTokenCount: prompt + completion,
      });
      assert.equal(last(mock).route, 'gemini');
    });

    it('Vertex generateContent path', async () => {
      const path =
        '/v1/projects/p1/locations/us-central1/publishers/google/models/gemini-1.5-flash-001:generateContent';
      const body = (await (await postJson(mock.url + path, genBody)).json()) as Json;
      assert.equal(body.modelVersion, 'gemini-1.5-flash-001');
      assert.equal(typeof body.createTime, 'string');
    });

    it('streamGenerateContent?alt=sse: CRLF framing, cumulative usage in every chunk', async () => {
      const res = await postJson(
        `${mock.url}/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse`,
        genBody,
      );
      assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
      const raw = await res.text();
      const frames = raw.split('\r\n\r\n');
      assert.equal(frames.pop(), '');
      const pieces = streamPieces(fx.gemini.text);
      assert.equal(frames.length, pieces.length);
      let soFar = '';
      const prompt = tokensFor('Short answers.Explain recursion.');
      frames.forEach((f, i) => {
        assert.ok(f.startsWith('data: '));
        const c = parseJson(f.slice(6));
        soFar += c.candidates[0].content.parts[0].text;
        assert.equal(c.usageMetadata.promptTokenCount, prompt);
        assert.equal(c.usageMetadata.candidatesTokenCount, tokensFor(soFar));
        assert.equal(c.usageMetadata.totalTokenCount, prompt + tokensFor(soFar));
        assert.equal(c.modelVersion, 'gemini-2.0-flash');
        assert.equal(c.candidates[0].finishReason, i === frames.length - 1 ? 'STOP' : undefined);
      });
      assert.equal(soFar, fx.gemini.text);
      assert.equal(expectedUsage(last(mock)).completionTokens, tokensFor(fx.gemini.text));
    });

    it('kgateway framing (data: <json>\\n\\r\\n\\r\\n) via header or query', async () => {
      const path =
        '/v1/projects/p/locations/l/publishers/google/models/gemini-1.5-flash-001:streamGenerateContent';
      const viaHeader = await (
        await postJson(`${mock.url}${path}?alt=sse`, genBody, { 'x-mock-sse-framing': 'kgateway' })
      ).text();
      const viaQuery = await (
        await postJson(`${mock.url}${path}?alt=sse&mock_sse_framing=kgateway`, genBody)
      ).text();
      for (const raw of [viaHeader, viaQuery]) {
        const frames = raw.split('\n\r\n\r\n');
        assert.equal(frames.pop(), '');
        assert.ok(frames.length >= 3);
        for (const f of frames) assert.ok(f.startsWith('data: {') && !f.includes('\n'));
        assert.equal(parseSse(raw).length, frames.length);
      }
    });

    it('streamGenerateContent without alt=sse streams a JSON array', async () => {
      const res = await postJson(`${mock.url}/v1beta/models/gemini-2.0-flash:streamGenerateContent`, genBody);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      const arr = (await res.json()) as Json[];
      assert.equal(arr.length, streamPieces(fx.gemini.text).length);
      assert.equal(arr.map((c) => c.candidates[0].content.parts[0].text as string).join(''), fx.gemini.text);
    });

    it('tools + "weather" → functionCall', async () => {
      const body = (await (
        await postJson(`${mock.url}/v1beta/models/gemini-2.0-flash:generateContent`, {
          contents: [{ role: 'user', parts: [{ text: 'weather in Tokyo?' }] }],
          tools: [{ functionDeclarations: [{ name: 'lookup_weather', parameters: { type: 'object' } }] }],
        })
      ).json()) as Json;
      const part = body.candidates[0].content.parts[0];
      assert.equal(part.functionCall.name, 'lookup_weather');
      assert.deepEqual(part.functionCall.args, { location: 'Tokyo' });
    });
  });

  describe('knobs', () => {
    it('x-mock-gzip compresses the JSON body', async () => {
      const r = await rawPost(mock.port, '/v1/chat/completions', JSON.stringify(chatBody), {
        'x-mock-gzip': '1',
      });
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-encoding'], 'gzip');
      assert.equal(Number(r.headers['content-length']), r.body.length);
      assert.equal(r.body[0], 0x1f);
      assert.equal(r.body[1], 0x8b);
      const json = parseJson(gunzipSync(r.body).toString('utf8'));
      assert.equal(json.choices[0].message.content, fx.openai.text);
      // fetch transparently decompresses it too
      const res = await postJson(`${mock.url}/v1/chat/completions`, chatBody, { 'x-mock-gzip': '1' });
      assert.equal(((await res.json()) as Json).choices[0].message.content, fx.openai.text);
    });

    it('x-mock-status produces provider-shaped errors', async () => {
      const o = await postJson(
        `${mock.url}/v1/chat/completions`,
        { ...chatBody, stream: true },
        { 'x-mock-status': '429' },
      );
      assert.equal(o.status, 429);
      assert.equal(o.headers.get('retry-after'), '1');
      assert.deepEqual(await o.json(), {
        error: { message: errorMessage(429), type: 'requests', param: null, code: 'rate_limit_exceeded' },
      });

      const a = await postJson(`${mock.url}/v1/messages`, { messages: [] }, { 'x-mock-status': '529' });
      assert.equal(a.status, 529);
      assert.deepEqual(await a.json(), {
        type: 'error',
        error: { type: 'overloaded_error', message: errorMessage(529) },
      });

      const g = await postJson(`${mock.url}/v1beta/models/m:generateContent`, {}, { 'x-mock-status': '400' });
      assert.equal(g.status, 400);
      assert.deepEqual(await g.json(), {
        error: { code: 400, message: errorMessage(400), status: 'INVALID_ARGUMENT' },
      });
    });

    it('x-mock-chunk-bytes writes the SSE stream in N-byte HTTP chunks', async () => {
      const body = JSON.stringify({ ...chatBody, stream: true, stream_options: { include_usage: true } });
      const r = await rawPost(mock.port, '/v1/chat/completions', body, { 'x-mock-chunk-bytes': '7' });
      assert.equal(r.headers['transfer-encoding'], 'chunked');
      assert.ok(r.chunkSizes.length > 50);
      r.chunkSizes.slice(0, -1).forEach((s) => assert.equal(s, 7));
      assert.ok((r.chunkSizes.at(-1) ?? 0) <= 7);
      const events = parseSse(r.body.toString('utf8'));
      assert.equal(events.at(-1)?.data, '[DONE]');
      const text = events
        .slice(0, -1)
        .map((e): Json => parseJson(e.data).choices[0]?.delta?.content ?? '')
        .join('');
      assert.equal(text, fx.openai.text);
    });

    it('x-mock-chunk-bytes also applies to (gzipped) JSON bodies', async () => {
      const r = await rawPost(mock.port, '/v1/messages', JSON.stringify(minimalMessages), {
        'x-mock-chunk-bytes': '16',
        'x-mock-gzip': '1',
      });
      r.chunkSizes.slice(0, -1).forEach((s) => assert.equal(s, 16));
      const json = parseJson(gunzipSync(r.body).toString('utf8'));
      assert.equal(json.content[0].text, fx.anthropic.text);
    });

    it('x-mock-text and x-mock-text-b64 set the assistant text (and usage follows)', async () => {
      const planted = 'My card is 4111 1111 1111 1111, thanks';
      const res = await postJson(`${mock.url}/v1/chat/completions`, chatBody, { 'x-mock-text': planted });
      const body = (await res.json()) as Json;
      assert.equal(body.choices[0].message.content, planted);
      assert.equal(body.usage.completion_tokens, tokensFor(planted));
      assert.equal(expectedUsage(last(mock)).completionTokens, tokensFor(planted));

      const utf8 = 'Grüße — 4111 1111 1111 1111\nzweite Zeile';
      const sres = await postJson(
        `${mock.url}/v1/messages`,
        { ...minimalMessages, stream: true },
        { 'x-mock-text-b64': Buffer.from(utf8).toString('base64') },
      );
      const text = parseSse(await sres.text())
        .map((e): Json => parseJson(e.data))
        .filter((d) => d.type === 'content_block_delta')
        .map((d) => d.delta.text as string)
        .join('');
      assert.equal(text, utf8);
    });

    it('x-mock-cached-tokens is reported per provider', async () => {
      const h = { 'x-mock-cached-tokens': '5' };
      const o = (await (await postJson(`${mock.url}/v1/chat/completions`, chatBody, h)).json()) as Json;
      assert.equal(o.usage.prompt_tokens_details.cached_tokens, 5);
      const a = (await (await postJson(`${mock.url}/v1/messages`, minimalMessages, h)).json()) as Json;
      assert.equal(a.usage.cache_read_input_tokens, 5);
      const g = (await (await postJson(`${mock.url}/v1beta/models/m:generateContent`, {}, h)).json()) as Json;
      assert.equal(g.usageMetadata.cachedContentTokenCount, 5);
      assert.equal(expectedUsage(last(mock)).cachedTokens, 5);
    });

    it('x-mock-delay-ms delays the response', async () => {
      const t0 = Date.now();
      const res = await postJson(`${mock.url}/v1/chat/completions`, chatBody, { 'x-mock-delay-ms': '120' });
      await res.arrayBuffer();
      assert.ok(Date.now() - t0 >= 110);
    });

    it('x-mock-stream-delay-ms spaces out streamed events', async () => {
      const t0 = Date.now();
      const res = await postJson(
        `${mock.url}/v1/chat/completions`,
        { ...chatBody, stream: true },
        { 'x-mock-stream-delay-ms': '20', 'x-mock-text': 'one two three' },
      );
      const events = parseSse(await res.text());
      // role, 3 content deltas, finish, [DONE] = 6 events → 5 pauses
      assert.equal(events.length, 6);
      assert.ok(Date.now() - t0 >= 95);
    });

    it('x-mock-stream-abort-after cuts the stream', async () => {
      const res = await postJson(
        `${mock.url}/v1/chat/completions`,
        { ...chatBody, stream: true },
        { 'x-mock-stream-abort-after': '3' },
      );
      await assert.rejects(res.text());
    });

    it('malformed JSON still gets a canned 200 and the raw bytes are recorded intact', async () => {
      const raw = Buffer.from([0x7b, 0x22, 0x6d, 0xff, 0xfe, 0x00, 0x0a, 0x7d, 0x2c]); // {"m<ff><fe><00>\n},
      const res = await fetch(`${mock.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: raw,
      });
      assert.equal(res.status, 200);
      const body = (await res.json()) as Json;
      assert.equal(body.choices[0].message.content, fx.openai.text);
      assert.equal(body.model, 'gpt-4o-mini');
      assert.equal(body.usage.prompt_tokens, Math.ceil(raw.length / 4));
      const rec = last(mock);
      assert.ok(rec.body.equals(raw));
      assert.equal(rec.json, undefined);
      assert.ok(!('json' in rec));

      const text = await (
        await fetch(`${mock.url}/v1/messages`, { method: 'POST', body: 'hello, not json' })
      ).json();
      assert.equal((text as Json).content[0].text, fx.anthropic.text);
      assert.equal(last(mock).body.toString(), 'hello, not json');
    });

    it('reset() clears recorded requests and restarts ids', async () => {
      await postJson(`${mock.url}/v1/chat/completions`, chatBody);
      await postJson(`${mock.url}/v1/chat/completions`, chatBody);
      assert.equal(mock.requests.length, 2);
      mock.reset();
      assert.equal(mock.requests.length, 0);
      assert.equal(mock.lastRequest(), undefined);
      const body = (await (await postJson(`${mock.url}/v1/chat/completions`, chatBody)).json()) as Json;
      assert.equal(body.id, 'chatcmpl-mock000001');
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

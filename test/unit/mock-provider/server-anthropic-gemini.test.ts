import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { expectedUsage, startMockProvider, streamPieces, tokensFor } from '../../../mock-provider/server.js';
import type { MockProvider } from '../../../mock-provider/server.js';
import { parseJson, parseSse, postJson, fx, last } from './server-fixtures.js';
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
});

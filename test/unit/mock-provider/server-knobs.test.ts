import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { errorMessage, expectedUsage, startMockProvider, tokensFor } from '../../../mock-provider/server.js';
import type { MockProvider } from '../../../mock-provider/server.js';
import {
  parseJson,
  parseSse,
  postJson,
  rawPost,
  fx,
  minimalMessages,
  chatBody,
  last,
} from './server-fixtures.js';
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
      const gBody = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] };
      const g = (await (
        await postJson(`${mock.url}/v1beta/models/m:generateContent`, gBody, h)
      ).json()) as Json;
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
});

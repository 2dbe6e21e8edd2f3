/**
 * The real server (transport + engine + kgateway exchange) driven by a scripted ext_proc client
 * that behaves as Envoy does.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import {
  ExtProcTestClient,
  metadataValue,
  requestBody,
  requestHeaders,
  responseBody,
  responseHeaders,
  responseTrailers,
} from '../helpers/extproc-client.js';
import type { Reply } from '../helpers/extproc-client.js';
import { metricValue, startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';

const KG = 'ai.kgateway.io';
const CHAT = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello, world!' }] });
const OPENAI_RESPONSE = JSON.stringify({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  model: 'gpt-4o-mini-2024-07-18',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hi!' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 11, completion_tokens: 3, total_tokens: 14 },
});

function bodyMutation(r: Reply) {
  return (r.request_body ?? r.response_body)?.response?.body_mutation ?? null;
}

describe('kgateway exchange over the scripted client', () => {
  let t: TestApp;
  let client: ExtProcTestClient;
  before(async () => {
    t = await startTestApp();
    client = new ExtProcTestClient(t.target);
  });
  after(async () => {
    client.close();
    await t.close();
  });

  it('emits auth_token on request headers, stripping only a leading "Bearer "', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ authorization: 'Bearer sk-123' }, 'sk-123'],
      [{ Authorization: 'bearer lower' }, 'bearer lower'],
      [{}, 'unknown'],
    ];
    for (const [headers, want] of cases) {
      const s = client.open({ 'x-llm-provider': 'openai' });
      s.send(requestHeaders({ ':path': '/v1/chat/completions', ':method': 'POST', ...headers }));
      const r = await s.next();
      assert.ok(r.request_headers);
      assert.equal(metadataValue(r, KG, 'auth_token'), want);
      s.endAndCancel();
    }
  });

  it('STREAMED request: every chunk passes unchanged; hits_addend rides on the response-headers reply', async () => {
    const s = client.open({ 'x-llm-provider': 'openai' });
    s.send(requestHeaders({ ':path': '/v1/chat/completions', authorization: 'Bearer k' }));
    await s.next();
    const parts = [CHAT.slice(0, 10), CHAT.slice(10, 30), CHAT.slice(30)];
    parts.forEach((p, i) => s.send(requestBody(p, i === parts.length - 1)));
    const replies = await s.take(3);
    for (const r of replies) assert.equal(bodyMutation(r), null);
    // Counted after the body reply went out (off the critical path), so it is not on that reply.
    assert.equal(metadataValue(replies[2]!, 'envoy.ratelimit', 'hits_addend'), undefined);
    s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
    const rh = await s.next();
    // 13 = kgateway's test vector for [{"role":"user","content":"Hello, world!"}] (test_token_count.py).
    assert.equal(metadataValue(rh, 'envoy.ratelimit', 'hits_addend'), 13);
    s.send(responseBody(OPENAI_RESPONSE, true));
    const rb = await s.next();
    assert.equal(metadataValue(rb, 'envoy.ratelimit', 'hits_addend'), undefined, 'sent once');
    assert.equal(metadataValue(rb, KG, 'rate_limited_tokens'), 13);
    s.endAndCancel();
  });

  it('ends the call itself (status OK) once both directions are over, without waiting for a half-close', async () => {
    const s = client.open({ 'x-llm-provider': 'openai' });
    s.send(requestHeaders({ ':path': '/v1/chat/completions' }));
    s.send(requestBody(CHAT, true));
    s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
    await s.take(3);
    assert.equal(await s.waitStatus(150), undefined, 'the response body is still to come');
    s.send(responseBody(OPENAI_RESPONSE, true));
    const last = await s.next();
    assert.equal(metadataValue(last, KG, 'completion_tokens'), 3);
    const st = await s.waitStatus();
    assert.equal(st?.code, 0, st?.details);
    s.endAndCancel();
  });

  it('every early-ended call gets its status before the reset (300 calls, 20 at a time, one connection)', async () => {
    const exchange = async (): Promise<number | undefined> => {
      const s = client.open({ 'x-llm-provider': 'openai' });
      s.send(requestHeaders({ ':path': '/v1/chat/completions' }));
      s.send(requestBody(CHAT, true));
      s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
      s.send(responseBody(OPENAI_RESPONSE, true));
      await s.take(4);
      const st = await s.waitStatus();
      s.endAndCancel();
      return st?.code;
    };
    const codes: (number | undefined)[] = [];
    for (let round = 0; round < 15; round++) {
      codes.push(...(await Promise.all(Array.from({ length: 20 }, exchange))));
    }
    assert.deepEqual(
      codes.filter((c) => c !== 0),
      [],
      'a call without status 0 lost its trailers',
    );
  });

  it('keeps the call open while trailers may still come (body without end_of_stream)', async () => {
    const s = client.open({ 'x-llm-provider': 'openai' });
    s.send(requestHeaders({ ':path': '/v1/chat/completions' }));
    s.send(requestBody(CHAT, true));
    s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
    s.send(responseBody(OPENAI_RESPONSE, false));
    await s.take(4);
    assert.equal(await s.waitStatus(150), undefined);
    s.send(responseTrailers({ 'grpc-status': '0' }));
    const tr = await s.next();
    assert.ok(tr.response_trailers);
    assert.equal(metadataValue(tr, KG, 'completion_tokens'), 3);
    assert.equal((await s.waitStatus())?.code, 0);
    s.endAndCancel();
  });

  it('in observability mode the call stays open for Envoy to close', async () => {
    const s = client.open({ 'x-llm-provider': 'openai' });
    const obs = { observability_mode: true };
    s.send({ ...requestHeaders({ ':path': '/v1/chat/completions' }), ...obs });
    s.send({ ...requestBody(CHAT, true), ...obs });
    s.send({ ...responseHeaders({ ':status': '200', 'content-type': 'application/json' }), ...obs });
    s.send({ ...responseBody(OPENAI_RESPONSE, true), ...obs });
    assert.equal(await s.waitStatus(200), undefined);
    assert.equal((await s.endGracefully()).code, 0);
  });

  it('a malformed JSON body passes through intact and counts an exception', async () => {
    const before = metricValue(await t.metrics(), 'ai_exception_raised_total', { llm: 'openai' }) ?? 0;
    const s = client.open({ 'x-llm-provider': 'openai' });
    s.send(requestHeaders({ ':path': '/v1/chat/completions' }));
    await s.next();
    s.send(requestBody('{"model": "x", "messages": [', false));
    s.send(requestBody('oops', true));
    const [a, b] = await s.take(2);
    assert.equal(bodyMutation(a!), null);
    assert.equal(bodyMutation(b!), null);
    assert.equal(b!.dynamic_metadata, null);
    s.endAndCancel();
    const now = metricValue(await t.metrics(), 'ai_exception_raised_total', { llm: 'openai' }) ?? 0;
    assert.equal(now, before + 1);
  });

  async function fullExchange(
    md: Record<string, string>,
    reqBody: string,
    respHeaders: Record<string, string>,
    respChunks: Buffer[],
  ): Promise<Reply> {
    const s = client.open(md);
    s.send(requestHeaders({ ':path': '/x', authorization: 'Bearer k' }));
    await s.next();
    s.send(requestBody(reqBody, true));
    await s.next();
    s.send(responseHeaders({ ':status': '200', ...respHeaders }));
    await s.next();
    respChunks.forEach((c, i) => s.send(responseBody(c, i === respChunks.length - 1)));
    const replies = await s.take(respChunks.length);
    for (const r of replies) assert.equal(bodyMutation(r), null, 'response bytes pass through untouched');
    for (const r of replies.slice(0, -1)) assert.equal(r.dynamic_metadata, null);
    s.endAndCancel();
    return replies[replies.length - 1]!;
  }

  it('non-streaming OpenAI response: final metadata and counters', async () => {
    const m0 = await t.metrics();
    const last = await fullExchange(
      { 'x-llm-provider': 'openai' },
      CHAT,
      { 'content-type': 'application/json' },
      [Buffer.from(OPENAI_RESPONSE.slice(0, 40)), Buffer.from(OPENAI_RESPONSE.slice(40))],
    );
    assert.equal(metadataValue(last, KG, 'prompt_tokens'), 11);
    assert.equal(metadataValue(last, KG, 'completion_tokens'), 3);
    assert.equal(metadataValue(last, KG, 'total_tokens'), 14);
    assert.equal(metadataValue(last, KG, 'rate_limited_tokens'), 13);
    assert.equal(metadataValue(last, KG, 'model'), 'gpt-4o-mini');
    assert.equal(metadataValue(last, KG, 'provider'), 'openai');
    assert.equal(metadataValue(last, KG, 'provider_model'), 'gpt-4o-mini-2024-07-18');
    assert.equal(metadataValue(last, KG, 'streaming'), false);
    const m1 = await t.metrics();
    const labels = { llm: 'openai', model: 'gpt-4o-mini' };
    const delta = (name: string) =>
      (metricValue(m1, name, labels) ?? 0) - (metricValue(m0, name, labels) ?? 0);
    assert.equal(delta('ai_prompt_tokens_total'), 11);
    assert.equal(delta('ai_completion_tokens_total'), 3);
    assert.equal(delta('ai_rate_limited_tokens_total'), 13);
  });

  it('gzip JSON response: usage is read from the decompressed body', async () => {
    const gz = zlib.gzipSync(OPENAI_RESPONSE);
    const last = await fullExchange(
      { 'x-llm-provider': 'azure_openai', 'x-llm-model': 'dep' },
      CHAT,
      { 'content-type': 'application/json; charset=utf-8', 'content-encoding': 'gzip' },
      [gz.subarray(0, 7), gz.subarray(7)],
    );
    assert.equal(metadataValue(last, KG, 'completion_tokens'), 3);
    assert.equal(metadataValue(last, KG, 'provider'), 'azure_openai');
  });

  it('SSE response split one byte at a time: usage from the final chunk, streaming=true', async () => {
    const sse =
      'data: {"id":"c","object":"chat.completion.chunk","model":"gpt-4o-mini-2024","choices":[{"index":0,"delta":{"content":"Hé"}}]}\n\n' +
      'data: {"id":"c","object":"chat.completion.chunk","model":"gpt-4o-mini-2024","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n' +
      'data: {"id":"c","object":"chat.completion.chunk","model":"gpt-4o-mini-2024","choices":[],"usage":{"prompt_tokens":21,"completion_tokens":7,"total_tokens":28}}\n\n' +
      'data: [DONE]\n\n';
    const bytes = Buffer.from(sse);
    const chunks = [...bytes].map((b) => Buffer.from([b]));
    const last = await fullExchange(
      { 'x-llm-provider': 'openai' },
      JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
      { 'content-type': 'text/event-stream' },
      chunks,
    );
    assert.equal(metadataValue(last, KG, 'prompt_tokens'), 21);
    assert.equal(metadataValue(last, KG, 'completion_tokens'), 7);
    assert.equal(metadataValue(last, KG, 'provider_model'), 'gpt-4o-mini-2024');
    assert.equal(metadataValue(last, KG, 'streaming'), true);
  });

  it('Anthropic SSE: input from message_start, output from message_delta', async () => {
    const ev = (type: string, data: object) =>
      `event: ${type}\r\ndata: ${JSON.stringify({ type, ...data })}\r\n\r\n`;
    const sse =
      ev('message_start', {
        message: { id: 'm', model: 'claude-3-5-haiku', usage: { input_tokens: 25, output_tokens: 1 } },
      }) +
      ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Hello' } }) +
      ev('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 15 } }) +
      ev('message_stop', {});
    const last = await fullExchange(
      { 'x-llm-provider': 'anthropic' },
      JSON.stringify({
        model: 'claude-3-5-haiku',
        stream: true,
        system: 'be brief',
        messages: [{ role: 'user', content: 'hi' }],
      }),
      { 'content-type': 'text/event-stream; charset=utf-8' },
      [Buffer.from(sse.slice(0, 50)), Buffer.from(sse.slice(50, 51)), Buffer.from(sse.slice(51))],
    );
    assert.equal(metadataValue(last, KG, 'prompt_tokens'), 25);
    assert.equal(metadataValue(last, KG, 'completion_tokens'), 15);
    assert.equal(metadataValue(last, KG, 'model'), 'claude-3-5-haiku');
    assert.equal(metadataValue(last, KG, 'provider_model'), 'claude-3-5-haiku');
  });

  it('Gemini SSE with repeated usageMetadata takes the last count, not the sum', async () => {
    const chunk = (text: string, cand: number, fin?: string) =>
      `data: ${JSON.stringify({
        candidates: [
          { content: { role: 'model', parts: [{ text }] }, ...(fin ? { finishReason: fin } : {}) },
        ],
        usageMetadata: { promptTokenCount: 9, candidatesTokenCount: cand, totalTokenCount: 9 + cand },
        modelVersion: 'gemini-2.0-flash-001',
      })}\r\n\r\n`;
    const sse = chunk('Hel', 1) + chunk('lo', 2) + chunk('!', 4, 'STOP');
    const last = await fullExchange(
      { 'x-llm-provider': 'gemini', 'x-llm-model': 'gemini-2.0-flash', 'x-chat-streaming': 'true' },
      JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
      { 'content-type': 'text/event-stream' },
      [Buffer.from(sse)],
    );
    assert.equal(metadataValue(last, KG, 'prompt_tokens'), 9);
    assert.equal(metadataValue(last, KG, 'completion_tokens'), 4);
    assert.equal(metadataValue(last, KG, 'model'), 'gemini-2.0-flash');
    assert.equal(metadataValue(last, KG, 'provider_model'), 'gemini-2.0-flash-001');
    assert.equal(metadataValue(last, KG, 'streaming'), true);
  });

  it('an unparseable guard config fails closed with a local 500', async () => {
    const s = client.open({
      'x-llm-provider': 'openai',
      'x-req-guardrails-config': '{not json',
      'x-req-guardrails-config-hash': '1',
    });
    s.send(requestHeaders({ ':path': '/v1/chat/completions' }));
    const r = await s.next();
    assert.equal(r.immediate_response?.status?.code, 'InternalServerError');
    s.endAndCancel();
  });

  it('interleaved messages: response headers before the request body ends', async () => {
    const s = client.open({ 'x-llm-provider': 'openai' });
    s.send(requestHeaders({ ':path': '/v1/chat/completions' }));
    await s.next();
    s.send(requestBody(CHAT.slice(0, 5), false));
    s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
    s.send(requestBody(CHAT.slice(5), true));
    s.send(responseBody(OPENAI_RESPONSE, true));
    const replies = await s.take(4);
    assert.deepEqual(
      replies.map((r) => r.response),
      ['request_body', 'response_headers', 'request_body', 'response_body'],
    );
    assert.equal(metadataValue(replies[3]!, KG, 'completion_tokens'), 3);
    s.endAndCancel();
  });

  it('observability mode: nothing is answered, but usage is still counted', async () => {
    const m0 = metricValue(await t.metrics(), 'ai_completion_tokens_total', { llm: 'obs' }) ?? 0;
    const s = client.open({ 'x-llm-provider': 'obs' });
    const obs = { observability_mode: true };
    s.send({ ...requestHeaders({ ':path': '/v1/chat/completions' }), ...obs });
    s.send({ ...requestBody(CHAT, true), ...obs });
    s.send({ ...responseHeaders({ ':status': '200', 'content-type': 'application/json' }), ...obs });
    s.send({ ...responseBody(OPENAI_RESPONSE, true), ...obs });
    await s.expectSilence(200);
    s.endAndCancel();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((metricValue(await t.metrics(), 'ai_completion_tokens_total', { llm: 'obs' }) ?? 0) - m0, 3);
  });

  it('BUFFERED and FULL_DUPLEX_STREAMED from protocol_config', async () => {
    const b = client.open({ 'x-llm-provider': 'openai' });
    b.send(requestHeaders({ ':path': '/v1/chat/completions' }, false, ['BUFFERED', 'BUFFERED']));
    await b.next();
    b.send(requestBody(CHAT, true));
    const rb = await b.next();
    assert.equal(bodyMutation(rb), null);
    b.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
    assert.equal(metadataValue(await b.next(), 'envoy.ratelimit', 'hits_addend'), 13);
    b.endAndCancel();

    const d = client.open({ 'x-llm-provider': 'openai' });
    d.send(
      requestHeaders({ ':path': '/v1/chat/completions' }, false, [
        'FULL_DUPLEX_STREAMED',
        'FULL_DUPLEX_STREAMED',
      ]),
    );
    await d.next();
    d.send(requestBody(CHAT.slice(0, 9), false));
    d.send(requestBody(CHAT.slice(9), true));
    const [p1, p2] = await d.take(2);
    const echoed = [p1!, p2!].map((r) => bodyMutation(r)?.streamed_response);
    assert.equal(Buffer.concat(echoed.map((e) => e!.body)).toString(), CHAT);
    assert.deepEqual(
      echoed.map((e) => e!.end_of_stream),
      [false, true],
    );
    d.endAndCancel();
  });

  it('a stream cancelled mid-body does not disturb the next one', async () => {
    const s = client.open({ 'x-llm-provider': 'openai' });
    s.send(requestHeaders({ ':path': '/v1/chat/completions' }));
    await s.next();
    s.send(requestBody(CHAT.slice(0, 5), false));
    await s.next();
    s.call.cancel();
    const s2 = client.open({ 'x-llm-provider': 'openai' });
    s2.send(requestHeaders({ ':path': '/v1/chat/completions', authorization: 'Bearer ok' }));
    assert.equal(metadataValue(await s2.next(), KG, 'auth_token'), 'ok');
    s2.endAndCancel();
  });

  it('GenAI metrics: duration for every exchange, TTFT only for streams, phase timings', async () => {
    const text = await t.metrics();
    const nonStream = {
      gen_ai_provider_name: 'openai',
      gen_ai_response_model: 'gpt-4o-mini-2024-07-18',
      error_type: '',
    };
    assert.ok((metricValue(text, 'gen_ai_server_request_duration_seconds_count', nonStream) ?? 0) >= 1);
    assert.equal(metricValue(text, 'gen_ai_server_time_to_first_token_seconds_count', nonStream), undefined);
    const stream = { gen_ai_operation_name: 'generate_content', gen_ai_response_model: 'gpt-4o-mini-2024' };
    assert.equal(metricValue(text, 'gen_ai_server_time_to_first_token_seconds_count', stream), 1);
    assert.equal(
      metricValue(text, 'gen_ai_client_token_usage_sum', { ...stream, gen_ai_token_type: 'output' }),
      7,
    );
    assert.equal(
      metricValue(text, 'gen_ai_client_token_usage_sum', {
        gen_ai_provider_name: 'gcp.gemini',
        gen_ai_token_type: 'input',
      }),
      9,
    );
    assert.ok(
      (metricValue(text, 'ai_extproc_phase_duration_seconds_count', { phase: 'response_body' }) ?? 0) > 0,
    );
  });

  it('one summary line per request, without credentials or content', () => {
    const all = JSON.stringify(t.logs);
    assert.equal(all.includes('sk-123'), false);
    assert.equal(all.includes('Hello, world!'), false);
    const summaries = t.logs.filter((l) => l.msg === 'request summary');
    const sse = summaries.find((l) => l.responseModel === 'gpt-4o-mini-2024');
    assert.equal(sse?.level, 'info');
    assert.equal(sse?.promptTokens, 21);
    assert.equal(sse?.completionTokens, 7);
    assert.equal(sse?.outcome, 'completed');
    assert.equal(typeof sse?.ttftMs, 'number');
    // Streams that ended before a response finished (headers-only tests, the cancelled one).
    assert.ok(summaries.some((l) => l.outcome === 'incomplete'));
    assert.ok(t.logs.some((l) => l.msg === 'ext_proc message' && l.level === 'debug'));
  });

  it('a graceful half-close gets status OK', async () => {
    const s = client.open({ 'x-llm-provider': 'openai' });
    s.send(requestHeaders({ ':path': '/v1/chat/completions' }, true));
    await s.next();
    const st = await s.endGracefully();
    assert.equal(st.code, 0);
  });
});

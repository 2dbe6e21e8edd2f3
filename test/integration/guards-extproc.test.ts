/** Guard semantics and error rules over the scripted ext_proc client (kgateway-contract.md §3, §5). */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ExtProcTestClient,
  immediateStatus,
  metadataValue,
  requestBody,
  requestHeaders,
  responseBody,
  responseHeaders,
} from '../helpers/extproc-client.js';
import type { Reply } from '../helpers/extproc-client.js';
import { metricValue, startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { freePort } from '../helpers/envoy.js';
import { estimatePromptTokens } from '../../src/tokens/prompt-estimate.js';

const CARD = '4111 1111 1111 1111';
const chat = (content: string) =>
  JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] });
const mutation = (r: Reply) => (r.request_body ?? r.response_body)?.response?.body_mutation ?? null;
const status = (r: Reply) => immediateStatus(r);
const bodyText = (r: Reply) => r.immediate_response?.body?.toString();

describe('guards over the scripted client', () => {
  let t: TestApp;
  let client: ExtProcTestClient;
  let closedPort: number;
  before(async () => {
    closedPort = await freePort();
    t = await startTestApp({
      GUARD_WEBHOOK_SCHEME: 'http',
      GUARD_DEADLINE_MS: '1500',
      MAX_BODY_BYTES: '65536',
    });
    client = new ExtProcTestClient(t.target);
  });
  after(async () => {
    client.close();
    await t.close();
  });

  async function request(md: Record<string, string>, chunks: string[]): Promise<Reply[]> {
    const s = client.open({ 'x-llm-provider': 'openai', ...md });
    s.send(requestHeaders({ ':path': '/v1/chat/completions', authorization: 'Bearer k' }));
    await s.next();
    chunks.forEach((c, i) => s.send(requestBody(c, i === chunks.length - 1)));
    const replies: Reply[] = [];
    for (;;) {
      const r = await s.next();
      replies.push(r);
      if (r.immediate_response || replies.filter((x) => x.request_body).length === chunks.length) break;
    }
    s.endAndCancel();
    return replies;
  }

  const rejectCfg = (extra: object = {}) => ({
    'x-req-guardrails-config': JSON.stringify({
      regex: { builtins: ['CREDIT_CARD'], action: 'REJECT' },
      ...extra,
    }),
    'x-req-guardrails-config-hash': `h${JSON.stringify(extra).length}`,
  });

  it('REJECT without customResponse is 403 (never 200) with the internal message', async () => {
    const [r] = await request(rejectCfg(), [chat(`card ${CARD}`)]);
    assert.equal(status(r!), 403);
    assert.equal(bodyText(r!), 'Rejected by guardrails regex');
    const ct = r!.immediate_response?.headers?.set_headers?.find((h) => h.header?.key === 'content-type');
    assert.equal(ct?.header?.raw_value?.toString(), 'text/plain');
  });

  it('keeps any valid customResponse status, such as 418', async () => {
    const [r] = await request(rejectCfg({ customResponse: { statusCode: 418, message: 'I am a teapot' } }), [
      chat(`card ${CARD}`),
    ]);
    assert.equal(status(r!), 418);
    assert.equal(bodyText(r!), 'I am a teapot');
  });

  it('MASK over a multi-chunk STREAMED body: one reply per chunk, the masked body on the last', async () => {
    const body = chat(`pay with ${CARD} today`);
    const md = {
      'x-req-guardrails-config': '{"regex":{"builtins":["CREDIT_CARD"],"action":"MASK"}}',
      'x-req-guardrails-config-hash': 'mask1',
    };
    const replies = await request(md, [body.slice(0, 20), body.slice(20, 40), body.slice(40)]);
    assert.equal(replies.length, 3);
    assert.equal(mutation(replies[0]!)?.clear_body, true);
    assert.equal(mutation(replies[1]!)?.clear_body, true);
    const sent = JSON.parse(mutation(replies[2]!)!.body!.toString()) as { messages: { content: string }[] };
    assert.equal(sent.messages[0]?.content, 'pay with <CREDIT_CARD> today');
  });

  it('the token estimate counts the original body, not the masked one, small and large', async () => {
    const md = {
      'x-req-guardrails-config': '{"regex":{"builtins":["CREDIT_CARD"],"action":"MASK"}}',
      'x-req-guardrails-config-hash': 'mask1',
    };
    // Small: counted before the guards, hits_addend on the body reply.
    const small = chat(`pay with ${CARD} today`);
    const want = estimatePromptTokens(JSON.parse(small) as Record<string, unknown>, 'openai');
    const masked = estimatePromptTokens(
      JSON.parse(chat('pay with <CREDIT_CARD> today')) as Record<string, unknown>,
      'openai',
    );
    assert.notEqual(want, masked);
    const [r] = await request(md, [small]);
    assert.equal(metadataValue(r!, 'envoy.ratelimit', 'hits_addend'), want);
    // Large (over the 32 KiB sync limit): counted after the reply, on a copy the mask cannot reach.
    const big = chat(`pay with ${CARD} today ${'lorem ipsum dolor '.repeat(2500)}`);
    const wantBig = estimatePromptTokens(JSON.parse(big) as Record<string, unknown>, 'openai');
    const s = client.open({ 'x-llm-provider': 'openai', ...md });
    s.send(requestHeaders({ ':path': '/v1/chat/completions' }));
    await s.next();
    s.send(requestBody(big, true));
    const rb = await s.next();
    assert.match(mutation(rb)!.body!.toString(), /<CREDIT_CARD>/);
    assert.equal(metadataValue(rb, 'envoy.ratelimit', 'hits_addend'), undefined);
    s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
    assert.equal(metadataValue(await s.next(), 'envoy.ratelimit', 'hits_addend'), wantBig);
    s.endAndCancel();
  });

  it('an unchanged guarded body goes out as the original bytes', async () => {
    const body =
      '{"model":"gpt-4o-mini",  "messages":[{"role":"user","content":"nothing here"}], "big": 12345678901234567890}';
    const md = {
      'x-req-guardrails-config': '{"regex":{"builtins":["CREDIT_CARD"],"action":"MASK"}}',
      'x-req-guardrails-config-hash': 'mask1',
    };
    const replies = await request(md, [body.slice(0, 30), body.slice(30)]);
    assert.equal(mutation(replies[1]!)?.body?.toString(), body);
  });

  it('a malformed body with guards configured is refused (400), never passed unguarded', async () => {
    const raw = '{"messages": [ {"content": "card 4111 1111 1111 1111"';
    const md = {
      'x-req-guardrails-config': '{"regex":{"builtins":["CREDIT_CARD"],"action":"MASK"}}',
      'x-req-guardrails-config-hash': 'mask1',
    };
    const replies = await request(md, [raw.slice(0, 10), raw.slice(10)]);
    assert.equal(status(replies.at(-1)!), 400);
    assert.equal(bodyText(replies.at(-1)!), 'The request body could not be read by its guardrails');
  });

  it('a held body over MAX_BODY_BYTES is answered 413, never flushed unguarded', async () => {
    const md = {
      'x-req-guardrails-config': '{"regex":{"builtins":["CREDIT_CARD"],"action":"MASK"}}',
      'x-req-guardrails-config-hash': 'mask1',
    };
    const big = chat('x'.repeat(70_000));
    const replies = await request(md, [big.slice(0, 40_000), big.slice(40_000)]);
    assert.equal(status(replies.at(-1)!), 413);
  });

  it('a webhook that cannot be reached rejects with the custom response (fail closed)', async () => {
    const cfg = {
      webhook: { host: { host: '127.0.0.1', port: closedPort } },
      customResponse: { statusCode: 503, message: 'guard down' },
    };
    const [r] = await request(
      { 'x-req-guardrails-config': JSON.stringify(cfg), 'x-req-guardrails-config-hash': 'wh-down' },
      [chat('hi')],
    );
    assert.equal(status(r!), 503);
    assert.equal(bodyText(r!), 'guard down');
    const m = await t.metrics();
    assert.ok(
      (metricValue(m, 'ai_guard_actions_total', { phase: 'request', guard: 'webhook', action: 'error' }) ??
        0) >= 1,
    );
  });

  async function response(respCfg: object, respBody: string): Promise<Reply> {
    const s = client.open({
      'x-llm-provider': 'openai',
      'x-resp-guardrails-config': JSON.stringify(respCfg),
      'x-resp-guardrails-config-hash': JSON.stringify(respCfg),
    });
    s.send(requestHeaders({ ':path': '/v1/chat/completions', 'accept-encoding': 'gzip' }));
    const rh = await s.next();
    assert.deepEqual(rh.request_headers?.response?.header_mutation?.remove_headers, ['accept-encoding']);
    s.send(requestBody(chat('q'), true));
    await s.next();
    s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
    await s.next();
    s.send(responseBody(respBody, true));
    const r = await s.next();
    s.endAndCancel();
    return r;
  }

  it('a response webhook failure is a 500 with the default message', async () => {
    const r = await response(
      { webhook: { host: { host: '127.0.0.1', port: closedPort } } },
      JSON.stringify({ choices: [{ message: { content: 'hi' } }] }),
    );
    assert.equal(status(r), 500);
    assert.equal(bodyText(r), 'The request was rejected due to inappropriate content');
  });

  it('pure tool-call responses are not guarded; every text choice is', async () => {
    const cfg = { regex: { builtins: ['CREDIT_CARD'], action: 'MASK' } };
    const tool = JSON.stringify({
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 't', type: 'function', function: { name: 'pay', arguments: `{"card":"${CARD}"}` } },
            ],
          },
          finish_reason: 'tool_calls',
        },
      ],
    });
    assert.equal(mutation(await response(cfg, tool)), null);
    const two = JSON.stringify({
      choices: [
        { index: 0, message: { role: 'assistant', content: `a ${CARD}` }, finish_reason: 'stop' },
        { index: 1, message: { role: 'assistant', content: `b ${CARD}` }, finish_reason: 'stop' },
      ],
    });
    const out = JSON.parse(mutation(await response(cfg, two))!.body!.toString()) as {
      choices: { message: { content: string } }[];
    };
    assert.deepEqual(
      out.choices.map((c) => c.message.content),
      ['a <CREDIT_CARD>', 'b <CREDIT_CARD>'],
    );
  });

  it('Gemini JSON-array streaming: every chunk is guarded, a card split across chunks too', async () => {
    const cfg = { regex: { builtins: ['CREDIT_CARD'], action: 'MASK' } };
    const s = client.open({
      'x-llm-provider': 'gemini',
      'x-resp-guardrails-config': JSON.stringify(cfg),
      'x-resp-guardrails-config-hash': 'gem-array',
    });
    s.send(requestHeaders({ ':path': '/v1beta/models/gemini-2.5-flash:streamGenerateContent' }));
    await s.next();
    s.send(requestBody(JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'q' }] }] }), true));
    await s.next();
    s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
    await s.next();
    const chunk = (text: string, last = false) => ({
      candidates: [
        {
          index: 0,
          content: { role: 'model', parts: [{ text }] },
          ...(last ? { finishReason: 'STOP' } : {}),
        },
      ],
      ...(last ? { usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 3 } } : {}),
    });
    const body = [chunk(`First ${CARD}. Then `), chunk('4111 1111 '), chunk('1111 1111 again.', true)];
    s.send(responseBody(JSON.stringify(body), true));
    const out = JSON.parse(mutation(await s.next())!.body!.toString()) as typeof body;
    const text = out.map((c) => c.candidates[0]!.content.parts[0]!.text).join('');
    assert.equal(text, 'First <CREDIT_CARD>. Then <CREDIT_CARD> again.');
    s.endAndCancel();
  });

  it('Anthropic: text next to tool_use is still guarded', async () => {
    const cfg = { regex: { builtins: ['CREDIT_CARD'], action: 'MASK' } };
    const s = client.open({
      'x-llm-provider': 'anthropic',
      'x-resp-guardrails-config': JSON.stringify(cfg),
      'x-resp-guardrails-config-hash': 'anth',
    });
    s.send(requestHeaders({ ':path': '/v1/messages' }));
    await s.next();
    s.send(
      requestBody(JSON.stringify({ model: 'claude', messages: [{ role: 'user', content: 'q' }] }), true),
    );
    await s.next();
    s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
    await s.next();
    const body = {
      type: 'message',
      role: 'assistant',
      content: [
        { type: 'text', text: `Charging ${CARD} now.` },
        { type: 'tool_use', id: 'tu', name: 'charge', input: { card: CARD } },
      ],
      usage: { input_tokens: 3, output_tokens: 9 },
    };
    s.send(responseBody(JSON.stringify(body), true));
    const out = JSON.parse(mutation(await s.next())!.body!.toString()) as typeof body;
    assert.equal(out.content[0]?.text, 'Charging <CREDIT_CARD> now.');
    s.endAndCancel();
  });
});

describe('guard work is bounded', () => {
  it('a prompt with too many phone-number candidates is rejected quickly (413), not scanned for seconds', async () => {
    const t = await startTestApp({ GUARD_PHONE_CHECK_BUDGET: '20000' });
    const client = new ExtProcTestClient(t.target);
    try {
      let hostile = '';
      for (let i = 0; hostile.length < 100_000; i++) hostile += `${i % 10} `;
      const s = client.open({
        'x-llm-provider': 'openai',
        'x-req-guardrails-config': '{"regex":{"builtins":["PHONE_NUMBER"],"action":"MASK"}}',
        'x-req-guardrails-config-hash': 'phone',
      });
      s.send(requestHeaders({ ':path': '/v1/chat/completions' }));
      await s.next();
      const t0 = performance.now();
      s.send(
        requestBody(JSON.stringify({ model: 'm', messages: [{ role: 'user', content: hostile }] }), true),
      );
      const r = await s.next(10_000);
      const ms = performance.now() - t0;
      assert.equal(immediateStatus(r), 413);
      assert.ok(ms < 1500, `took ${ms.toFixed(0)} ms`);
      s.endAndCancel();
      // Ordinary text on the same route is still masked.
      const ok = client.open({
        'x-llm-provider': 'openai',
        'x-req-guardrails-config': '{"regex":{"builtins":["PHONE_NUMBER"],"action":"MASK"}}',
        'x-req-guardrails-config-hash': 'phone',
      });
      ok.send(requestHeaders({ ':path': '/v1/chat/completions' }));
      await ok.next();
      ok.send(
        requestBody(
          JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'call +1 650-253-0000 today' }] }),
          true,
        ),
      );
      const body = (await ok.next()).request_body?.response?.body_mutation?.body?.toString() ?? '';
      assert.match(body, /call <PHONE_NUMBER> today/);
      ok.endAndCancel();
    } finally {
      client.close();
      await t.close();
    }
  });
});

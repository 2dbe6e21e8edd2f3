/**
 * Prompt and response guards end to end through real Envoy in kgateway's configuration, with the
 * official openai SDK: regex/PII masking both ways (streaming and not), REJECT, the webhook guard
 * (https with a self-signed certificate, as kgateway calls it) and OpenAI moderation, against
 * local mocks.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import OpenAI from 'openai';
import { startKgatewayStack } from '../helpers/stack.js';
import type { KgatewayStack } from '../helpers/stack.js';
import { opensslAvailable, startWebhookServer } from '../helpers/webhook-server.js';
import type { WebhookServer } from '../helpers/webhook-server.js';
import { startModerationMock } from '../helpers/moderation-mock.js';
import type { ModerationMock } from '../helpers/moderation-mock.js';
import { metricValue } from '../helpers/app.js';

const CARD = '4111 1111 1111 1111';
const EMAIL = 'jane.doe@example.com';
const SSN = '536-90-4399';
const PHONE = '+1 650-253-0000';

describe('guards through real Envoy', () => {
  let stack: KgatewayStack;
  let webhook: WebhookServer;
  let moderation: ModerationMock;
  const client = (prefix: string): OpenAI =>
    new OpenAI({ baseURL: `${stack.envoy.url}/${prefix}/v1`, apiKey: 'sk-client', maxRetries: 0 });
  const b64 = (text: string): string => Buffer.from(text).toString('base64');

  before(async () => {
    const tls = opensslAvailable();
    webhook = await startWebhookServer({ tls });
    moderation = await startModerationMock();
    stack = await startKgatewayStack(
      { OPENAI_BASE_URL: moderation.baseUrl, GUARD_WEBHOOK_SCHEME: tls ? 'https' : 'http' },
      { WEBHOOK_PORT: webhook.port },
    );
  });
  after(async () => {
    await stack?.close();
    await webhook?.close();
    await moderation?.close();
  });

  it('REJECT answers 403 text/plain with the custom message; the upstream is never called', async () => {
    const calls = stack.mock.requests.length;
    for (const content of ['tell me about the forbidden   topic', `my ssn is ${SSN}`]) {
      const r = await fetch(`${stack.envoy.url}/reject/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }),
      });
      assert.equal(r.status, 403);
      assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
      assert.equal(await r.text(), 'Rejected due to inappropriate content');
    }
    await assert.rejects(
      client('reject').chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'forbidden topic' }],
      }),
      (e: unknown) => e instanceof OpenAI.APIError && e.status === 403,
    );
    assert.equal(stack.mock.requests.length, calls);
    // A clean prompt on the same route goes through.
    const ok = await client('reject').chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hello' }],
    });
    assert.ok(ok.choices[0]?.message.content);
  });

  it('builtins and custom patterns are masked in the request the upstream receives', async () => {
    const content = `card ${CARD}, mail ${EMAIL}, ssn ${SSN}, phone ${PHONE}, about Project  Bluebird.`;
    await client('guarded').chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'be helpful' },
        { role: 'user', content: [{ type: 'text', text: content }] },
      ],
    });
    const sent = stack.mock.lastRequest()!.body.toString();
    for (const raw of [CARD, EMAIL, SSN, '650-253-0000', 'Bluebird'])
      assert.equal(sent.includes(raw), false, raw);
    for (const mask of ['<CREDIT_CARD>', '<EMAIL_ADDRESS>', '<US_SSN>', '<PHONE_NUMBER>', '<CUSTOM>'])
      assert.ok(sent.includes(mask), mask);
    assert.ok(sent.includes('be helpful'));
  });

  it('builtins are masked in every choice of a JSON response, gzipped or not', async () => {
    const text = `Your card ${CARD} is on file; write to ${EMAIL}.`;
    const res = await client('guarded').chat.completions.create(
      { model: 'gpt-4o-mini', n: 2, messages: [{ role: 'user', content: 'what is on file?' }] },
      { headers: { 'x-mock-text-b64': b64(text) } },
    );
    assert.equal(res.choices.length, 2);
    for (const c of res.choices) {
      assert.ok(c.message.content?.includes('<CREDIT_CARD>'));
      assert.ok(c.message.content?.includes('<EMAIL_ADDRESS>'));
      assert.equal(c.message.content?.includes(CARD), false);
    }
    // node:http, not fetch: fetch would gunzip silently, and the point is that the body is gzip again.
    const { encoding, raw } = await new Promise<{ encoding: string | undefined; raw: Buffer }>(
      (resolve, reject) => {
        const req = http.request(
          `${stack.envoy.url}/guarded/v1/chat/completions`,
          {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-mock-gzip': '1', 'x-mock-text-b64': b64(text) },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({ encoding: res.headers['content-encoding'], raw: Buffer.concat(chunks) }),
            );
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }));
      },
    );
    assert.equal(encoding, 'gzip');
    const body = zlib.gunzipSync(raw).toString();
    assert.ok(body.includes('<CREDIT_CARD>'));
    assert.equal(body.includes(CARD), false);
  });

  it('streaming: a card split across tiny chunks never reaches the client; clean text is unchanged', async () => {
    const text = `Sure. The number is ${CARD} and the mail is ${EMAIL}. Nothing else to add here, thanks!`;
    for (const chunkBytes of ['1', '3', '17']) {
      const stream = await client('guarded').chat.completions.create(
        { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'stream it' }] },
        { headers: { 'x-mock-text-b64': b64(text), 'x-mock-chunk-bytes': chunkBytes } },
      );
      let out = '';
      for await (const c of stream) out += c.choices[0]?.delta.content ?? '';
      assert.equal(
        out,
        text.replace(CARD, '<CREDIT_CARD>').replace(EMAIL, '<EMAIL_ADDRESS>'),
        `chunk ${chunkBytes}`,
      );
    }
    const clean = 'A plain answer, with no secrets at all. It should arrive exactly as written; really.';
    const stream = await client('guarded').chat.completions.create(
      { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'x' }] },
      { headers: { 'x-mock-text-b64': b64(clean), 'x-mock-chunk-bytes': '5' } },
    );
    let out = '';
    for await (const c of stream) out += c.choices[0]?.delta.content ?? '';
    assert.equal(out, clean);
  });

  it('Anthropic: masked request and masked streaming response', async () => {
    const text = `Card ${CARD}. Mail ${EMAIL}. That is all for today, goodbye now.`;
    const r = await fetch(`${stack.envoy.url}/guarded/v1/messages`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-mock-text-b64': b64(text),
        'x-mock-chunk-bytes': '4',
      },
      body: JSON.stringify({
        model: 'claude-3-5-haiku-latest',
        max_tokens: 100,
        stream: true,
        system: `my mail is ${EMAIL}`,
        messages: [{ role: 'user', content: [{ type: 'text', text: `card ${CARD}` }] }],
      }),
    });
    const sse = await r.text();
    const sent = stack.mock.lastRequest()!.body.toString();
    assert.equal(sent.includes(CARD) || sent.includes(EMAIL), false);
    let out = '';
    for (const line of sse.split('\n')) {
      if (!line.startsWith('data: ')) continue;
      const ev = JSON.parse(line.slice(6)) as { type: string; delta?: { text?: string } };
      if (ev.type === 'content_block_delta') out += ev.delta?.text ?? '';
    }
    assert.equal(out, text.replace(CARD, '<CREDIT_CARD>').replace(EMAIL, '<EMAIL_ADDRESS>'));
  });

  it('webhook: pass, mask and reject on requests; mask on responses; headers forwarded by match', async () => {
    const wh = client('webhook');
    const pass = await wh.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello webhook' }] },
      { headers: { 'x-user': 'alice' } },
    );
    assert.ok(pass.choices[0]?.message.content);
    const call = webhook.requests.find((c) => c.phase === 'request');
    assert.equal(call?.headers['x-user'], 'alice');
    assert.equal(call?.headers.authorization, undefined, 'credentials are not forwarded');

    await wh.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'please mask-me now' }],
    });
    assert.ok(stack.mock.lastRequest()!.body.toString().includes('please <MASKED> now'));

    const r = await fetch(`${stack.envoy.url}/webhook/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'reject-me please' }],
      }),
    });
    assert.equal(r.status, 403);
    assert.equal(await r.text(), 'Rejected by webhook');

    const masked = await wh.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'tell' }] },
      { headers: { 'x-mock-text': 'the secret-word is swordfish' } },
    );
    assert.equal(masked.choices[0]?.message.content, 'the <REDACTED> is swordfish');

    const stream = await wh.chat.completions.create(
      { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'tell' }] },
      {
        headers: {
          'x-mock-text': 'Well. The secret-word is swordfish, and that is the end of it.',
          'x-mock-chunk-bytes': '7',
        },
      },
    );
    let out = '';
    for await (const c of stream) out += c.choices[0]?.delta.content ?? '';
    assert.equal(out, 'Well. The <REDACTED> is swordfish, and that is the end of it.');
  });

  it('moderation: a flagged prompt is rejected with 403; the inline token is used', async () => {
    const r = await fetch(`${stack.envoy.url}/moderation/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client' },
      body: JSON.stringify({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'I will kill the process' }],
      }),
    });
    assert.equal(r.status, 403);
    assert.equal(await r.text(), 'Rejected by guardrails moderation');
    assert.equal(moderation.requests.at(-1)?.token, 'sk-moderation-inline');
    const ok = await client('moderation').chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'a kind question' }],
    });
    assert.ok(ok.choices[0]?.message.content);
  });

  it('a guarded body over Envoy’s buffer limit is answered 413 at once, never flushed unguarded', async () => {
    const calls = stack.mock.requests.length;
    // Envoy's default per-connection buffer limit is 1 MiB; this body is over it and under MAX_BODY_BYTES.
    const content = `card ${CARD} ${'lorem ipsum dolor sit amet '.repeat(80_000)}`;
    const r = await fetch(`${stack.envoy.url}/guarded/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }),
    });
    assert.equal(r.status, 413);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(await r.text(), 'Request body too large');
    assert.equal(stack.mock.requests.length, calls);
  });

  it('guard decisions are counted', async () => {
    const text = await stack.ext.metrics();
    assert.ok(
      (metricValue(text, 'ai_guard_actions_total', { phase: 'request', guard: 'regex', action: 'reject' }) ??
        0) >= 2,
    );
    assert.ok(
      (metricValue(text, 'ai_guard_actions_total', { phase: 'request', guard: 'regex', action: 'mask' }) ??
        0) >= 1,
    );
    assert.ok(
      (metricValue(text, 'ai_guard_actions_total', { phase: 'response', guard: 'webhook', action: 'mask' }) ??
        0) >= 1,
    );
    assert.ok(
      (metricValue(text, 'ai_guard_actions_total', {
        phase: 'request',
        guard: 'moderation',
        action: 'reject',
      }) ?? 0) >= 1,
    );
    assert.ok(
      (metricValue(text, 'ai_guard_webhook_duration_seconds_count', { phase: 'request', outcome: 'ok' }) ??
        0) >= 3,
    );
    // Decisions are logged without the masked text.
    assert.equal(JSON.stringify(stack.ext.logs).includes(CARD), false);
  });
});

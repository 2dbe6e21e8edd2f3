/**
 * Standalone mode and bodies the guards cannot read (scripted ext_proc client): compressed requests
 * are decoded and translated, unreadable ones refused in the client's JSON error format; guarded
 * responses are decoded (br, deflate, BOM), masked and encoded back, or fail closed with a JSON 500.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { brotliCompressSync, brotliDecompressSync, deflateSync, gzipSync, inflateSync } from 'node:zlib';
import {
  ExtProcTestClient,
  immediateStatus,
  requestBody,
  requestHeaders,
  responseBody,
  responseHeaders,
} from '../helpers/extproc-client.js';
import type { Reply } from '../helpers/extproc-client.js';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';

const CARD = '4111 1111 1111 1111';
const CONFIG = `version: 1
backends:
  openai: { provider: openai, cluster: openai, auth: { none: true } }
routes:
  - name: guarded
    match: { pathPrefix: /v1/chat/completions }
    models: { fast: { backend: openai, model: gpt-4o-mini } }
    policy:
      guards:
        request: { regex: { action: MASK, builtins: [CREDIT_CARD] } }
        response: { regex: { action: MASK, builtins: [CREDIT_CARD] } }
`;
const chat = (content: string): Buffer =>
  Buffer.from(JSON.stringify({ model: 'fast', messages: [{ role: 'user', content }] }));
const completion = (content: string): Buffer =>
  Buffer.from(
    JSON.stringify({
      id: 'c',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
    }),
  );
const errorOf = (r: Reply) =>
  (JSON.parse(r.immediate_response?.body?.toString() ?? '') as { error: { message: string; type: string } })
    .error;

describe('standalone: bodies the guards cannot read', () => {
  let t: TestApp;
  let client: ExtProcTestClient;
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-unreadable-'));
    fs.writeFileSync(path.join(dir, 'config.yaml'), CONFIG);
    t = await startTestApp({ AI_EXTPROC_CONFIG: path.join(dir, 'config.yaml'), MAX_BODY_BYTES: '65536' });
    client = new ExtProcTestClient(t.target);
  });
  after(async () => {
    client.close();
    await t.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function send(body: Buffer, headers: Record<string, string> = {}): Promise<Reply> {
    const s = client.open({});
    s.send(requestHeaders({ ':path': '/v1/chat/completions', ...headers }, false, ['BUFFERED', 'STREAMED']));
    await s.next();
    s.send(requestBody(body, true));
    const r = await s.next();
    s.endAndCancel();
    return r;
  }

  it('a gzip request is decoded, masked and sent upstream unencoded (content-encoding removed)', async () => {
    const r = await send(gzipSync(chat(`pay ${CARD}`)), { 'content-encoding': 'gzip' });
    const res = r.request_body!.response!;
    const sent = JSON.parse(res.body_mutation!.body!.toString()) as { messages: { content: string }[] };
    assert.equal(sent.messages.at(-1)?.content, 'pay <CREDIT_CARD>');
    assert.ok(res.header_mutation?.remove_headers?.includes('content-encoding'));
  });

  it('unreadable requests get 400/415 in the OpenAI error format', async () => {
    const nan = await send(Buffer.from(`{"model":"fast","temperature":NaN,"messages":[]}`));
    assert.equal(immediateStatus(nan), 400);
    assert.equal(errorOf(nan).type, 'invalid_request_error');
    const utf16 = await send(Buffer.from(`\ufeff${chat(CARD).toString()}`, 'utf16le'));
    assert.equal(immediateStatus(utf16), 400);
    const zstd = await send(chat(CARD), { 'content-encoding': 'zstd' });
    assert.equal(immediateStatus(zstd), 415);
    assert.equal(errorOf(zstd).type, 'invalid_request_error');
  });

  async function respond(body: Buffer, headers: Record<string, string>): Promise<Reply> {
    const s = client.open({});
    s.send(requestHeaders({ ':path': '/v1/chat/completions' }, false, ['BUFFERED', 'STREAMED']));
    await s.next();
    s.send(requestBody(chat('q'), true));
    await s.next();
    s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json', ...headers }));
    await s.next();
    s.send(responseBody(body, true));
    const r = await s.next();
    s.endAndCancel();
    return r;
  }

  it('br, deflate and BOM responses are decoded and masked', async () => {
    const bodies: [Buffer, Record<string, string>][] = [
      [brotliCompressSync(completion(`card ${CARD}`)), { 'content-encoding': 'br' }],
      [deflateSync(completion(`card ${CARD}`)), { 'content-encoding': 'deflate' }],
      [Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), completion(`card ${CARD}`)]), {}],
    ];
    for (const [body, headers] of bodies) {
      const r = await respond(body, headers);
      // Same API (OpenAI on OpenAI): the masked body goes back in the coding it came in.
      const raw = r.response_body!.response!.body_mutation!.body!;
      const coding = headers['content-encoding'];
      const out = (
        coding === 'br' ? brotliDecompressSync(raw) : coding === 'deflate' ? inflateSync(raw) : raw
      ).toString();
      assert.match(out, /card <CREDIT_CARD>/, JSON.stringify(headers));
    }
  });

  it('a truncated or over-inflating guarded response fails closed with a JSON 500', async () => {
    for (const [body, headers] of [
      [completion(`card ${CARD}`).subarray(0, 40), {}],
      [gzipSync(completion('a'.repeat(200_000))), { 'content-encoding': 'gzip' }],
    ] as [Buffer, Record<string, string>][]) {
      const r = await respond(body, headers);
      assert.equal(immediateStatus(r), 500);
      assert.equal(errorOf(r).message, 'The request was rejected due to inappropriate content');
    }
  });
});

/**
 * Guarded routes fail closed on bodies their guards cannot read (kgateway mode, scripted ext_proc
 * client): request bodies are decoded (gzip, deflate, br, a UTF-8 BOM), guarded and re-encoded, or
 * refused with a 4xx; responses are decoded or answered 500. Unguarded routes still pass any body
 * byte-identical.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  brotliCompressSync,
  brotliDecompressSync,
  deflateSync,
  gzipSync,
  inflateSync,
  gunzipSync,
} from 'node:zlib';
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
const chat = (content: string): string =>
  JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] });
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const mutation = (r: Reply) => (r.request_body ?? r.response_body)?.response?.body_mutation ?? null;
const text = (r: Reply) => r.immediate_response?.body?.toString();
const GUARD_FAILURE = 'The request was rejected due to inappropriate content';
const UNREADABLE = 'The request body could not be read by its guardrails';

const reqGuard = (action: 'MASK' | 'REJECT') => ({
  'x-req-guardrails-config': JSON.stringify({ regex: { builtins: ['CREDIT_CARD'], action } }),
  'x-req-guardrails-config-hash': `unreadable-${action}`,
});
const RESP_GUARD = {
  'x-resp-guardrails-config': JSON.stringify({ regex: { builtins: ['CREDIT_CARD'], action: 'MASK' } }),
  'x-resp-guardrails-config-hash': 'unreadable-resp',
};

describe('guarded routes and bodies their guards cannot read', () => {
  let t: TestApp;
  let client: ExtProcTestClient;
  before(async () => {
    t = await startTestApp({ MAX_BODY_BYTES: '65536' });
    client = new ExtProcTestClient(t.target);
  });
  after(async () => {
    client.close();
    await t.close();
  });

  /** One request body through a route; returns the reply to its last chunk. */
  async function send(md: Record<string, string>, body: Buffer, headers: Record<string, string> = {}) {
    const s = client.open({ 'x-llm-provider': 'openai', ...md });
    s.send(requestHeaders({ ':path': '/v1/chat/completions', ...headers }));
    await s.next();
    s.send(requestBody(body, true));
    const r = await s.next();
    s.endAndCancel();
    return r;
  }

  const codings: [string, (b: Buffer) => Buffer, (b: Buffer) => Buffer][] = [
    ['gzip', gzipSync, gunzipSync],
    ['deflate', deflateSync, inflateSync],
    ['br', brotliCompressSync, brotliDecompressSync],
  ];

  for (const [name, encode, decode] of codings) {
    it(`MASK: a ${name} request body is decoded, masked and re-encoded as ${name}`, async () => {
      const r = await send(reqGuard('MASK'), encode(Buffer.from(chat(`pay ${CARD}`))), {
        'content-encoding': name,
      });
      const out = JSON.parse(decode(mutation(r)!.body!).toString()) as { messages: { content: string }[] };
      assert.equal(out.messages[0]?.content, 'pay <CREDIT_CARD>');
    });

    it(`REJECT: a ${name} request body with a card is rejected`, async () => {
      const r = await send(reqGuard('REJECT'), encode(Buffer.from(chat(`pay ${CARD}`))), {
        'content-encoding': name,
      });
      assert.equal(immediateStatus(r), 403);
    });
  }

  it('a UTF-8 BOM is read: MASK masks, REJECT rejects', async () => {
    const body = Buffer.concat([BOM, Buffer.from(chat(`pay ${CARD}`))]);
    const masked = await send(reqGuard('MASK'), body);
    assert.match(mutation(masked)!.body!.toString(), /pay <CREDIT_CARD>/);
    assert.equal(immediateStatus(await send(reqGuard('REJECT'), body)), 403);
  });

  it('UTF-16, NaN/Infinity literals and corrupt gzip are refused with a 400 in text/plain', async () => {
    const bodies: [Buffer, Record<string, string>][] = [
      [Buffer.from(`\ufeff${chat(`pay ${CARD}`)}`, 'utf16le'), {}],
      [Buffer.from(`{"model":"m","temperature":NaN,"messages":[{"role":"user","content":"${CARD}"}]}`), {}],
      [Buffer.from(`{"model":"m","top_p":Infinity,"messages":[{"role":"user","content":"${CARD}"}]}`), {}],
      [Buffer.from('not really gzip'), { 'content-encoding': 'gzip' }],
    ];
    for (const action of ['MASK', 'REJECT'] as const)
      for (const [body, headers] of bodies) {
        const r = await send(reqGuard(action), body, headers);
        assert.equal(immediateStatus(r), 400, `${action} ${body.subarray(0, 12).toString('hex')}`);
        assert.equal(text(r), UNREADABLE);
        const ct = r.immediate_response?.headers?.set_headers?.find((h) => h.header?.key === 'content-type');
        assert.equal(ct?.header?.raw_value?.toString(), 'text/plain');
      }
  });

  it('an unsupported content-encoding is refused with 415; a gzip bomb with 413', async () => {
    const r = await send(reqGuard('MASK'), Buffer.from(chat(CARD)), { 'content-encoding': 'zstd' });
    assert.equal(immediateStatus(r), 415);
    const bomb = gzipSync(Buffer.from(chat('a'.repeat(200_000))));
    assert.ok(bomb.length < 65536);
    const big = await send(reqGuard('MASK'), bomb, { 'content-encoding': 'gzip' });
    assert.equal(immediateStatus(big), 413);
  });

  it('an unguarded route still passes any body byte-identical', async () => {
    for (const [body, headers] of [
      [Buffer.from(`\ufeff${chat(CARD)}`, 'utf16le'), {}],
      [gzipSync(Buffer.from(chat(CARD))), { 'content-encoding': 'gzip' }],
      [Buffer.from('{"temperature":NaN'), {}],
    ] as [Buffer, Record<string, string>][]) {
      const r = await send({}, body, headers);
      assert.equal(r.immediate_response, undefined);
      assert.equal(mutation(r), null);
    }
  });

  /** One JSON response through a response-guarded route; returns the reply to its body. */
  async function respond(body: Buffer, headers: Record<string, string>): Promise<Reply> {
    const s = client.open({ 'x-llm-provider': 'openai', ...RESP_GUARD });
    s.send(requestHeaders({ ':path': '/v1/chat/completions' }));
    await s.next();
    s.send(requestBody(chat('q'), true));
    await s.next();
    s.send(responseHeaders({ ':status': '200', ...headers }));
    const rh = await s.next();
    if (rh.immediate_response) {
      s.endAndCancel();
      return rh;
    }
    s.send(responseBody(body, true));
    const r = await s.next();
    s.endAndCancel();
    return r;
  }

  const completion = (content: string): string =>
    JSON.stringify({
      id: 'c',
      model: 'gpt-4o-mini',
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1, completion_tokens: 2 },
    });

  for (const [name, encode, decode] of codings) {
    it(`a ${name} JSON response is decoded, masked and re-encoded as ${name}`, async () => {
      const r = await respond(encode(Buffer.from(completion(`card ${CARD}`))), {
        'content-type': 'application/json',
        'content-encoding': name,
      });
      assert.match(decode(mutation(r)!.body!).toString(), /card <CREDIT_CARD>/);
    });
  }

  it('a JSON response with a BOM is masked', async () => {
    const r = await respond(Buffer.concat([BOM, Buffer.from(completion(`card ${CARD}`))]), {
      'content-type': 'application/json',
    });
    assert.match(mutation(r)!.body!.toString(), /card <CREDIT_CARD>/);
  });

  it('truncated JSON, a gzip bomb, SSE without content-type and an unknown coding fail closed (500)', async () => {
    const sse = `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: `card ${CARD}` } }] })}\n\ndata: [DONE]\n\n`;
    const cases: [Buffer, Record<string, string>][] = [
      [Buffer.from(completion(`card ${CARD}`).slice(0, -10)), { 'content-type': 'application/json' }],
      [
        gzipSync(Buffer.from(completion(`card ${CARD} ${'a'.repeat(200_000)}`))),
        { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      ],
      [Buffer.from(sse), {}],
      [
        Buffer.from(completion(`card ${CARD}`)),
        { 'content-type': 'application/json', 'content-encoding': 'zstd' },
      ],
    ];
    for (const [body, headers] of cases) {
      const r = await respond(body, headers);
      assert.equal(immediateStatus(r), 500, JSON.stringify(headers));
      assert.equal(text(r), GUARD_FAILURE);
    }
  });
});

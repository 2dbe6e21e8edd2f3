/**
 * The embeddings codec through the ext_proc protocol (scripted client = what Envoy sends): OpenAI's
 * answer passes byte for byte; a translated answer is rewritten (base64 float32 when asked, gzip
 * from the upstream decoded), usage lands in the metadata; SigV4 on Bedrock; Bedrock's token header;
 * errors and refusals in OpenAI's format (a backend without embeddings, bad input, a non-JSON answer).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  ExtProcTestClient,
  headerValue,
  immediateStatus,
  metadataValue,
  requestBody,
  requestHeaders,
  responseBody,
  responseHeaders,
} from '../helpers/extproc-client.js';
import type { Reply, ScriptedStream } from '../helpers/extproc-client.js';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { base64Float32 } from '../../src/providers/embeddings/index.js';

const CONFIG = `version: 1
backends:
  openai: { provider: openai, baseUrl: https://api.openai.com, cluster: openai, auth: { none: true } }
  gemini: { provider: gemini, baseUrl: https://generativelanguage.googleapis.com, cluster: gemini, auth: { none: true } }
  anthropic: { provider: anthropic, baseUrl: https://api.anthropic.com, cluster: anthropic, auth: { none: true } }
  bedrock:
    provider: bedrock
    bedrock: { region: us-east-1 }
    cluster: bedrock
    auth: { aws: { accessKeyId: { env: T_AWS_ID }, secretAccessKey: { env: T_AWS_SECRET } } }
routes:
  - name: emb
    match: { pathPrefix: /v1/embeddings }
    models:
      small: { backend: openai, model: text-embedding-3-small }
      gem: { backend: gemini, model: gemini-embedding-001 }
      claude: { backend: anthropic, model: claude-sonnet-4-5 }
      cohere: { backend: bedrock, model: cohere.embed-english-v3 }
`;
const V = [0.5, -0.25, 1];

describe('embeddings codec', () => {
  let t: TestApp;
  let client: ExtProcTestClient;
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-embeddings-'));
    fs.writeFileSync(path.join(dir, 'config.yaml'), CONFIG);
    t = await startTestApp(
      { AI_EXTPROC_CONFIG: path.join(dir, 'config.yaml') },
      { secretsEnv: { T_AWS_ID: 'AKIDEXAMPLE', T_AWS_SECRET: 'secret/EXAMPLEKEY' } },
    );
    client = new ExtProcTestClient(t.target);
  });
  after(async () => {
    client.close();
    await t.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function send(body: unknown): Promise<{ s: ScriptedStream; r: Reply }> {
    const s = client.open({});
    s.send(
      requestHeaders({ ':path': '/v1/embeddings', ':authority': 'gw' }, false, ['BUFFERED', 'STREAMED']),
    );
    await s.next();
    s.send(requestBody(typeof body === 'string' ? body : JSON.stringify(body), true));
    return { s, r: await s.next() };
  }
  async function answer(
    s: ScriptedStream,
    status: string,
    headers: Record<string, string>,
    body: string | Buffer,
  ): Promise<{ head: Reply; last: Reply; out: string }> {
    s.send(responseHeaders({ ':status': status, ...headers }));
    const head = await s.next();
    s.send(responseBody(body, true));
    const last = await s.next();
    s.endAndCancel();
    const m = last.response_body?.response?.body_mutation;
    const out = m
      ? (m.body?.toString() ?? '')
      : last.immediate_response
        ? last.immediate_response.body.toString()
        : body.toString();
    return { head, last, out };
  }
  const sentBody = (r: Reply): unknown =>
    JSON.parse(r.request_body!.response!.body_mutation!.body!.toString());
  const sentHeader = (r: Reply, k: string): string | undefined =>
    headerValue(r.request_body?.response?.header_mutation?.set_headers, k);

  it('OpenAI: the model alias changes, the answer passes byte for byte, its usage is read', async () => {
    const { s, r } = await send({ model: 'small', input: ['a', 'b'], encoding_format: 'base64' });
    assert.deepEqual(sentBody(r), {
      model: 'text-embedding-3-small',
      input: ['a', 'b'],
      encoding_format: 'base64',
    });
    assert.equal(sentHeader(r, ':path'), '/v1/embeddings');
    const body = JSON.stringify({
      object: 'list',
      data: [],
      model: 'text-embedding-3-small',
      usage: { prompt_tokens: 2, total_tokens: 2 },
    });
    const { last, out } = await answer(s, '200', { 'content-type': 'application/json' }, body);
    assert.equal(last.response_body?.response?.body_mutation, null);
    assert.equal(out, body);
    assert.equal(metadataValue(last, 'ai_extproc', 'prompt_tokens'), 2);
    assert.equal(metadataValue(last, 'ai_extproc', 'completion_tokens'), 0);
  });

  it('Gemini: a gzip answer is decoded, rewritten as OpenAI base64 float32, usage estimated', async () => {
    const { s, r } = await send({ model: 'gem', input: 'hello world', encoding_format: 'base64', user: 'u' });
    assert.equal(sentHeader(r, ':path'), '/v1beta/models/gemini-embedding-001:embedContent');
    const gz = gzipSync(JSON.stringify({ embedding: { values: V } }));
    const { head, last, out } = await answer(
      s,
      '200',
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      gz,
    );
    assert.equal(
      headerValue(
        head.response_headers?.response?.header_mutation?.set_headers,
        'x-ai-extproc-dropped-params',
      ),
      'user',
    );
    const json = JSON.parse(out) as { data: { embedding: string }[]; usage: object; model: string };
    assert.deepEqual(base64Float32(json.data[0]!.embedding), V);
    assert.deepEqual(json.usage, { prompt_tokens: 2, total_tokens: 2 });
    assert.equal(json.model, 'gemini-embedding-001');
    assert.equal(metadataValue(last, 'ai_extproc', 'prompt_tokens'), 2);
  });

  it('Gemini: an error comes back in OpenAI format; a non-JSON success is a 502', async () => {
    const e = await send({ model: 'gem', input: 'x' });
    const err = await answer(
      e.s,
      '400',
      { 'content-type': 'application/json' },
      JSON.stringify({ error: { code: 400, message: 'bad thing', status: 'INVALID_ARGUMENT' } }),
    );
    assert.deepEqual(JSON.parse(err.out), {
      error: { message: 'bad thing', type: 'invalid_request_error', param: null, code: 'INVALID_ARGUMENT' },
    });
    const h = await send({ model: 'gem', input: 'x' });
    const html = await answer(h.s, '200', { 'content-type': 'text/html' }, '<html>');
    assert.equal(immediateStatus(html.last), 502);
    assert.match(html.out, /not JSON/);
  });

  it('Bedrock Cohere: SigV4-signed InvokeModel; usage from the token header', async () => {
    const { s, r } = await send({ model: 'cohere', input: ['a', 'b'] });
    assert.equal(sentHeader(r, ':path'), '/model/cohere.embed-english-v3/invoke');
    assert.match(sentHeader(r, 'authorization') ?? '', /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\//);
    assert.deepEqual(sentBody(r), { texts: ['a', 'b'], input_type: 'search_document' });
    const { last, out } = await answer(
      s,
      '200',
      { 'content-type': 'application/json', 'x-amzn-bedrock-input-token-count': '7' },
      JSON.stringify({ id: 'x', embeddings: [V, V], response_type: 'embeddings_floats' }),
    );
    assert.deepEqual((JSON.parse(out) as { usage: object }).usage, { prompt_tokens: 7, total_tokens: 7 });
    assert.equal(metadataValue(last, 'ai_extproc', 'prompt_tokens'), 7);
  });

  it('refusals in OpenAI format: no embeddings API, bad input, not JSON', async () => {
    for (const [body, status, message] of [
      [{ model: 'claude', input: 'x' }, 400, /has no embeddings API/],
      [{ model: 'gem', input: [] }, 400, /'input' must be a non-empty/],
      [{ model: 'nope', input: 'x' }, 404, /unknown model/],
      ['{not json', 400, /must be a JSON object/],
    ] as const) {
      const { s, r } = await send(body);
      s.endAndCancel();
      assert.equal(immediateStatus(r), status);
      const e = JSON.parse(r.immediate_response!.body.toString()) as { error: { message: string } };
      assert.match(e.error.message, message);
    }
  });
});

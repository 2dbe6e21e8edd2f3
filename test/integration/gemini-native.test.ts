/**
 * A Gemini-native client (models/{m}:generateContent) through the scripted ext_proc client (= what
 * Envoy sends): on a Gemini backend native and lossless (the body and the answer byte for byte, the
 * JSON-array stream too, usage read from its last element); `?key=` is a client credential (read as
 * such, never in the upstream path or the log); countTokens is Gemini's own on a Gemini backend and
 * the gateway's estimate elsewhere, counted as a served answer (outcome completed, not rejected), for
 * Anthropic's count_tokens as well.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ExtProcTestClient,
  headerValue,
  metadataValue,
  requestBody,
  requestHeaders,
  responseBody,
  responseHeaders,
} from '../helpers/extproc-client.js';
import type { Reply, ScriptedStream } from '../helpers/extproc-client.js';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { geminiRequestProblems } from '../../mock-provider/rules/gemini.js';

const CONFIG = `version: 1
clients:
  gem-app: { key: { env: K_GEM } }
backends:
  gemini: { provider: gemini, baseUrl: https://generativelanguage.googleapis.com, cluster: gemini, auth: { apiKey: { env: GW_GEMINI } } }
  openai: { provider: openai, baseUrl: https://api.openai.com, cluster: openai, auth: { none: true } }
  anthropic: { provider: anthropic, baseUrl: https://api.anthropic.com, cluster: anthropic, auth: { none: true } }
routes:
  - name: gemini
    match: { pathPrefix: /v1beta/models }
    models: { flash: { backend: gemini, model: gemini-2.5-flash }, gpt: { backend: openai, model: gpt-4o-mini } }
  - name: messages
    match: { pathPrefix: /v1/messages }
    models: { gpt: { backend: openai, model: gpt-4o-mini } }
`;
const REQUEST = JSON.stringify(
  {
    contents: [
      { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
      {
        role: 'model',
        parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'c2ln' }],
      },
      { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { t: '18C' } } }] },
    ],
    tools: [{ functionDeclarations: [{ name: 'get_weather', parameters: { type: 'OBJECT' } }] }],
    safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }],
    generationConfig: { thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } },
  },
  null,
  1,
);
const chunk = (text: string, last: boolean): unknown => ({
  candidates: [
    { content: { role: 'model', parts: [{ text }] }, index: 0, ...(last ? { finishReason: 'STOP' } : {}) },
  ],
  ...(last ? { usageMetadata: { promptTokenCount: 21, candidatesTokenCount: 4, totalTokenCount: 25 } } : {}),
  modelVersion: 'gemini-2.5-flash-001',
});
const ARRAY = `[${JSON.stringify(chunk('Sunny, ', false), null, 2)}\n,\r\n${JSON.stringify(chunk('18C.', true), null, 2)}]`;

describe('Gemini-native client', () => {
  let t: TestApp;
  let client: ExtProcTestClient;
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-gemini-native-'));
    fs.writeFileSync(path.join(dir, 'config.yaml'), CONFIG);
    t = await startTestApp(
      { AI_EXTPROC_CONFIG: path.join(dir, 'config.yaml') },
      { secretsEnv: { K_GEM: 'client-key-123', GW_GEMINI: 'sk-gateway-gemini' } },
    );
    client = new ExtProcTestClient(t.target);
  });
  after(async () => {
    client.close();
    await t.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function send(
    p: string,
    body: string,
    extra: Record<string, string> = {},
  ): Promise<{ s: ScriptedStream; r: Reply }> {
    const s = client.open({});
    s.send(requestHeaders({ ':path': p, ':authority': 'gw', ...extra }, false, ['BUFFERED', 'STREAMED']));
    await s.next();
    s.send(requestBody(body, true));
    return { s, r: await s.next() };
  }
  const summaries = (): Record<string, unknown>[] => t.logs.filter((l) => l.msg === 'request summary');

  it('on a Gemini backend the body goes byte for byte, the key only as the gateway credential', async () => {
    assert.deepEqual(geminiRequestProblems(JSON.parse(REQUEST)), []);
    const { s, r } = await send('/v1beta/models/flash:streamGenerateContent?key=client-key-123', REQUEST);
    const res = r.request_body!.response!;
    assert.equal(res.body_mutation, null, 'the original bytes go upstream');
    const set = res.header_mutation?.set_headers;
    assert.equal(headerValue(set, ':path'), '/v1beta/models/gemini-2.5-flash:streamGenerateContent');
    assert.equal(headerValue(set, 'x-goog-api-key'), 'sk-gateway-gemini');
    s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json; charset=UTF-8' }));
    await s.next();
    const half = Math.floor(ARRAY.length / 2);
    let out = '';
    let last: Reply | undefined;
    for (const [i, piece] of [ARRAY.slice(0, half), ARRAY.slice(half)].entries()) {
      s.send(responseBody(piece, i === 1));
      last = await s.next();
      const m = last.response_body?.response?.body_mutation;
      out += m ? (m.body?.toString() ?? '') : piece;
    }
    s.endAndCancel();
    assert.equal(out, ARRAY, 'the JSON-array stream passes byte for byte');
    assert.equal(metadataValue(last!, 'ai_extproc', 'prompt_tokens'), 21);
    assert.equal(metadataValue(last!, 'ai_extproc', 'completion_tokens'), 4);
    assert.equal(metadataValue(last!, 'ai_extproc', 'streaming'), true);
    await waitFor(() => summaries().some((l) => l.model === 'flash'));
    const line = summaries().find((l) => l.model === 'flash')!;
    assert.equal(line.client, 'gem-app', '?key= identifies the client');
    assert.equal(line.path, '/v1beta/models/flash:streamGenerateContent');
    assert.equal(JSON.stringify(t.logs).includes('client-key-123'), false, 'the key is never logged');
  });

  it('on another backend the request is translated, with safetySettings listed as dropped', async () => {
    const { s, r } = await send('/v1beta/models/gpt:generateContent', REQUEST, {
      'x-goog-api-key': 'client-key-123',
    });
    const res = r.request_body!.response!;
    const set = res.header_mutation?.set_headers;
    assert.equal(headerValue(set, ':path'), '/v1/chat/completions');
    const up = JSON.parse(res.body_mutation!.body!.toString()) as { model: string; messages: unknown[] };
    assert.equal(up.model, 'gpt-4o-mini');
    assert.equal(up.messages.length, 3);
    s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
    const h = await s.next();
    assert.match(
      headerValue(
        h.response_headers?.response?.header_mutation?.set_headers,
        'x-ai-extproc-dropped-params',
      ) ?? '',
      /safetySettings/,
    );
    const completion = {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o-mini-2024',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Sunny.' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 30, completion_tokens: 2, total_tokens: 32 },
    };
    s.send(responseBody(JSON.stringify(completion), true));
    const end = await s.next();
    s.endAndCancel();
    const body = JSON.parse(end.response_body!.response!.body_mutation!.body!.toString()) as unknown;
    assert.deepEqual(body, {
      candidates: [
        { content: { role: 'model', parts: [{ text: 'Sunny.' }] }, index: 0, finishReason: 'STOP' },
      ],
      usageMetadata: { promptTokenCount: 30, candidatesTokenCount: 2, totalTokenCount: 32 },
      modelVersion: 'gpt-4o-mini-2024',
      responseId: 'chatcmpl-1',
    });
  });

  it('an unknown model is a 404 in the Gemini error format', async () => {
    const { s, r } = await send('/v1beta/models/nope:generateContent', REQUEST);
    s.endAndCancel();
    const imm = r.immediate_response!;
    assert.deepEqual(JSON.parse(imm.body.toString()), {
      error: { code: 404, message: JSON.parse(imm.body.toString()).error.message, status: 'NOT_FOUND' },
    });
  });

  it('countTokens: Gemini counts on a Gemini backend; elsewhere the estimate is a served answer', async () => {
    const count = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'How many tokens?' }] }] });
    const native = await send('/v1beta/models/flash:countTokens', count);
    native.s.endAndCancel();
    const set = native.r.request_body!.response!.header_mutation?.set_headers;
    assert.equal(headerValue(set, ':path'), '/v1beta/models/gemini-2.5-flash:countTokens');

    const local = await send('/v1beta/models/gpt:countTokens', count);
    local.s.endAndCancel();
    const imm = local.r.immediate_response!;
    const n = (JSON.parse(imm.body.toString()) as { totalTokens: number }).totalTokens;
    assert.ok(n > 0);
    assert.equal(headerValue(imm.headers?.set_headers, 'x-ai-extproc-token-count'), 'estimate');

    const anth = await send(
      '/v1/messages/count_tokens',
      JSON.stringify({ model: 'gpt', messages: [{ role: 'user', content: 'How many tokens?' }] }),
    );
    anth.s.endAndCancel();
    assert.ok(JSON.parse(anth.r.immediate_response!.body.toString()).input_tokens > 0);
    await waitFor(() => summaries().filter((l) => l.status === 200 && l.model === 'gpt').length >= 2);
    for (const l of summaries().filter((x) => x.model === 'gpt' && x.status === 200))
      assert.equal(l.outcome, 'completed', `${String(l.path)}: a served count, not a refusal`);
  });
});

async function waitFor(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), 'condition not met in time');
}

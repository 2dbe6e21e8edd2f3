/**
 * A Responses client on an OpenAI backend, with server-side state (store: true, previous_response_id)
 * or without (Codex: store false, OpenAI's encrypted reasoning, phase, namespace tools): native and lossless (scripted ext_proc client = what Envoy sends). The request and the answer pass
 * byte for byte, whole and streamed, and the usage is read from response.completed. Request guards
 * read and mask its new input (still native, previous_response_id kept) and route defaults apply
 * under their Responses names; a route with response guards refuses a stateful one, in the Responses
 * error format, and translates a stateless one (what OpenAI alone reads is dropped and listed).
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
import { responsesRequestProblems } from '../../mock-provider/rules/openai-responses.js';

const CONFIG = `version: 1
backends:
  openai: { provider: openai, baseUrl: https://api.openai.com, cluster: openai, auth: { none: true } }
routes:
  - name: responses
    match: { pathPrefix: /v1/responses }
    models: { '*': { backend: openai } }
  - name: guarded
    match: { pathPrefix: /guarded/v1/responses }
    models: { '*': { backend: openai } }
    policy:
      guards:
        request: { regex: { action: MASK, builtins: [SSN] } }
  - name: response-guarded
    match: { pathPrefix: /answers-guarded/v1/responses }
    models: { '*': { backend: openai } }
    policy:
      guards:
        response: { regex: { action: MASK, builtins: [SSN] } }
  - name: defaults
    match: { pathPrefix: /defaults/v1/responses }
    models: { '*': { backend: openai } }
    policy:
      defaults:
        - { field: max_tokens, value: 300 }
        - { field: reasoning_effort, value: low }
        - { field: temperature, value: 0.5, override: true }
        - { field: seed, value: 7 }
      promptEnrichment:
        prepend: [{ role: system, content: Answer in French. }]
`;
const REQUEST = JSON.stringify(
  {
    model: 'gpt-5',
    previous_response_id: 'resp_1',
    input: [{ role: 'user', content: [{ type: 'input_text', text: 'And in Rome?' }] }],
    store: true,
    include: ['reasoning.encrypted_content'],
    truncation: 'auto',
  },
  null,
  1,
);
/** What Codex sends on its second turn: stateless, with OpenAI's encrypted reasoning to carry on. */
const CODEX = JSON.stringify({
  model: 'gpt-5-codex',
  store: false,
  include: ['reasoning.encrypted_content'],
  reasoning: { effort: 'high', summary: 'auto' },
  text: { verbosity: 'low' },
  tools: [
    { type: 'namespace', name: 'mcp__fs', tools: [{ type: 'function', name: 'read', parameters: {} }] },
  ],
  input: [
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Fix the bug.' }] },
    { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'gAAAAABoOpenAIOwn' },
    {
      type: 'message',
      role: 'assistant',
      phase: 'commentary',
      content: [{ type: 'output_text', text: 'Reading.' }],
    },
    { type: 'function_call', call_id: 'c1', namespace: 'mcp__fs', name: 'read', arguments: '{}' },
    { type: 'function_call_output', call_id: 'c1', output: 'ok' },
  ],
});
const EVENTS = [
  ['response.created', { response: { id: 'resp_2', status: 'in_progress', output: [] } }],
  ['response.output_text.delta', { item_id: 'msg_2', output_index: 0, content_index: 0, delta: 'Sunny, ' }],
  ['response.output_text.delta', { item_id: 'msg_2', output_index: 0, content_index: 0, delta: '21C.' }],
  [
    'response.completed',
    {
      response: {
        id: 'resp_2',
        model: 'gpt-5-2025-08-07',
        status: 'completed',
        usage: { input_tokens: 42, output_tokens: 7, total_tokens: 49 },
      },
    },
  ],
] as const;
const STREAM = EVENTS.map(
  ([type, data], i) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: i, ...data })}\n\n`,
).join('');

describe('Responses client on OpenAI with server-side state: native', () => {
  let t: TestApp;
  let client: ExtProcTestClient;
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-responses-native-'));
    fs.writeFileSync(path.join(dir, 'config.yaml'), CONFIG);
    t = await startTestApp({ AI_EXTPROC_CONFIG: path.join(dir, 'config.yaml') });
    client = new ExtProcTestClient(t.target);
  });
  after(async () => {
    client.close();
    await t.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function send(p: string, body: string): Promise<{ s: ScriptedStream; r: Reply }> {
    const s = client.open({});
    s.send(requestHeaders({ ':path': p, ':authority': 'gw' }, false, ['BUFFERED', 'STREAMED']));
    await s.next();
    s.send(requestBody(body, true));
    return { s, r: await s.next() };
  }

  it('the request goes to /v1/responses byte for byte; the answer passes and its usage is read', async () => {
    const { s, r } = await send('/v1/responses', REQUEST);
    const res = r.request_body!.response!;
    assert.equal(res.body_mutation, null, 'the original bytes go upstream');
    assert.equal(headerValue(res.header_mutation?.set_headers, ':path'), '/v1/responses');
    assert.deepEqual(responsesRequestProblems(JSON.parse(REQUEST)), []);
    const body = JSON.stringify({
      id: 'resp_2',
      object: 'response',
      status: 'completed',
      model: 'gpt-5',
      output: [],
      usage: { input_tokens: 12, output_tokens: 3, total_tokens: 15 },
    });
    s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
    await s.next();
    s.send(responseBody(body, true));
    const last = await s.next();
    s.endAndCancel();
    assert.equal(last.response_body?.response?.body_mutation, null);
    assert.equal(metadataValue(last, 'ai_extproc', 'prompt_tokens'), 12);
    assert.equal(metadataValue(last, 'ai_extproc', 'completion_tokens'), 3);
  });

  it('streamed: typed events pass byte for byte; usage from response.completed', async () => {
    const raw = REQUEST.replace('"store": true', '"store": true,\n "stream": true');
    const { s, r } = await send('/v1/responses', raw);
    assert.equal(r.request_body?.response?.body_mutation, null);
    s.send(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream' }));
    await s.next();
    const half = Math.floor(STREAM.length / 2);
    let out = '';
    let last: Reply | undefined;
    for (const [i, piece] of [STREAM.slice(0, half), STREAM.slice(half)].entries()) {
      s.send(responseBody(piece, i === 1));
      last = await s.next();
      const m = last.response_body?.response?.body_mutation;
      out += m ? (m.body?.toString() ?? '') : piece;
    }
    s.endAndCancel();
    assert.equal(out, STREAM);
    assert.equal(metadataValue(last!, 'ai_extproc', 'prompt_tokens'), 42);
    assert.equal(metadataValue(last!, 'ai_extproc', 'completion_tokens'), 7);
    assert.equal(metadataValue(last!, 'ai_extproc', 'provider_model'), 'gpt-5-2025-08-07');
  });

  it('request guards mask the new input of a stateful request, which stays native', async () => {
    const body = REQUEST.replace('And in Rome?', 'My SSN is 536-22-8412. And in Rome?');
    const { s, r } = await send('/guarded/v1/responses', body);
    s.endAndCancel();
    const res = r.request_body!.response!;
    assert.equal(headerValue(res.header_mutation?.set_headers, ':path'), '/v1/responses');
    const up = JSON.parse(res.body_mutation!.body!.toString()) as {
      previous_response_id: string;
      store: boolean;
      input: { content: { text: string }[] }[];
    };
    assert.equal(up.previous_response_id, 'resp_1');
    assert.equal(up.store, true);
    const text = up.input[0]!.content[0]!.text;
    assert.equal(text.includes('536-22-8412'), false, text);
    assert.match(text, /And in Rome\?/);
  });

  it('route defaults and enrichment apply under their Responses names', async () => {
    const { s, r } = await send('/defaults/v1/responses', REQUEST);
    const res = r.request_body!.response!;
    const up = JSON.parse(res.body_mutation!.body!.toString()) as Record<string, unknown>;
    assert.equal(up.max_output_tokens, 300);
    assert.deepEqual(up.reasoning, { effort: 'low' });
    assert.equal(up.temperature, 0.5);
    assert.equal(up.max_tokens, undefined);
    assert.equal(up.previous_response_id, 'resp_1');
    assert.deepEqual((up.input as unknown[])[0], { role: 'system', content: 'Answer in French.' });
    s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
    const h = await s.next();
    s.endAndCancel();
    // seed has no place in a Responses body: reported, not sent.
    assert.equal(
      headerValue(h.response_headers?.response?.header_mutation?.set_headers, 'x-ai-extproc-dropped-params'),
      'seed',
    );
  });

  it('on a route with response guards a stateful request is a 400 in the Responses error format', async () => {
    const { s, r } = await send('/answers-guarded/v1/responses', REQUEST);
    s.endAndCancel();
    const imm = r.immediate_response;
    assert.ok(imm?.body);
    assert.equal(imm.status?.code, 'BadRequest');
    const err = JSON.parse(imm.body.toString()) as { error: { type: string; message: string } };
    assert.equal(err.error.type, 'invalid_request_error');
    assert.match(err.error.message, /previous_response_id/);
  });

  it('a stateless Codex request goes byte for byte too: encrypted reasoning, phase, namespace tools', async () => {
    const { s, r } = await send('/v1/responses', CODEX);
    s.endAndCancel();
    const res = r.request_body!.response!;
    assert.equal(res.body_mutation, null, 'the original bytes go upstream');
    assert.equal(headerValue(res.header_mutation?.set_headers, ':path'), '/v1/responses');
    assert.deepEqual(responsesRequestProblems(JSON.parse(CODEX)), []);
  });

  it('on a route with response guards a stateless request is translated; what OpenAI alone reads is listed', async () => {
    const { s, r } = await send('/answers-guarded/v1/responses', CODEX);
    const res = r.request_body!.response!;
    const up = JSON.stringify(JSON.parse(res.body_mutation!.body!.toString()));
    assert.equal(up.includes('gAAAAABoOpenAIOwn'), false);
    assert.match(up, /"mcp__fs__read"/);
    s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
    const h = await s.next();
    s.endAndCancel();
    const dropped = headerValue(
      h.response_headers?.response?.header_mutation?.set_headers,
      'x-ai-extproc-dropped-params',
    );
    assert.match(dropped ?? '', /input\.reasoning\.encrypted_content/);
    assert.match(dropped ?? '', /include/);
  });
});

/**
 * Same API in and out is lossless (standalone mode, scripted ext_proc client = what Envoy sends):
 * an Anthropic client on an Anthropic backend and an OpenAI client on an OpenAI backend get their
 * bodies through byte for byte, requests and answers, whole and streamed, unless a policy changes
 * them; the policies (written in canonical terms) land on the native body. Every request that goes
 * upstream is checked against the provider's documented 400 rules (mock-provider/rules).
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
import { anthropicRequestProblems } from '../../mock-provider/rules/anthropic.js';
import { openaiRequestProblems } from '../../mock-provider/rules/openai.js';
import { verifyThinkingSignature } from '../../mock-provider/rules/signature.js';
import {
  ANTHROPIC_REQUEST,
  ANTHROPIC_RESPONSE,
  ANTHROPIC_TOP_K_REQUEST,
  SIGNATURE,
  anthropicStream,
} from '../fixtures/same-api/anthropic.js';

type Json = Record<string, unknown>;
const CONFIG = `version: 1
backends:
  anthropic: { provider: anthropic, baseUrl: https://api.anthropic.com, cluster: anthropic, auth: { none: true } }
  openai: { provider: openai, baseUrl: https://api.openai.com, cluster: openai, auth: { none: true } }
routes:
  - name: plain-messages
    match: { pathPrefix: /v1/messages }
    models: { '*': { backend: anthropic } }
    policy: { streamUsage: true }
  - name: policy-messages
    match: { pathPrefix: /policy/v1/messages }
    models: { claude: { backend: anthropic, model: claude-sonnet-4-5-20250929 } }
    policy:
      promptEnrichment: { prepend: [{ role: system, content: Answer briefly. }] }
      defaults:
        - { field: stop, value: END }
        - { field: temperature, value: 1 }
        - { field: max_completion_tokens, value: 512 }
        - { field: seed, value: 7 }
      guards:
        request: { regex: { action: MASK, builtins: [SSN] } }
        response: { regex: { action: MASK, builtins: [SSN] } }
  - name: chat
    match: { pathPrefix: /v1/chat/completions }
    models: { fast: { backend: openai, model: gpt-4o-mini }, '*': { backend: openai } }
`;
const verify = { verifySignature: verifyThinkingSignature };
const RAW_REQUEST = JSON.stringify(ANTHROPIC_REQUEST, null, 1); // spacing a re-serialization would lose

describe('same API in and out is lossless', () => {
  let t: TestApp;
  let client: ExtProcTestClient;
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-same-api-'));
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
    s.send(
      requestHeaders({ ':path': p, ':authority': 'gw', 'x-api-key': 'k' }, false, ['BUFFERED', 'STREAMED']),
    );
    await s.next();
    s.send(requestBody(body, true));
    return { s, r: await s.next() };
  }
  /** What the provider receives: the original bytes, or the body mutation. */
  const upstream = (r: Reply, original: string): string =>
    r.request_body?.response?.body_mutation?.body?.toString() ?? original;

  /** Sends the answer in chunks; returns what the client gets, and the last reply. */
  async function answer(
    s: ScriptedStream,
    headers: Record<string, string>,
    chunks: string[],
  ): Promise<{ head: Reply; out: string; last: Reply }> {
    s.send(responseHeaders({ ':status': '200', ...headers }));
    const head = await s.next();
    let out = '';
    let last = head;
    for (let i = 0; i < chunks.length; i++) {
      s.send(responseBody(chunks[i]!, i === chunks.length - 1));
      last = await s.next();
      const m = last.response_body?.response?.body_mutation;
      out += m ? (m.body?.toString() ?? '') : chunks[i]!;
    }
    s.endAndCancel();
    return { head, out, last };
  }
  /** Splits text at fixed points, across events and inside multi-byte characters' strings. */
  const split = (text: string, n = 7): string[] => {
    const size = Math.ceil(text.length / n);
    return Array.from({ length: n }, (_, i) => text.slice(i * size, (i + 1) * size)).filter((c) => c !== '');
  };

  it('Anthropic → Anthropic: the request goes upstream byte for byte (signatures, cache_control, server tools, citations, is_error, budget)', async () => {
    const { s, r } = await send('/v1/messages', RAW_REQUEST);
    const res = r.request_body!.response!;
    assert.equal(res.body_mutation, null, 'no body mutation: the original bytes go upstream');
    const set = res.header_mutation?.set_headers;
    assert.equal(headerValue(set, ':path'), '/v1/messages');
    assert.equal(headerValue(set, ':authority'), 'api.anthropic.com');
    assert.equal(headerValue(set, 'x-ai-extproc-backend'), 'anthropic');
    assert.equal(headerValue(set, 'anthropic-version'), '2023-06-01');
    assert.equal(metadataValue(r, 'ai_extproc', 'backend'), 'anthropic');
    assert.deepEqual(anthropicRequestProblems(JSON.parse(upstream(r, RAW_REQUEST)), verify), []);
    // The answer, whole: not touched either; its usage is read.
    const body = JSON.stringify(ANTHROPIC_RESPONSE);
    const { head, out, last } = await answer(s, { 'content-type': 'application/json' }, [body]);
    assert.equal(head.response_headers?.response?.header_mutation, null);
    assert.equal(out, body);
    assert.equal(last.response_body?.response?.body_mutation, null);
    assert.equal(metadataValue(last, 'ai_extproc', 'prompt_tokens'), 50);
    assert.equal(metadataValue(last, 'ai_extproc', 'completion_tokens'), 30);
  });

  it('Anthropic → Anthropic stream: thinking_delta, signature_delta, citations pass byte for byte', async () => {
    const raw = JSON.stringify({ ...ANTHROPIC_REQUEST, stream: true });
    const { s, r } = await send('/v1/messages', raw);
    assert.equal(r.request_body?.response?.body_mutation, null);
    const stream = anthropicStream();
    const { out, last } = await answer(s, { 'content-type': 'text/event-stream' }, split(stream));
    assert.equal(out, stream);
    assert.match(out, new RegExp(`"signature":"${SIGNATURE.replace(/[+/]/g, '\\$&')}"`));
    assert.equal(metadataValue(last, 'ai_extproc', 'completion_tokens'), 30);
    assert.equal(metadataValue(last, 'ai_extproc', 'streaming'), true);
  });

  it('top_k and cache_control without thinking pass; an upstream error passes in its own format', async () => {
    const raw = JSON.stringify(ANTHROPIC_TOP_K_REQUEST);
    const { s, r } = await send('/v1/messages', raw);
    assert.equal(upstream(r, raw), raw);
    assert.deepEqual(anthropicRequestProblems(JSON.parse(raw)), []);
    const err = '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}';
    s.send(responseHeaders({ ':status': '529', 'content-type': 'application/json' }));
    await s.next();
    s.send(responseBody(err, true));
    const end = await s.next();
    s.endAndCancel();
    assert.equal(end.response_body?.response?.body_mutation?.body?.toString() ?? err, err);
  });

  it('policies land on the native body: alias, enrichment, defaults under Anthropic names, guard mask; the rest is kept', async () => {
    const sent = { ...ANTHROPIC_REQUEST, model: 'claude', stream: true };
    const raw = JSON.stringify(sent);
    const { s, r } = await send('/policy/v1/messages', raw);
    const got = JSON.parse(upstream(r, raw)) as Json;
    const want = structuredClone(sent) as Json;
    want.model = 'claude-sonnet-4-5-20250929';
    want.system = [{ type: 'text', text: 'Answer briefly.' }, ...ANTHROPIC_REQUEST.system];
    want.stop_sequences = ['END'];
    want.temperature = 1;
    (want.messages as Json[])[0] = {
      role: 'user',
      content: 'What is the weather in Paris? My SSN is <US_SSN>.',
    };
    // max_tokens (16000) was set by the client: the max_completion_tokens default does not apply,
    // so budget_tokens 10000 < max_tokens 16000 stays exactly.
    assert.deepEqual(got, want);
    assert.deepEqual(anthropicRequestProblems(got, verify), []);
    // A canonical default with no Anthropic place is reported, never silently lost.
    const stream = anthropicStream('Your SSN 536-22-8412 is safe.');
    const { head, out } = await answer(s, { 'content-type': 'text/event-stream' }, split(stream, 11));
    assert.equal(
      headerValue(
        head.response_headers?.response?.header_mutation?.set_headers,
        'x-ai-extproc-dropped-params',
      ),
      'seed',
    );
    assert.equal(out, anthropicStream('Your SSN <US_SSN> is safe.'));
  });

  it('a whole Anthropic answer is masked where the text is; thinking, signature and citations are kept', async () => {
    const raw = JSON.stringify({ ...ANTHROPIC_REQUEST, model: 'claude' });
    const { s } = await send('/policy/v1/messages', raw);
    const answerWith = (text: string): Json => ({
      ...ANTHROPIC_RESPONSE,
      content: ANTHROPIC_RESPONSE.content.map((b) => (b.type === 'text' ? { ...b, text } : b)),
    });
    const { out } = await answer(s, { 'content-type': 'application/json' }, [
      JSON.stringify(answerWith('Your SSN 536-22-8412 is safe.')),
    ]);
    assert.deepEqual(JSON.parse(out), answerWith('Your SSN <US_SSN> is safe.'));
  });

  it('OpenAI → OpenAI: unknown fields pass; streaming usage is added and kept from a client that did not ask', async () => {
    const plain = JSON.stringify({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      reasoning_effort: 'minimal',
      prediction: { type: 'content', content: 'x' },
      future_field: { nested: [1, 2.5, 'é'] },
    });
    const a = await send('/v1/chat/completions', plain);
    assert.equal(a.r.request_body?.response?.body_mutation, null);
    assert.equal(
      headerValue(a.r.request_body?.response?.header_mutation?.set_headers, ':path'),
      '/v1/chat/completions',
    );
    a.s.endAndCancel();

    const streaming = JSON.stringify({ ...(JSON.parse(plain) as Json), model: 'fast', stream: true });
    const b = await send('/v1/chat/completions', streaming);
    const up = JSON.parse(upstream(b.r, streaming)) as Json;
    assert.deepEqual(up, {
      ...(JSON.parse(streaming) as Json),
      model: 'gpt-4o-mini',
      stream_options: { include_usage: true },
    });
    assert.deepEqual(openaiRequestProblems(up), []);
    const chunk = (extra: Json): string =>
      `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', ...extra })}\n\n`;
    const content = chunk({
      choices: [{ index: 0, delta: { content: 'hello' }, finish_reason: null }],
      usage: null,
    });
    const usage = chunk({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } });
    const { out, last } = await answer(b.s, { 'content-type': 'text/event-stream' }, [
      content,
      usage,
      'data: [DONE]\n\n',
    ]);
    assert.equal(
      out,
      chunk({ choices: [{ index: 0, delta: { content: 'hello' }, finish_reason: null }] }) +
        'data: [DONE]\n\n',
    );
    assert.equal(metadataValue(last, 'ai_extproc', 'total_tokens'), 4);

    // stream_options without a stream is what OpenAI refuses: removed and reported, as before.
    const stray = JSON.stringify({ ...(JSON.parse(plain) as Json), stream_options: { include_usage: true } });
    const d = await send('/v1/chat/completions', stray);
    const cleaned = JSON.parse(upstream(d.r, stray)) as Json;
    assert.equal('stream_options' in cleaned, false);
    assert.deepEqual(openaiRequestProblems(cleaned), []);
    d.s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
    const dHead = await d.s.next();
    d.s.endAndCancel();
    const dropped = dHead.response_headers?.response?.header_mutation?.set_headers;
    assert.equal(headerValue(dropped, 'x-ai-extproc-dropped-params'), 'stream_options');

    // A client that asked for usage gets the stream byte for byte.
    const asked = JSON.stringify({
      ...(JSON.parse(streaming) as Json),
      stream_options: { include_usage: true },
    });
    const c = await send('/v1/chat/completions', asked);
    const all = content + usage + 'data: [DONE]\n\n';
    const passed = await answer(c.s, { 'content-type': 'text/event-stream' }, split(all, 5));
    assert.equal(passed.out, all);
  });
});

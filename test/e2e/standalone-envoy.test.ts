/**
 * Standalone mode through real Envoy (envoy/standalone/envoy.yaml): the extension reads a YAML
 * config, routes by model alias, injects auth, translates OpenAI and Anthropic clients to every
 * mock provider (OpenAI, Anthropic, Gemini, Bedrock), applies enrichment and defaults, and
 * hot-reloads its config. Clients are the official openai and @anthropic-ai/sdk packages.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startStandaloneStack } from '../helpers/stack.js';
import type { StandaloneStack } from '../helpers/stack.js';
import { repoRoot } from '../helpers/repo.js';
import { metricValue } from '../helpers/app.js';

const CONFIG = fs.readFileSync(path.join(repoRoot(), 'test/fixtures/standalone/e2e.yaml'), 'utf8');
const SECRETS = {
  E2E_OPENAI_KEY: 'sk-gateway-openai',
  E2E_ANTHROPIC_KEY: 'sk-gateway-anthropic',
  E2E_GEMINI_KEY: 'gemini-gateway-key',
  E2E_AWS_ID: 'AKIDEXAMPLE',
  E2E_AWS_SECRET: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

describe('standalone mode through real Envoy', () => {
  let stack: StandaloneStack;
  let openai: OpenAI;
  let anthropic: Anthropic;
  before(async () => {
    // stats.json custom labels, read from the namespace the generated Envoy config forwards.
    const otelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-extproc-otel-'));
    const stats = {
      customLabels: [{ name: 'gateway', metadataNamespace: 'ai_extproc.labels', metadataKey: 'gateway' }],
    };
    fs.writeFileSync(
      path.join(otelDir, 'stats.json'),
      `"${Buffer.from(JSON.stringify(stats)).toString('base64')}"\n`,
    );
    // The merge point: a filter of the user's own, before ai-extproc, fills the labels namespace.
    const extras = {
      httpFilters: [
        {
          name: 'envoy.filters.http.set_metadata',
          typed_config: {
            '@type': 'type.googleapis.com/envoy.extensions.filters.http.set_metadata.v3.Config',
            metadata: [{ metadata_namespace: 'ai_extproc.labels', value: { gateway: 'standalone' } }],
          },
        },
      ],
      clusters: [],
    };
    stack = await startStandaloneStack(CONFIG, { AI_OTEL_CONFIG_DIRS: otelDir }, SECRETS, { extras });
    openai = new OpenAI({
      baseURL: `${stack.envoy.url}/v1`,
      apiKey: 'sk-client-should-not-leak',
      maxRetries: 0,
    });
    anthropic = new Anthropic({ baseURL: stack.envoy.url, apiKey: 'client-key', maxRetries: 0 });
  });
  after(async () => {
    await stack?.close();
  });

  it('OpenAI client → OpenAI backend: auth injected, client key stripped, enrichment and defaults applied', async () => {
    const res = await openai.chat.completions.create({
      model: 'fast',
      temperature: 0.9,
      messages: [{ role: 'user', content: `pay with 4111 1111 1111 1111` }],
    });
    assert.ok(res.choices[0]?.message.content);
    const up = stack.mock.lastRequest()!;
    assert.equal(up.path, '/v1/chat/completions');
    assert.equal(up.headers.authorization, 'Bearer sk-gateway-openai');
    assert.equal(JSON.stringify(up.headers).includes('sk-client-should-not-leak'), false);
    const body = up.json as {
      model: string;
      temperature: number;
      max_tokens: number;
      messages: { role: string; content: string }[];
    };
    assert.equal(body.model, 'gpt-4o-mini');
    assert.equal(body.temperature, 0.9, 'a default does not override the client');
    assert.equal(body.max_tokens, 256, 'an override does');
    assert.deepEqual(
      body.messages.map((m) => m.role),
      ['system', 'user', 'user'],
    );
    assert.equal(body.messages[0]?.content, 'Answer in English.');
    assert.equal(body.messages[1]?.content, 'pay with <CREDIT_CARD>');
    assert.equal(body.messages[2]?.content, 'Be brief.');
  });

  it('client credentials, cookies and account headers never reach a backend; protocol headers do', async () => {
    const client = {
      cookie: 'session=client-cookie',
      'proxy-authorization': 'Basic Y2xpZW50OnByb3h5',
      'x-amz-security-token': 'client-aws-session',
      'openai-organization': 'org-client',
      'openai-project': 'proj-client',
      'openai-beta': 'assistants=v2',
      'anthropic-beta': 'tools-2024-04-04',
    };
    const sends: [string, string, Record<string, string>][] = [
      ['/v1/chat/completions', 'fast', { authorization: 'Bearer sk-client-should-not-leak' }],
      ['/v1/messages', 'claude-sonnet-4-5', { 'x-api-key': 'client-key', 'anthropic-version': '2023-06-01' }],
      ['/v1/chat/completions', 'bedrock', {}],
    ];
    for (const [path, model, own] of sends) {
      const r = await fetch(`${stack.envoy.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...client, ...own },
        body: JSON.stringify({ model, max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] }),
      });
      assert.equal(r.status, 200, `${model}: ${await r.text()}`);
      const got = stack.mock.lastRequest()!.headers;
      for (const h of ['cookie', 'proxy-authorization', 'openai-organization', 'openai-project'])
        assert.equal(got[h], undefined, `${model}: ${h} reached the backend`);
      assert.notEqual(got['x-amz-security-token'], 'client-aws-session', model);
      assert.equal(JSON.stringify(got).includes('client-key'), false, model);
      assert.equal(got['openai-beta'], 'assistants=v2', model);
      assert.equal(got['anthropic-beta'], 'tools-2024-04-04', model);
    }
    assert.equal(stack.mock.lastRequest()!.headers['x-amz-date']?.length, 16, 'our own signature stays');
  });

  it('custom labels from stats.json label the metrics in standalone mode too', async () => {
    await openai.chat.completions.create({
      model: 'fast',
      messages: [{ role: 'user', content: 'label me' }],
    });
    const m = await stack.ext.metrics();
    assert.ok(
      (metricValue(m, 'ai_completion_tokens_total', {
        llm: 'openai',
        model: 'fast',
        gateway: 'standalone',
      }) ?? 0) > 0,
      m
        .split('\n')
        .filter((l) => l.startsWith('ai_completion_tokens_total'))
        .join('\n'),
    );
  });

  it('OpenAI client → Anthropic backend, non-streaming and streaming, with tool calls', async () => {
    const res = await openai.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: 'hello claude' }],
    });
    const up = stack.mock.lastRequest()!;
    assert.equal(up.path, '/v1/messages');
    assert.equal(up.headers['x-api-key'], 'sk-gateway-anthropic');
    assert.equal(up.headers['anthropic-version'], '2023-06-01');
    assert.equal((up.json as { model: string }).model, 'claude-sonnet-4-5');
    assert.ok(res.choices[0]?.message.content);
    assert.ok((res.usage?.completion_tokens ?? 0) > 0);

    const tools = [
      {
        type: 'function' as const,
        function: {
          name: 'get_weather',
          description: 'weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
        },
      },
    ];
    const t = await openai.chat.completions.create({
      model: 'claude',
      tools,
      messages: [{ role: 'user', content: 'what is the weather in Paris?' }],
    });
    assert.equal(t.choices[0]?.finish_reason, 'tool_calls');
    const call = t.choices[0]?.message.tool_calls?.[0];
    assert.equal(call?.type === 'function' ? call.function.name : undefined, 'get_weather');

    const stream = await openai.chat.completions.create({
      model: 'claude',
      stream: true,
      tools,
      messages: [{ role: 'user', content: 'weather please' }],
    });
    let args = '';
    let finish: string | null | undefined;
    for await (const c of stream) {
      args += c.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? '';
      finish = c.choices[0]?.finish_reason ?? finish;
    }
    assert.equal(finish, 'tool_calls');
    JSON.parse(args);
  });

  it('OpenAI client → Gemini backend: path, key header, streaming text', async () => {
    const res = await openai.chat.completions.create({
      model: 'gemini',
      messages: [{ role: 'user', content: 'hi gemini' }],
    });
    assert.ok(res.choices[0]?.message.content);
    const up = stack.mock.lastRequest()!;
    assert.equal(up.path, '/v1beta/models/gemini-2.5-flash:generateContent');
    assert.equal(up.headers['x-goog-api-key'], 'gemini-gateway-key');
    const stream = await openai.chat.completions.create({
      model: 'gemini',
      stream: true,
      messages: [{ role: 'user', content: 'stream' }],
    });
    let text = '';
    let sawUsage = false;
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? '';
      if (c.usage) sawUsage = true;
    }
    assert.ok(text.length > 10);
    assert.equal(sawUsage, false, 'the client did not ask for the usage chunk');
    assert.equal(
      stack.mock.lastRequest()!.path,
      '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
    );
  });

  it('OpenAI client → Bedrock backend: SigV4 over the final body, Converse and ConverseStream', async () => {
    const res = await openai.chat.completions.create({
      model: 'bedrock',
      messages: [{ role: 'user', content: 'hi bedrock' }],
    });
    assert.match(res.choices[0]?.message.content ?? '', /Bedrock here/);
    assert.ok((res.usage?.prompt_tokens ?? 0) > 0);
    const up = stack.mock.lastRequest()!;
    assert.equal(up.path, '/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse');
    assert.match(
      up.headers.authorization ?? '',
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/bedrock\/aws4_request/,
    );
    assert.ok(up.headers['x-amz-date']);
    const stream = await openai.chat.completions.create({
      model: 'bedrock',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'stream' }],
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? '';
      if (c.usage) usage = c.usage;
    }
    assert.match(text, /^Bedrock here/);
    assert.ok((usage?.completion_tokens ?? 0) > 0);
  });

  it('Anthropic client (official SDK) → Anthropic and OpenAI backends, streaming and not', async () => {
    const m = await anthropic.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'hello' }],
    });
    assert.equal(m.type, 'message');
    assert.ok(m.content.some((b) => b.type === 'text'));
    const viaOpenAI = await anthropic.messages.create({
      model: 'gpt',
      max_tokens: 100,
      system: 'be terse',
      messages: [{ role: 'user', content: 'hello openai' }],
    });
    assert.equal(stack.mock.lastRequest()!.path, '/v1/chat/completions');
    assert.ok(viaOpenAI.content.some((b) => b.type === 'text'));
    assert.ok(viaOpenAI.usage.output_tokens > 0);
    const stream = anthropic.messages.stream({
      model: 'gpt',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'stream it' }],
    });
    const final = await stream.finalMessage();
    assert.ok(final.content.some((b) => b.type === 'text' && b.text.length > 0));
    const bedrock = anthropic.messages.stream({
      model: 'bedrock',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'stream it' }],
    });
    const fb = await bedrock.finalMessage();
    // Claude on Bedrock: an Anthropic client goes through InvokeModel (native), not Converse.
    assert.match(fb.content.map((b) => (b.type === 'text' ? b.text : '')).join(''), /mock Claude/);
    assert.match(stack.mock.lastRequest()!.path, /\/invoke-with-response-stream$/);
  });

  it('Anthropic client with tools to OpenAI and Gemini backends, streaming and not', async () => {
    // (The openai-chat route appends an enrichment message, so tool prompts go through the other route.)
    const tools = [
      {
        name: 'get_weather',
        input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } },
      },
    ];
    for (const model of ['gpt', 'gemini']) {
      const m = await anthropic.messages.create({
        model,
        max_tokens: 100,
        tools,
        messages: [{ role: 'user', content: 'weather in Rome?' }],
      });
      assert.equal(m.stop_reason, 'tool_use', model);
      assert.ok(
        m.content.some((b) => b.type === 'tool_use' && b.name === 'get_weather'),
        model,
      );
      const s = anthropic.messages.stream({
        model,
        max_tokens: 100,
        tools,
        messages: [{ role: 'user', content: 'weather in Oslo?' }],
      });
      const final = await s.finalMessage();
      assert.equal(final.stop_reason, 'tool_use', `${model} stream`);
      const use = final.content.find((b) => b.type === 'tool_use');
      assert.equal(use?.type === 'tool_use' ? use.name : undefined, 'get_weather');
    }
    const plain = await anthropic.messages.create({
      model: 'gemini',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.ok(plain.content.some((b) => b.type === 'text'));
  });

  it('errors come back in the client API format with the status kept', async () => {
    await assert.rejects(
      openai.chat.completions.create({ model: 'no-such-alias', messages: [{ role: 'user', content: 'x' }] }),
      (e: unknown) => e instanceof OpenAI.APIError && e.status === 404 && /fast/.test(e.message),
    );
    await assert.rejects(
      openai.chat.completions.create(
        { model: 'fast', messages: [{ role: 'user', content: 'x' }] },
        { headers: { 'x-mock-status': '429' } },
      ),
      (e: unknown) => e instanceof OpenAI.APIError && e.status === 429,
    );
    await assert.rejects(
      anthropic.messages.create(
        { model: 'gpt', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] },
        { headers: { 'x-mock-status': '500' } },
      ),
      (e: unknown) => e instanceof Anthropic.APIError && e.status === 500,
    );
    const bad = await fetch(`${stack.envoy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{nope',
    });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: { message: string } }).error.message, /not valid JSON/);
  });

  it('dropped parameters are reported in a header and a metric', async () => {
    const r = await fetch(`${stack.envoy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'bedrock',
        logit_bias: { '50256': -100 },
        seed: 7,
        messages: [{ role: 'user', content: 'x' }],
      }),
    });
    assert.equal(r.status, 200);
    const dropped = r.headers.get('x-ai-extproc-dropped-params') ?? '';
    assert.match(dropped, /logit_bias/);
    assert.match(dropped, /seed/);
    const m = await stack.ext.metrics();
    assert.ok(
      (metricValue(m, 'ai_extproc_dropped_params_total', { provider: 'bedrock', param: 'seed' }) ?? 0) >= 1,
    );
  });

  it('a client-sent internal header never reaches a backend, on an unmatched or a matched path', async () => {
    const before = stack.mock.requests.length;
    const forged = { 'content-type': 'application/json', 'x-ai-extproc-backend': 'mock' };
    const r = await fetch(`${stack.envoy.url}/api/pull`, {
      method: 'POST',
      headers: forged,
      body: '{"name":"x"}',
    });
    assert.equal(r.status, 404, 'an unmatched path is answered by Envoy, whatever the client says');
    await r.text();
    assert.equal(stack.mock.requests.length, before, 'nothing reached the backend');
    const m = await fetch(`${stack.envoy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...forged, 'x-ai-extproc-backend': 'elsewhere' },
      body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(m.status, 200);
    await m.text();
    const up = stack.mock.lastRequest()!;
    assert.equal(up.path, '/v1/chat/completions');
    assert.deepEqual(
      Object.keys(up.headers).filter((h) => h.startsWith('x-ai-extproc')),
      [],
      'no internal header goes upstream',
    );
  });
});

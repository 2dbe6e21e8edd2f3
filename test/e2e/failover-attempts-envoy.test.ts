/**
 * Failover inside one request, through real Envoy with the official SDKs: Envoy retries across the
 * priorities of the request's failover cluster, and the upstream ext_proc filter translates every
 * attempt for its own target from the original request (body, :path, auth, SigV4 per attempt).
 * Failures: 429 with a long Retry-After, 503, connection refused, reset before headers, per-try
 * timeout; an Anthropic client failing over to an OpenAI backend; a cooled-down target not tried
 * first by the next request.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startStandaloneStack } from '../helpers/stack.js';
import type { StandaloneStack } from '../helpers/stack.js';
import { metricValue } from '../helpers/app.js';
import { freePort } from '../helpers/envoy.js';
import { RATE_LIMITED, startScripted } from '../helpers/scripted-upstream.js';
import type { ScriptedUpstream } from '../helpers/scripted-upstream.js';
import { signAwsRequest } from '../../src/providers/bedrock/sigv4.js';

const BEDROCK_MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const config = (p: Record<string, number>): string => `
version: 1
backends:
  limited: { provider: openai, baseUrl: http://127.0.0.1:${p.limited}, auth: { apiKey: { env: E2E_OPENAI_KEY } } }
  unavailable: { provider: openai, baseUrl: http://127.0.0.1:${p.unavailable}, auth: { none: true } }
  refused: { provider: openai, baseUrl: http://127.0.0.1:${p.refused}, auth: { none: true } }
  resetting: { provider: openai, baseUrl: http://127.0.0.1:${p.resetting}, auth: { none: true } }
  hanging: { provider: openai, baseUrl: http://127.0.0.1:${p.hanging}, auth: { none: true } }
  overloaded: { provider: anthropic, baseUrl: http://127.0.0.1:${p.overloaded}, auth: { none: true } }
  mock-openai: { provider: openai, baseUrl: http://{{UPSTREAM}}, cluster: mock, auth: { none: true } }
  limited-pass: { provider: openai, baseUrl: http://127.0.0.1:${p.limited}, auth: { passthrough: true } }
  mock-anthropic-pass: { provider: anthropic, baseUrl: http://{{UPSTREAM}}, cluster: mock, auth: { passthrough: true } }
  mock-anthropic: { provider: anthropic, baseUrl: http://{{UPSTREAM}}, cluster: mock, auth: { apiKey: { env: E2E_ANTHROPIC_KEY } } }
  mock-bedrock: { provider: bedrock, baseUrl: http://{{UPSTREAM}}, cluster: mock, bedrock: { region: us-east-1 }, auth: { aws: { accessKeyId: { env: E2E_AWS_ID }, secretAccessKey: { env: E2E_AWS_SECRET } } } }
routes:
  - name: chat
    match: { pathPrefix: /v1/chat/completions }
    models:
      smart:
        targets:
          - { backend: limited, model: gpt-4o, priority: 0 }
          - { backend: mock-anthropic, model: claude-sonnet-4-5, priority: 1 }
      unavail:
        targets:
          - { backend: unavailable, model: gpt-4o, priority: 0 }
          - { backend: mock-openai, model: gpt-4o-mini, priority: 1 }
      refused:
        targets:
          - { backend: refused, model: gpt-4o, priority: 0 }
          - { backend: mock-anthropic, model: claude-haiku-4-5, priority: 1 }
      reset:
        targets:
          - { backend: resetting, model: gpt-4o, priority: 0 }
          - { backend: mock-openai, model: gpt-4o-mini, priority: 1 }
      slow:
        targets:
          - { backend: hanging, model: gpt-4o, priority: 0 }
          - { backend: mock-anthropic, model: claude-haiku-4-5, priority: 1 }
        retry: { perTryTimeoutMs: 500 }
      passthrough:
        targets:
          - { backend: limited-pass, model: gpt-4o, priority: 0 }
          - { backend: mock-anthropic-pass, model: claude-sonnet-4-5, priority: 1 }
      patient:
        targets:
          - { backend: hanging, model: gpt-4o, priority: 0 }
          - { backend: mock-openai, model: gpt-4o-mini, priority: 1 }
        retry: { perTryTimeoutMs: 60000 }
      signed:
        targets:
          - { backend: limited, model: gpt-4o, priority: 0 }
          - { backend: mock-bedrock, model: '${BEDROCK_MODEL}', priority: 1 }
  - name: messages
    match: { pathPrefix: /v1/messages }
    models:
      claude:
        targets:
          - { backend: overloaded, model: claude-sonnet-4-5, priority: 0 }
          - { backend: mock-openai, model: gpt-4o, priority: 1 }
`;
const SECRETS = {
  E2E_OPENAI_KEY: 'sk-openai-gateway',
  E2E_ANTHROPIC_KEY: 'sk-ant-gateway',
  E2E_AWS_ID: 'AKIDEXAMPLE',
  E2E_AWS_SECRET: 'secret',
};

describe('failover inside one request (upstream ext_proc per attempt)', () => {
  let stack: StandaloneStack;
  const up: Record<string, ScriptedUpstream> = {};
  let openai: OpenAI;
  let anthropic: Anthropic;
  before(async () => {
    up.limited = await startScripted(() => RATE_LIMITED);
    up.unavailable = await startScripted(() => ({ status: 503 }));
    up.resetting = await startScripted(() => ({ reset: true }));
    up.hanging = await startScripted(() => ({ hang: true }));
    up.overloaded = await startScripted(() => ({
      status: 529,
      body: JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }),
    }));
    const ports = Object.fromEntries(Object.entries(up).map(([k, u]) => [k, u.port]));
    stack = await startStandaloneStack(config({ ...ports, refused: await freePort() }), {}, SECRETS);
    openai = new OpenAI({ baseURL: `${stack.envoy.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
    anthropic = new Anthropic({ baseURL: stack.envoy.url, apiKey: 'client-key', maxRetries: 0 });
  });
  after(async () => {
    await stack?.close();
    await Promise.all(Object.values(up).map((u) => u.close()));
  });

  const stat = async (name: string): Promise<number> =>
    Number(
      new RegExp(`^${name.replace(/\./g, '\\.')}: (\\d+)$`, 'm').exec(await stack.envoy.stats())?.[1] ??
        'NaN',
    );
  const attempts = async (route: string, target: string, result: string): Promise<number | undefined> =>
    metricValue(await stack.ext.metrics(), 'ai_extproc_upstream_attempts_total', { route, target, result });
  const ask = (model: string, extra: Partial<OpenAI.ChatCompletionCreateParamsNonStreaming> = {}) =>
    openai.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 20,
      ...extra,
    });

  it('a 429 with Retry-After: 30 is retried at once on the Anthropic target, translated from the OpenAI request', async () => {
    stack.mock.reset();
    const started = Date.now();
    const answer = await ask('smart');
    // Not a latency figure: only that the 30 s hint was not waited on.
    assert.ok(Date.now() - started < 30_000);
    assert.equal(answer.object, 'chat.completion');
    assert.ok(answer.choices[0]!.message.content);
    // The first attempt got the OpenAI request; the second Anthropic's, from the same original.
    const first = up.limited!.seen[0]!;
    assert.equal(first.path, '/v1/chat/completions');
    assert.equal((JSON.parse(first.body) as { model: string }).model, 'gpt-4o');
    assert.equal(first.headers.authorization, 'Bearer sk-openai-gateway');
    const got = stack.mock.lastRequest()!;
    assert.equal(got.path, '/v1/messages');
    const body = got.json as { model: string; max_tokens: number; messages: unknown[] };
    assert.equal(body.model, 'claude-sonnet-4-5');
    assert.equal(body.max_tokens, 20);
    assert.deepEqual(body.messages, [{ role: 'user', content: 'hi' }]);
    assert.equal(got.headers['content-length'], String(got.body.length));
    assert.equal(got.headers['x-api-key'], 'sk-ant-gateway');
    // One provider's credentials never reach the next; the routing header never reaches any.
    assert.equal(got.headers.authorization, undefined);
    assert.equal(got.headers['x-ai-extproc-backend'], undefined);
    assert.equal(first.headers['x-ai-extproc-backend'], undefined);
    // Envoy's retry counter and our attempt metric agree.
    assert.equal(await stat('cluster.failover.chat_smart.0-1.upstream_rq_retry'), 1);
    assert.equal(await attempts('chat', 'chat/smart/0', 'http_429'), 1);
    assert.equal(await attempts('chat', 'chat/smart/1', 'ok'), 1);
    const log = (await stack.envoy.waitForAccessLog(1))[0]!;
    assert.equal(log.failover_target, 'chat/smart/1');
    assert.equal(log.failover_attempts, 2);
    assert.equal(log.provider, 'anthropic');
    assert.equal(log.status, 200);
    const summary = stack.ext.logs.find((l) => l.msg === 'request summary' && l.model === 'smart')!;
    assert.deepEqual(summary.failover, { target: 'chat/smart/1', attempts: 2 });
    assert.equal(summary.provider, 'anthropic');
  });

  it('the cooled-down target is not tried first by the next request', async () => {
    const before = up.limited!.seen.length;
    const answer = await ask('smart');
    assert.equal(answer.object, 'chat.completion');
    assert.equal(up.limited!.seen.length, before, 'the target in cooldown was not tried');
    // This request's order starts with the Anthropic target: its own cluster, no retry.
    assert.equal(await stat('cluster.failover.chat_smart.1-0.upstream_rq_total'), 1);
    assert.equal(await stat('cluster.failover.chat_smart.1-0.upstream_rq_retry'), 0);
  });

  for (const [alias, what, result, path] of [
    ['unavail', '503', 'http_503', '/v1/chat/completions'],
    ['refused', 'a refused connection', 'connect_failure', '/v1/messages'],
    ['reset', 'a reset before response headers', 'no_response', '/v1/chat/completions'],
    ['slow', 'a per-try timeout', 'no_response', '/v1/messages'],
  ] as const)
    it(`${what} moves on to the next target in the same request`, async () => {
      stack.mock.reset();
      const answer = await ask(alias);
      assert.equal(answer.object, 'chat.completion');
      assert.ok(answer.choices[0]!.message.content);
      assert.equal(stack.mock.lastRequest()!.path, path);
      const order = `${alias === 'unavail' ? 'unavail' : alias}.0-1`;
      assert.equal(await stat(`cluster.failover.chat_${order}.upstream_rq_retry`), 1);
      assert.equal(await attempts('chat', `chat/${alias}/0`, result), 1);
      assert.equal(await attempts('chat', `chat/${alias}/1`, 'ok'), 1);
    });

  it("passthrough auth: each attempt carries the client's own key in its provider's header, and only there", async () => {
    stack.mock.reset();
    const seen = up.limited!.seen.length;
    const client = new OpenAI({ baseURL: `${stack.envoy.url}/v1`, apiKey: 'sk-client-own', maxRetries: 0 });
    const answer = await client.chat.completions.create({
      model: 'passthrough',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 20,
    });
    assert.equal(answer.object, 'chat.completion');
    const first = up.limited!.seen[seen]!;
    assert.equal(first.headers.authorization, 'Bearer sk-client-own');
    assert.equal(first.headers['x-api-key'], undefined);
    const got = stack.mock.lastRequest()!;
    assert.equal(got.path, '/v1/messages');
    assert.equal(got.headers['x-api-key'], 'sk-client-own');
    // The first attempt's Authorization (set for OpenAI) did not ride on to Anthropic.
    assert.equal(got.headers.authorization, undefined);
    assert.equal(await attempts('chat', 'chat/passthrough/0', 'http_429'), 1);
    assert.equal(await attempts('chat', 'chat/passthrough/1', 'ok'), 1);
  });

  it('a client that hangs up mid-attempt: the attempt counts as cancelled and its target is not cooled', async () => {
    const until = async (ok: () => boolean | Promise<boolean>): Promise<void> => {
      for (let i = 0; i < 200 && !(await ok()); i++) await new Promise((r) => setTimeout(r, 25));
    };
    // Twice: the second request still goes to the hanging target first, so the first did not cool it.
    for (const n of [1, 2]) {
      const seen = up.hanging!.seen.length;
      const abort = new AbortController();
      const settled = openai.chat.completions
        .create({ model: 'patient', messages: [{ role: 'user', content: 'hi' }] }, { signal: abort.signal })
        .then(
          () => 'answered',
          () => 'aborted',
        );
      await until(() => up.hanging!.seen.length > seen);
      assert.equal(up.hanging!.seen.length, seen + 1, `request ${n} tried the hanging target first`);
      abort.abort();
      assert.equal(await settled, 'aborted');
      await until(async () => (await attempts('chat', 'chat/patient/0', 'cancelled')) === n);
      assert.equal(await attempts('chat', 'chat/patient/0', 'cancelled'), n);
    }
    // Past the grace, nothing was counted as the target's failure.
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal(await attempts('chat', 'chat/patient/0', 'no_response'), undefined);
  });

  it('an Anthropic client fails over from an overloaded Anthropic backend to an OpenAI one', async () => {
    stack.mock.reset();
    const msg = await anthropic.messages.create({
      model: 'claude',
      max_tokens: 30,
      system: 'be brief',
      messages: [{ role: 'user', content: 'hello' }],
    });
    assert.equal(msg.type, 'message');
    assert.equal(msg.role, 'assistant');
    assert.ok(msg.content.some((b) => b.type === 'text' && b.text.length > 0));
    assert.equal(up.overloaded!.seen.length, 1);
    assert.equal(up.overloaded!.seen[0]!.path, '/v1/messages');
    const got = stack.mock.lastRequest()!;
    assert.equal(got.path, '/v1/chat/completions');
    const body = got.json as { model: string; messages: { role: string }[] };
    assert.equal(body.model, 'gpt-4o');
    assert.deepEqual(
      body.messages.map((m) => m.role),
      ['system', 'user'],
    );
    assert.equal(await attempts('messages', 'messages/claude/0', 'http_529'), 1);
  });

  it('a Bedrock target is signed for its own attempt (SigV4 over the body it receives)', async () => {
    stack.mock.reset();
    const answer = await ask('signed');
    assert.equal(answer.object, 'chat.completion');
    const got = stack.mock.lastRequest()!;
    assert.equal(got.path, `/model/${encodeURIComponent(BEDROCK_MODEL)}/converse`);
    const auth = got.headers.authorization ?? '';
    assert.match(auth, /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/bedrock\/aws4_request/);
    // Recompute the signature over what the mock received: path, signed headers and body.
    const signedNames = /SignedHeaders=([^,]+)/.exec(auth)![1]!.split(';');
    const amz = got.headers['x-amz-date']!;
    const date = new Date(
      `${amz.slice(0, 4)}-${amz.slice(4, 6)}-${amz.slice(6, 8)}T${amz.slice(9, 11)}:${amz.slice(11, 13)}:${amz.slice(13, 15)}Z`,
    );
    const headers = Object.fromEntries(
      signedNames.filter((n) => n !== 'host' && n !== 'x-amz-date').map((n) => [n, got.headers[n]!]),
    );
    const again = signAwsRequest({
      method: 'POST',
      host: got.headers.host!,
      path: got.path,
      headers,
      body: got.body,
      region: 'us-east-1',
      service: 'bedrock',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      date,
    });
    assert.equal(again.authorization, auth);
    // The OpenAI attempt's key did not follow the request to Bedrock.
    assert.ok(!JSON.stringify(got.headers).includes('sk-openai-gateway'));
  });
});

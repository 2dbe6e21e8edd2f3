/**
 * Failover inside one request, through real Envoy with the official SDKs: Envoy retries across the
 * priorities of the request's failover cluster, and the upstream ext_proc filter translates every
 * attempt for its own target from the original request.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startStandaloneStack } from '../helpers/stack.js';
import type { StandaloneStack } from '../helpers/stack.js';
import { metricValue } from '../helpers/app.js';
import { RATE_LIMITED, startScripted } from '../helpers/scripted-upstream.js';
import type { ScriptedUpstream } from '../helpers/scripted-upstream.js';

const config = (limited: number): string => `
version: 1
backends:
  limited: { provider: openai, baseUrl: http://127.0.0.1:${limited}, auth: { none: true } }
  mock-anthropic: { provider: anthropic, baseUrl: http://{{UPSTREAM}}, cluster: mock, auth: { none: true } }
routes:
  - name: chat
    match: { pathPrefix: /v1/chat/completions }
    models:
      smart:
        targets:
          - { backend: limited, model: gpt-4o, priority: 0 }
          - { backend: mock-anthropic, model: claude-sonnet-4-5, priority: 1 }
`;

describe('failover inside one request (upstream ext_proc per attempt)', () => {
  let stack: StandaloneStack;
  let limited: ScriptedUpstream;
  let openai: OpenAI;
  before(async () => {
    limited = await startScripted(() => RATE_LIMITED);
    stack = await startStandaloneStack(config(limited.port));
    openai = new OpenAI({ baseURL: `${stack.envoy.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
  });
  after(async () => {
    await stack?.close();
    await limited?.close();
  });

  const stat = async (name: string): Promise<number> =>
    Number(
      new RegExp(`^${name.replace(/\./g, '\\.')}: (\\d+)$`, 'm').exec(await stack.envoy.stats())?.[1] ?? 'NaN',
    );

  it('a 429 with Retry-After: 30 is retried at once on the Anthropic target, translated from the OpenAI request', async () => {
    const started = Date.now();
    const answer = await openai.chat.completions.create({
      model: 'smart',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 20,
    });
    // Not a latency figure: only that the 30 s hint was not waited on.
    assert.ok(Date.now() - started < 30_000);
    assert.equal(answer.object, 'chat.completion');
    assert.ok(answer.choices[0]!.message.content);
    // The first attempt: the OpenAI-shaped request; the second: Anthropic's, from the same original.
    assert.equal(limited.seen.length, 1);
    assert.equal(limited.seen[0]!.path, '/v1/chat/completions');
    assert.equal((JSON.parse(limited.seen[0]!.body) as { model: string }).model, 'gpt-4o');
    const got = stack.mock.lastRequest()!;
    assert.equal(got.path, '/v1/messages');
    const body = got.json as { model: string; max_tokens: number; messages: unknown[] };
    assert.equal(body.model, 'claude-sonnet-4-5');
    assert.equal(body.max_tokens, 20);
    assert.deepEqual(body.messages, [{ role: 'user', content: 'hi' }]);
    assert.equal(got.headers['content-length'], String(got.body.length));
    // The backend header never reaches a provider, nor one provider's auth the next.
    assert.equal(got.headers['x-ai-extproc-backend'], undefined);
    assert.equal(limited.seen[0]!.headers['x-ai-extproc-backend'], undefined);
    // Envoy's retry counter and our attempt metric agree.
    assert.equal(await stat('cluster.failover.chat_smart.0-1.upstream_rq_retry'), 1);
    const metrics = await stack.ext.metrics();
    const attempts = (target: string, result: string): number | undefined =>
      metricValue(metrics, 'ai_extproc_upstream_attempts_total', { route: 'chat', target, result });
    assert.equal(attempts('chat/smart/0', 'http_429'), 1);
    assert.equal(attempts('chat/smart/1', 'ok'), 1);
    const log = (await stack.envoy.waitForAccessLog(1))[0]!;
    assert.equal(log.failover_target, 'chat/smart/1');
    assert.equal(log.failover_attempts, 2);
    assert.equal(log.provider, 'anthropic');
    assert.equal(log.status, 200);
  });
});

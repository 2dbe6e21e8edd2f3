/**
 * Budgets under failover, through real Envoy: an attempt that failed (429, 503) produced no output
 * and costs nothing; the client is charged what the target that served reported, once.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startStandaloneStack } from '../helpers/stack.js';
import type { StandaloneStack } from '../helpers/stack.js';
import { metricValue } from '../helpers/app.js';
import { startScripted } from '../helpers/scripted-upstream.js';
import type { ScriptedUpstream } from '../helpers/scripted-upstream.js';

const config = (failing: number): string => `
version: 1
backends:
  failing: { provider: openai, baseUrl: http://127.0.0.1:${failing}, auth: { none: true } }
  mock-anthropic: { provider: anthropic, baseUrl: http://{{UPSTREAM}}, cluster: mock, auth: { none: true } }
clients:
  alice: { key: { env: KEY_ALICE }, team: research }
routes:
  - name: chat
    match: { pathPrefix: /v1/chat/completions }
    policy:
      requireClient: true
      limits:
        - { name: per-client, key: [client], tokens: { limit: 1000000, per: day } }
    models:
      smart:
        targets:
          - { backend: failing, model: gpt-4o, priority: 0 }
          - { backend: mock-anthropic, model: claude-haiku-4-5, priority: 1 }
        # Every request tries the failing target first.
        cooldownMs: 0
`;

describe('budgets under failover (upstream ext_proc per attempt)', () => {
  let stack: StandaloneStack;
  let failing: ScriptedUpstream;
  let openai: OpenAI;
  before(async () => {
    // No Retry-After: the failing target is never cooled down.
    failing = await startScripted((n) =>
      n % 2 === 0
        ? { status: 429, body: '{"error":{"message":"slow down","type":"rate_limit_error"}}' }
        : { status: 503, body: '{"error":{"message":"unavailable","type":"server_error"}}' },
    );
    stack = await startStandaloneStack(config(failing.port), {}, { KEY_ALICE: 'vk-alice-0123456789' });
    openai = new OpenAI({ baseURL: `${stack.envoy.url}/v1`, apiKey: 'vk-alice-0123456789', maxRetries: 0 });
  });
  after(async () => {
    await stack?.close();
    await failing?.close();
  });

  it('failed attempts cost nothing: the client is charged the served answer once', async () => {
    let served = 0;
    for (const content of ['first question', 'a second, longer question about budgets']) {
      const answer = await openai.chat.completions.create({
        model: 'smart',
        messages: [{ role: 'user', content }],
        max_tokens: 30,
      });
      assert.ok(answer.choices[0]!.message.content);
      served += answer.usage!.total_tokens;
    }
    // Both requests did fail over: the failing target saw each one first.
    assert.equal(failing.seen.length, 2);
    assert.ok(served > 0);
    const m = await stack.ext.metrics();
    assert.equal(
      metricValue(m, 'ai_extproc_client_tokens_total', { client: 'alice', team: 'research' }),
      served,
    );
    const attempts = (target: string, result: string): number | undefined =>
      metricValue(m, 'ai_extproc_upstream_attempts_total', { route: 'chat', target, result });
    assert.equal(attempts('chat/smart/0', 'http_429'), 1);
    assert.equal(attempts('chat/smart/0', 'http_503'), 1);
    assert.equal(attempts('chat/smart/1', 'ok'), 2);
  });
});

/**
 * Client identity and budgets (memory store) through real Envoy: virtual keys (401 in the client's
 * format, never forwarded), reserve-then-settle under 50 concurrent streams against a 1,000-token
 * budget (never overshoots; refunds admit later requests), the 429's headers, input cost on a
 * client cancel, and the budget metrics.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startStandaloneStack } from '../helpers/stack.js';
import type { StandaloneStack } from '../helpers/stack.js';
import { metricValue } from '../helpers/app.js';
import {
  BUDGET_SECRETS,
  budgetConfig,
  client,
  reservation,
  spentTokens,
  wave,
  WAVE_PROMPT,
} from '../helpers/budget-wave.js';
import { expectedUsage } from '../../mock-provider/server.js';

describe('client identity and budgets through real Envoy (memory store)', () => {
  let stack: StandaloneStack;
  before(async () => {
    stack = await startStandaloneStack(budgetConfig(), {}, BUDGET_SECRETS);
  });
  after(async () => {
    await stack?.close();
  });

  it('a missing or unknown client key gets 401 in the client format; the upstream never sees it', async () => {
    for (const key of ['vk-unknown', '']) {
      const c = new OpenAI({ baseURL: `${stack.envoy.url}/v1`, apiKey: key || 'x', maxRetries: 0 });
      const headers = key ? {} : { authorization: null as unknown as string };
      await assert.rejects(
        c.chat.completions.create(
          { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
          { headers },
        ),
        (err: unknown) =>
          err instanceof OpenAI.AuthenticationError &&
          err.status === 401 &&
          (err.error as { type?: string }).type === 'authentication_error',
      );
    }
    assert.equal(stack.mock.requests.length, 0);
  });

  it('a known key: the backend key replaces it upstream, the route cap is set, the log names the client', async () => {
    const res = await client(stack.envoy.url, BUDGET_SECRETS.KEY_SMALL).chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.ok(res.choices[0]?.message.content);
    const up = stack.mock.lastRequest()!;
    assert.equal(up.headers.authorization, 'Bearer sk-gateway-key');
    assert.equal(JSON.stringify(up.headers).includes(BUDGET_SECRETS.KEY_SMALL), false);
    // The request named no max_tokens: the route's cap makes the reservation an upper bound.
    assert.equal((up.json as { max_completion_tokens?: number }).max_completion_tokens, 100);
    const summary = stack.ext.logs.find((l) => l.msg === 'request summary' && l.client === 'small');
    assert.ok(summary, 'summary line names the client');
    assert.equal(JSON.stringify(stack.ext.logs).includes(BUDGET_SECRETS.KEY_SMALL), false);
    stack.mock.reset();
  });

  it('50 concurrent streams on a 1,000-token budget: never overshoots, and refunds admit later requests', async () => {
    const c = client(stack.envoy.url, BUDGET_SECRETS.KEY_WAVE);
    const cap = 20;
    const each = reservation(cap);
    // Slow streams, so the 50 requests are in flight together.
    const first = await wave(c, 50, cap, { 'x-mock-stream-delay-ms': '40' });
    assert.deepEqual(first.other, []);
    assert.equal(first.admitted + first.limited, 50);
    assert.ok(first.admitted >= Math.floor(1000 / each), `admitted ${first.admitted}, reservation ${each}`);
    assert.ok(first.limited > 0, 'the budget refused some');
    assert.equal(first.usageChunks, 0, 'the client did not ask for usage and never sees it');
    // Every stream asked the upstream for usage (no free streams).
    for (const r of stack.mock.requests)
      assert.deepEqual((r.json as { stream_options?: unknown }).stream_options, { include_usage: true });
    let spent = spentTokens(stack.mock);
    assert.ok(spent <= 1000, `spent ${spent}`);
    // Short answers settle below their reservation: the refunds admit more, one at a time.
    let later = 0;
    for (let i = 0; i < 200; i++) {
      const r = await wave(c, 1, cap, { 'x-mock-text': 'ok' });
      if (r.admitted === 0) break;
      later++;
    }
    assert.ok(later > 0, 'refunds admitted later requests');
    spent = spentTokens(stack.mock);
    assert.ok(spent <= 1000, `spent ${spent}`);
    // Counted to the token: what is left is less than one reservation.
    assert.ok(spent > 1000 - each, `spent ${spent}, reservation ${each}`);
    const m = await stack.ext.metrics();
    assert.equal(metricValue(m, 'ai_extproc_client_tokens_total', { client: 'wave', team: 'load' }), spent);
    assert.ok(
      (metricValue(m, 'ai_extproc_budget_decisions_total', { limit: 'per-client', decision: 'limited' }) ??
        0) > 0,
    );
    assert.ok(
      (metricValue(m, 'ai_extproc_cost_usd_total', { route: 'chat', model: 'gpt-4o-mini' }) ?? 0) > 0,
    );
  });

  it('the 429: OpenAI RateLimitError with retry-after and x-ratelimit-* headers', async () => {
    const c = client(stack.envoy.url, BUDGET_SECRETS.KEY_WAVE);
    const err = await c.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: WAVE_PROMPT }], max_tokens: 20 })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(err instanceof OpenAI.RateLimitError, String(err));
    const h = err.headers;
    assert.ok(Number(h.get('retry-after')) > 0);
    assert.equal(h.get('x-ratelimit-limit-tokens'), '1000');
    assert.ok(Number(h.get('x-ratelimit-remaining-tokens')) < reservation(20));
    assert.match(h.get('x-ratelimit-reset-tokens') ?? '', /^(\d+h)?(\d+m)?\d+s$/);
  });

  it('a client that cancels mid-stream is charged its input tokens', async () => {
    const c = client(stack.envoy.url, BUDGET_SECRETS.KEY_CANCEL);
    stack.mock.reset();
    const stream = await c.chat.completions.create(
      {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: WAVE_PROMPT }],
        stream: true,
        max_tokens: 50,
      },
      { headers: { 'x-mock-stream-delay-ms': '200' } },
    );
    for await (const _ of stream) {
      stream.controller.abort();
      break;
    }
    const input = reservation(0);
    let charged: number | undefined;
    for (let i = 0; i < 100 && charged === undefined; i++) {
      charged = metricValue(await stack.ext.metrics(), 'ai_extproc_client_tokens_total', {
        client: 'cancel',
      });
      if (charged === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(charged, input);
    // The mock would have charged more for the whole answer.
    const up = stack.mock.lastRequest()!;
    assert.ok(expectedUsage({ path: up.path, body: up.body, headers: up.headers }).totalTokens > input);
  });

  it('a limit keyed on the client IP counts the peer Envoy saw: a forged x-forwarded-for is no new bucket', async () => {
    const c = new OpenAI({ baseURL: `${stack.envoy.url}/ip/v1`, apiKey: 'unused', maxRetries: 0 });
    const statuses: number[] = [];
    for (const xff of ['1.2.3.4', '5.6.7.8', '9.9.9.9']) {
      statuses.push(
        await c.chat.completions
          .create(
            { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 },
            { headers: { 'x-forwarded-for': xff } },
          )
          .then(
            () => 200,
            (e: unknown) => (e instanceof OpenAI.APIError ? Number(e.status) : -1),
          ),
      );
    }
    assert.deepEqual(statuses, [200, 200, 429]);
  });
});

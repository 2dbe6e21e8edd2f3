/**
 * Failover aliases through real Envoy with the OpenAI SDK (router-level target choice): with one
 * attempt per request, a target that answered 429 with Retry-After is not tried first by the next
 * request, which the Anthropic mock serves with a body translated from the OpenAI request; and the
 * weighted split inside a priority sends each target its share (2,000 requests, on the two-filter
 * path of an alias that retries inside a request).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { startStandaloneStack } from '../helpers/stack.js';
import type { StandaloneStack } from '../helpers/stack.js';

/** An OpenAI-compatible upstream that is always rate limited (and counts what it got). */
async function startRateLimited(): Promise<{ port: number; hits: () => number; close(): Promise<void> }> {
  let hits = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      hits++;
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '30' });
      res.end(
        JSON.stringify({ error: { message: 'slow down', type: 'requests', code: 'rate_limit_exceeded' } }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    hits: () => hits,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const config = (limitedPort: number): string => `
version: 1
backends:
  limited: { provider: openai, baseUrl: http://127.0.0.1:${limitedPort}, auth: { none: true } }
  mock-openai: { provider: openai, baseUrl: http://{{UPSTREAM}}, cluster: mock, auth: { none: true } }
  mock-anthropic: { provider: anthropic, baseUrl: http://{{UPSTREAM}}, cluster: mock, auth: { none: true } }
routes:
  - name: chat
    match: { pathPrefix: /v1/chat/completions }
    models:
      smart:
        targets:
          - { backend: limited, model: gpt-4o, priority: 0 }
          - { backend: mock-anthropic, model: claude-sonnet-4-5, priority: 1 }
        retry: { attempts: 1 }
      split:
        targets:
          - { backend: mock-openai, model: gpt-4o-mini, weight: 3 }
          - { backend: mock-anthropic, model: claude-haiku-4-5, weight: 1 }
`;

describe('failover aliases through real Envoy', () => {
  let stack: StandaloneStack;
  let limited: Awaited<ReturnType<typeof startRateLimited>>;
  let openai: OpenAI;
  before(async () => {
    limited = await startRateLimited();
    stack = await startStandaloneStack(config(limited.port));
    openai = new OpenAI({ baseURL: `${stack.envoy.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
  });
  after(async () => {
    await stack?.close();
    await limited?.close();
  });

  it('a target that answered 429 with Retry-After is not tried first by the next request', async () => {
    const ask = () =>
      openai.chat.completions.create({
        model: 'smart',
        messages: [{ role: 'user', content: 'hi' }],
        max_tokens: 20,
      });
    await assert.rejects(ask(), (err: unknown) => err instanceof OpenAI.RateLimitError);
    assert.equal(limited.hits(), 1);
    stack.mock.reset();
    const answer = await ask();
    // The second request's access-log line (the generated config logs our metadata keys).
    const log = (await stack.envoy.waitForAccessLog(2))[1]!;
    assert.equal(log.failover_target, 'chat/smart/1');
    assert.equal(log.backend, 'mock-anthropic');
    assert.equal(answer.object, 'chat.completion');
    assert.ok(answer.choices[0]!.message.content);
    assert.equal(limited.hits(), 1, 'the cooled-down target was not tried again');
    const got = stack.mock.lastRequest()!;
    assert.equal(got.path, '/v1/messages');
    const body = got.json as { model: string; max_tokens: number; messages: unknown[] };
    assert.equal(body.model, 'claude-sonnet-4-5');
    assert.equal(body.max_tokens, 20);
    assert.deepEqual(body.messages, [{ role: 'user', content: 'hi' }]);
    const metrics = await stack.ext.metrics();
    const attempts = (target: string, result: string): number =>
      Number(
        new RegExp(
          `^ai_extproc_upstream_attempts_total\\{route="chat",target="${target}",result="${result}"\\} (\\d+)$`,
          'm',
        ).exec(metrics)?.[1] ?? 0,
      );
    assert.equal(attempts('chat/smart/0', 'http_429'), 1);
    assert.equal(attempts('chat/smart/1', 'ok'), 1);
  });

  it('splits a priority by weight (2,000 requests, 3:1, within 5 %)', async () => {
    stack.mock.reset();
    const n = 2000;
    let next = 0;
    // A bounded loop: 8 requests in flight at a time, over loopback.
    const worker = async (): Promise<void> => {
      while (next < n) {
        next++;
        await openai.chat.completions.create({ model: 'split', messages: [{ role: 'user', content: 'x' }] });
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const toOpenAI = stack.mock.requests.filter((r) => r.path.endsWith('/chat/completions')).length;
    const toAnthropic = stack.mock.requests.filter((r) => r.path === '/v1/messages').length;
    assert.equal(toOpenAI + toAnthropic, n, 'one attempt each: nothing failed over');
    // 3:1 → a 75 % share; 5 points either side is more than 5 standard deviations (σ ≈ 0.97 %).
    assert.ok(Math.abs(toOpenAI / n - 0.75) <= 0.05, `openai ${toOpenAI}, anthropic ${toAnthropic}`);
  });
});

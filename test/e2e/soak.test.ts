/**
 * Soak through real Envoy: 20,000 requests paced at 220 requests/s, zero non-200 answers, nothing
 * lost. It asserts correctness only: on a busy machine the pace may slip, and the achieved rate is
 * printed, not asserted (rates belong in `make bench`).
 * Every request is a full ext_proc exchange (4 messages); Envoy resets each ext_proc stream when
 * it is done with it, so this also proves the HTTP/2 reset limit no longer closes connections.
 * SOAK_REQUESTS / SOAK_RPS override the defaults for local experiments.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startKgatewayStack } from '../helpers/stack.js';
import type { KgatewayStack } from '../helpers/stack.js';
import { metricValue } from '../helpers/app.js';

const TOTAL = Number(process.env.SOAK_REQUESTS ?? 20_000);
const RPS = Number(process.env.SOAK_RPS ?? 220);
// A generous bound for a loaded machine; it only stops a hung run.
const MAX_SECONDS = Math.ceil(TOTAL / 20) + 120;
const BODY = JSON.stringify({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'soak test message' }],
});

function post(agent: http.Agent, port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/chat/completions',
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          authorization: 'Bearer soak',
          'content-length': Buffer.byteLength(BODY),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(-1));
      },
    );
    req.on('error', () => resolve(-1));
    req.end(BODY);
  });
}

describe('soak through real Envoy', () => {
  let stack: KgatewayStack;
  before(async () => {
    stack = await startKgatewayStack({ LOG_LEVEL: 'warn' });
  });
  after(async () => {
    await stack?.close();
  });

  it(
    `${TOTAL} requests paced at ${RPS}/s: zero non-200, none lost`,
    { timeout: MAX_SECONDS * 1000 },
    async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
      const statuses = new Map<number, number>();
      const interval = 1000 / RPS;
      const start = performance.now();
      const inflight = new Set<Promise<void>>();
      for (let i = 0; i < TOTAL; i++) {
        const due = start + i * interval;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        const p = post(agent, stack.envoy.listenPort).then((code) => {
          statuses.set(code, (statuses.get(code) ?? 0) + 1);
          inflight.delete(p);
        });
        inflight.add(p);
      }
      await Promise.all(inflight);
      const seconds = (performance.now() - start) / 1000;
      agent.destroy();
      const done = [...statuses.values()].reduce((a, b) => a + b, 0);
      const rate = done / seconds;
      console.log(
        `soak: ${done} requests in ${seconds.toFixed(1)} s = ${rate.toFixed(1)} req/s, statuses ${JSON.stringify([...statuses])}`,
      );
      assert.equal(done, TOTAL);
      assert.deepEqual([...statuses.keys()], [200]);

      const stats = await stack.envoy.stats();
      const stat = (name: string) =>
        Number(new RegExp(`^${name.replace(/\./g, '\\.')}: (\\d+)$`, 'm').exec(stats)?.[1] ?? 'NaN');
      assert.equal(stat('http.http.ext_proc.streams_started'), TOTAL);
      assert.equal(stat('http.http.ext_proc.streams_failed'), 0);
      // The ext_proc connection was never torn down by a GOAWAY from the server.
      assert.equal(stat('cluster.ai_ext_proc_uds_cluster.upstream_cx_total'), 1);
      const m = await stack.ext.metrics();
      assert.ok(
        (metricValue(m, 'ai_completion_tokens_total', { llm: 'openai', model: 'gpt-4o-mini' }) ?? 0) > 0,
      );
    },
  );
});

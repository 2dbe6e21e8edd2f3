/**
 * Endpoint picking through real Envoy, one test per Inference Extension conformance case, on three
 * fake vLLM servers: a forced choice is followed; the served endpoint comes back; the subset hint
 * is honoured and an empty one is a 503; the fallback list is used when the first server answers
 * 503; FailOpen lands requests when picking cannot work and FailClose refuses; with our server
 * stopped, a FailOpen route with nothing to guard still lands, FailClose and a guarded route are 500. Then load spreading: skewed queues, a shared long prefix, LoRA.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startStandaloneStack } from '../helpers/stack.js';
import type { StandaloneStack } from '../helpers/stack.js';
import { startFakeVllm } from '../helpers/fake-vllm.js';
import type { FakeVllm } from '../helpers/fake-vllm.js';
import { metricValue } from '../helpers/app.js';

const pool = (servers: readonly FakeVllm[], failureMode: string): string => `
    kind: pool
    provider: openai
    auth: { none: true }
    pool:
      servers: [${servers.map((s) => `"${s.endpoint}"`).join(', ')}]
      scrapeIntervalMs: 50
      failureMode: ${failureMode}
      testSelectionHeader: true
      objectives: { batch-llama: { priority: -1 } }`;

const config = (s: readonly FakeVllm[]): string => `version: 1
backends:
  open:${pool(s, 'FailOpen')}
  closed:${pool(s, 'FailClose')}
routes:
  - name: guarded
    match: { pathPrefix: /guarded }
    backend: open
    policy:
      guards:
        request:
          regex: { action: REJECT, builtins: [CREDIT_CARD] }
  - name: open
    match: { pathPrefix: /open }
    backend: open
  - name: closed
    match: { pathPrefix: /closed }
    backend: closed
`;

/** Stands in for the proxy's subset hint: a filter of the user's own copies a header into it. */
const SUBSET_FILTER = {
  name: 'envoy.filters.http.header_to_metadata',
  typed_config: {
    '@type': 'type.googleapis.com/envoy.extensions.filters.http.header_to_metadata.v3.Config',
    request_rules: [
      {
        header: 'x-test-subset',
        on_header_present: {
          metadata_namespace: 'envoy.lb.subset_hint',
          key: 'x-gateway-destination-endpoint-subset',
          type: 'STRING',
        },
        remove: true,
      },
    ],
  },
};

interface Answer {
  status: number;
  served: string | undefined;
  by: string | undefined;
  body: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('endpoint picking through real Envoy', () => {
  let stack: StandaloneStack;
  let servers: FakeVllm[];
  let a: FakeVllm, b: FakeVllm, c: FakeVllm;

  const ask = async (
    route: 'open' | 'closed' | 'guarded',
    opts: { model?: string; content?: string; headers?: Record<string, string> } = {},
  ): Promise<Answer> => {
    const res = await fetch(`${stack.envoy.url}/${route}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...opts.headers },
      body: JSON.stringify({
        model: opts.model ?? 'llama',
        messages: [{ role: 'user', content: opts.content ?? 'hello' }],
      }),
    });
    const body = await res.text();
    return {
      status: res.status,
      served: res.headers.get('x-gateway-destination-endpoint-served') ?? undefined,
      by: /served by (\w+)/.exec(body)?.[1],
      body,
    };
  };

  /** Waits until every server has been scraped (metrics fresh). */
  const settle = async () => {
    for (let i = 0; i < 100; i++) {
      const m = await stack.ext.metrics();
      const fresh = ['open', 'closed'].every((pool) =>
        servers.every((s) => {
          const age = metricValue(m, 'ai_extproc_pool_metrics_age_seconds', { pool, endpoint: s.endpoint });
          const out = metricValue(m, 'ai_extproc_pool_endpoint_excluded', { pool, endpoint: s.endpoint });
          return age !== undefined && age >= 0 && age < 0.5 && out === 0;
        }),
      );
      if (fresh) return;
      await sleep(50);
    }
    throw new Error('pool metrics never fresh');
  };

  before(async () => {
    a = await startFakeVllm({ name: 'a', model: 'llama' });
    b = await startFakeVllm({ name: 'b', model: 'llama', oldKvName: true });
    c = await startFakeVllm({ name: 'c', model: 'llama', adapters: ['sql-lora'] });
    servers = [a, b, c];
    stack = await startStandaloneStack(
      config(servers),
      {},
      {},
      { extras: { httpFilters: [SUBSET_FILTER], clusters: [] } },
    );
    await settle();
  });
  after(async () => {
    await stack?.close();
    for (const s of servers ?? []) await s.close();
  });

  it('follows a forced choice (test config) on both failure modes', async () => {
    for (const route of ['open', 'closed'] as const)
      for (const s of servers) {
        const r = await ask(route, { headers: { 'test-epp-endpoint-selection': s.endpoint } });
        assert.equal(r.status, 200, r.body);
        assert.equal(r.by, s.name);
      }
  });

  it('returns the served endpoint, and the summary log names the pick with its score parts', async () => {
    // Envoy sets its own x-request-id (use_remote_address): the line is the next summary after this.
    const seen = stack.ext.logs.length;
    const r = await ask('open');
    assert.equal(r.status, 200);
    const by = servers.find((s) => s.name === r.by)!;
    assert.equal(r.served, by.endpoint);
    let line: Record<string, unknown> | undefined;
    for (let i = 0; i < 100 && !line; i++) {
      line = stack.ext.logs.slice(seen).find((l) => l.msg === 'request summary' && l.route === 'open');
      if (!line) await sleep(20);
    }
    const pick = line?.pick as
      { endpoint: string; served: string; parts: Record<string, number> } | undefined;
    assert.equal(pick?.endpoint, by.endpoint);
    assert.equal(pick?.served, by.endpoint);
    assert.equal(typeof pick?.parts.queue, 'number');
  });

  it('never lets a client choose: its destination header is removed', async () => {
    // Envoy strips the header; an ORIGINAL_DST cluster would otherwise connect where it says.
    const r = await ask('closed', { headers: { 'x-gateway-destination-endpoint': '127.0.0.1:9' } });
    assert.equal(r.status, 200);
  });

  it('honours the subset hint; an empty intersection is a 503', async () => {
    for (const route of ['open', 'closed'] as const) {
      const r = await ask(route, { headers: { 'x-test-subset': `10.0.0.1:80,${c.endpoint}` } });
      assert.equal(r.by, 'c');
      const none = await ask(route, { headers: { 'x-test-subset': '10.0.0.1:80' } });
      assert.equal(none.status, 503);
      assert.match(none.body, /subset/);
    }
  });

  it('uses the fallback list when the first server answers 503 (FailOpen)', async () => {
    // a is best (no load); b next (less KV in use than c); every server has free slots.
    b.addLoad(2);
    c.addLoad(3);
    await sleep(200);
    a.fail503(1);
    const before = a.served;
    const r = await ask('open');
    assert.equal(r.status, 200, r.body);
    assert.equal(r.by, 'b');
    assert.equal(a.served, before);
    b.clearLoad();
    c.clearLoad();
  });

  it('sends at least 80 % of requests to the least loaded server when queues are skewed', async () => {
    b.addLoad(10);
    c.addLoad(10);
    await sleep(200);
    const counts = new Map<string, number>();
    for (let i = 0; i < 20; i++) {
      const r = await ask('open', { content: `question ${i}` });
      counts.set(r.by ?? '?', (counts.get(r.by ?? '?') ?? 0) + 1);
    }
    b.clearLoad();
    c.clearLoad();
    assert.ok((counts.get('a') ?? 0) >= 16, JSON.stringify([...counts]));
  });

  it('keeps prompts that share a long prefix on one server', async () => {
    await sleep(200);
    const prefix = 'You are a careful assistant. '.repeat(100);
    const first = await ask('open', { content: `${prefix} first` });
    let same = 0;
    for (let i = 0; i < 10; i++)
      if ((await ask('open', { content: `${prefix} q${i}` })).by === first.by) same++;
    assert.ok(same >= 8, `${same} of 10 on ${first.by}`);
  });

  it('sends a LoRA request to a server that has the adapter', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await ask('open', { model: 'sql-lora', content: `lora ${i}` });
      assert.equal(r.status, 200, r.body);
      assert.equal(r.by, 'c');
    }
  });

  it('sheds a sheddable request with 429 when every server is saturated', async () => {
    // Saturated: more than 5 waiting and KV over 0.8 on every server.
    for (const s of servers) s.addLoad(12);
    await sleep(250);
    const r = await ask('open', { model: 'batch-llama' });
    assert.equal(r.status, 429);
    assert.match(r.body, /saturated/);
    // In the client's own format: an Anthropic client gets an Anthropic error.
    const res = await fetch(`${stack.envoy.url}/open/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: 'batch-llama',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    assert.equal(res.status, 429);
    const err = (await res.json()) as { type: string; error: { type: string } };
    assert.equal(err.type, 'error');
    assert.equal(err.error.type, 'rate_limit_error');
    for (const s of servers) s.clearLoad();
  });

  it('FailOpen lands requests when no server can be scored; FailClose answers 503', async () => {
    for (const s of servers) s.metricsDown = true;
    // Three failed scrapes in a row leave a server out.
    for (let i = 0; i < 100; i++) {
      const m = await stack.ext.metrics();
      if (
        servers.every(
          (s) =>
            metricValue(m, 'ai_extproc_pool_endpoint_excluded', { pool: 'open', endpoint: s.endpoint }) === 1,
        )
      )
        break;
      await sleep(50);
    }
    const m = await stack.ext.metrics();
    assert.ok(
      (metricValue(m, 'ai_extproc_pool_scrape_errors', { pool: 'open', endpoint: a.endpoint }) ?? 0) >= 3,
    );
    const open = await ask('open');
    assert.equal(open.status, 200, open.body);
    const closed = await ask('closed');
    assert.equal(closed.status, 503);
    assert.ok(
      (metricValue(await stack.ext.metrics(), 'ai_extproc_endpoint_picks_total', {
        pool: 'open',
        reason: 'fail-open',
      }) ?? 0) >= 1,
    );
    for (const s of servers) s.metricsDown = false;
    await settle();
    assert.equal((await ask('closed')).status, 200);
  });

  it('our server stopped: FailOpen still lands (round robin), FailClose and a guarded route refuse', async () => {
    // Up: the fail-open route's requests go through our server (the pick is followed, guards run).
    const forced = await ask('open', { headers: { 'test-epp-endpoint-selection': b.endpoint } });
    assert.equal(forced.by, 'b');
    assert.equal((await ask('guarded', { content: 'card 4111 1111 1111 1111' })).status, 403);
    // The guarded FailOpen route was named at load: it needs ai-extproc up.
    const warned = stack.ext.logs.filter(
      (l) => typeof l.msg === 'string' && l.msg.startsWith('FailOpen pool route'),
    );
    assert.deepEqual(
      warned.map((l) => [l.route, l.reasons]),
      [['guarded', ['guards']]],
    );
    await stack.ext.close();
    const by = new Set<string | undefined>();
    for (let i = 0; i < 6; i++) {
      const r = await ask('open');
      assert.equal(r.status, 200, r.body);
      by.add(r.by);
    }
    // No picker: the override_host cluster's round-robin fallback spreads them.
    assert.ok(by.size >= 2, [...by].join(','));
    assert.equal((await ask('closed')).status, 500);
    assert.equal((await ask('guarded')).status, 500);
  });
});

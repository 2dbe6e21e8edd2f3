/**
 * Failover inside a request, server side: the held-request store (random keys, bounds, expiry),
 * the cluster names and orders the generator and the router agree on, and an attempt stream that
 * fails closed when it cannot show which request and target it belongs to.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatIssue, loadStandaloneConfigText } from '../../../../src/config/standalone/index.js';
import type { CompiledFailover, RuntimeConfig } from '../../../../src/config/standalone/index.js';
import {
  CLUSTER_ATTRIBUTE,
  TARGET_ATTRIBUTE,
  attemptOrders,
  failoverClusterName,
  orderCount,
  retriesInRequest,
} from '../../../../src/config/standalone/failover-clusters.js';
import {
  failoverClusters,
  failoverRoutes,
  retryPolicy,
} from '../../../../src/config/envoy/failover-clusters.js';
import { HeldRequests } from '../../../../src/pipeline/attempts/held-requests.js';
import type { HeldRequest } from '../../../../src/pipeline/attempts/held-requests.js';
import { AttemptExchange } from '../../../../src/pipeline/attempts/attempt-exchange.js';
import { FailoverState } from '../../../../src/pipeline/failover.js';

function load(extra = ''): RuntimeConfig {
  const r = loadStandaloneConfigText(
    `version: 1
backends:
  a: { provider: openai, baseUrl: https://api.example.com, auth: { none: true } }
  b: { provider: anthropic, baseUrl: http://127.0.0.1:9, auth: { none: true } }
  c: { provider: openai, baseUrl: http://127.0.0.1:10, auth: { none: true } }
routes:
  - name: chat
    models:
      smart:
        targets: [{ backend: a, model: m1 }, { backend: b, model: m2, priority: 1 }, { backend: c, model: m3, priority: 2 }]
        retry: { attempts: 2, on: [429, connect-failure], perTryTimeoutMs: 1500 }
      single:
        targets: [{ backend: a, model: m1 }, { backend: b, model: m2 }]
        retry: { attempts: 1 }
${extra}`,
    { env: {} },
  );
  assert.ok(r.ok, r.ok ? '' : r.errors.map(formatIssue).join('\n'));
  return r.config;
}
const alias = (c: RuntimeConfig, name: string): CompiledFailover => c.routes[0]!.models![name]!.failover!;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Envoy config is read as loose JSON
type Obj = Record<string, any>;

function held(f: CompiledFailover, cluster: string, bytes = 10): HeldRequest {
  return {
    cluster,
    route: 'chat',
    failover: f,
    order: f.targets,
    canonical: { model: 'smart', messages: [{ role: 'user', content: 'hi' }] },
    stream: false,
    clientHeaders: new Map(),
    clientDropped: [],
    decodedRequest: false,
    estimate: 0,
    bytes,
    attempts: [],
    touched: new Set(),
  };
}

describe('failover clusters: one per order of the attempts', () => {
  const c = load();
  const f = alias(c, 'smart');

  it('orders, names and which aliases retry in a request', () => {
    assert.equal(orderCount(3, 2), 6);
    assert.equal(attemptOrders(f).length, 6);
    assert.deepEqual(attemptOrders(f)[0], [0, 1]);
    assert.equal(failoverClusterName(f, [1, 0]), 'failover.chat_smart.1-0');
    assert.ok(retriesInRequest(f));
    assert.ok(!retriesInRequest(alias(c, 'single')), 'one attempt: no failover cluster');
  });

  it('the generator: targets at the priorities of their places, TLS per target, the upstream filter', () => {
    const clusters = failoverClusters(c) as Obj[];
    assert.equal(clusters.length, 6);
    const cl = clusters.find((x) => x.name === 'failover.chat_smart.0-1')!;
    assert.equal(cl.type, 'STRICT_DNS');
    const eps = cl.load_assignment.endpoints;
    assert.deepEqual(
      (eps as Obj[]).map((e) => [
        Number(e.priority),
        String(e.lb_endpoints[0].metadata.filter_metadata.ai_extproc.target),
      ]),
      [
        [0, 'chat/smart/0'],
        [1, 'chat/smart/1'],
      ],
    );
    // Only the https target gets TLS: its own SNI and name check.
    assert.equal(cl.transport_socket_matches.length, 1);
    const tls = cl.transport_socket_matches[0].transport_socket.typed_config;
    assert.equal(tls.sni, 'api.example.com');
    assert.deepEqual(tls.common_tls_context.validation_context.match_typed_subject_alt_names, [
      { san_type: 'DNS', matcher: { exact: 'api.example.com' } },
    ]);
    const filters =
      cl.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions']
        .http_filters;
    assert.deepEqual(
      filters.map((x: Obj) => String(x.name)),
      ['ai-extproc-attempt', 'envoy.filters.http.upstream_codec'],
    );
    const ext = filters[0].typed_config;
    assert.deepEqual(ext.request_attributes, [TARGET_ATTRIBUTE, CLUSTER_ATTRIBUTE]);
    assert.deepEqual(ext.grpc_service.initial_metadata, [{ key: 'x-ai-extproc-stream', value: 'attempt' }]);
    assert.equal(ext.processing_mode.request_body_mode, 'BUFFERED');
  });

  it('the retry policy follows retry: and walks the priorities without waiting for any Retry-After', () => {
    const p: Obj = retryPolicy(alias(load(), 'smart'));
    assert.equal(p.retry_on, 'retriable-status-codes,connect-failure');
    assert.deepEqual(p.retriable_status_codes, [429]);
    assert.equal(p.num_retries, 1);
    assert.equal(p.per_try_timeout, '1.5s');
    assert.equal(p.retry_priority.name, 'envoy.retry_priorities.previous_priorities');
    // Another target never waits for the last one's Retry-After.
    assert.equal(p.rate_limited_retry_back_off, undefined);
    assert.deepEqual(p.retry_back_off, { base_interval: '0.002s', max_interval: '0.02s' });
    const routes = failoverRoutes(c) as Obj[];
    assert.equal(routes.length, 6);
    // The attempt key stays for the upstream filter; the backend header goes.
    assert.deepEqual(routes[0]!.request_headers_to_remove, ['x-ai-extproc-backend']);
  });
});

describe('HeldRequests', () => {
  const f = alias(load(), 'smart');

  it('random keys; released or expired requests are gone', () => {
    let now = 0;
    const s = new HeldRequests({ maxEntries: 10, maxBytes: 1000, ttlMs: 100, now: () => now });
    const k1 = s.hold(held(f, 'x'))!;
    const k2 = s.hold(held(f, 'x'))!;
    assert.match(k1, /^[0-9a-f-]{36}$/);
    assert.notEqual(k1, k2);
    assert.equal(s.get(k1)?.cluster, 'x');
    s.release(k1);
    assert.equal(s.get(k1), undefined);
    now = 100;
    assert.equal(s.get(k2), undefined, 'expired');
    assert.equal(s.size, 0);
  });

  it('bounded by entries and bytes (a full store holds nothing more until entries expire)', () => {
    let now = 0;
    const s = new HeldRequests({ maxEntries: 2, maxBytes: 25, ttlMs: 100, now: () => now });
    assert.ok(s.hold(held(f, 'x', 10)));
    assert.ok(s.hold(held(f, 'x', 10)));
    assert.equal(s.hold(held(f, 'x', 1)), undefined, 'entries');
    now = 200;
    assert.ok(s.hold(held(f, 'x', 20)), 'expired entries were swept');
    assert.equal(s.hold(held(f, 'x', 10)), undefined, 'bytes');
  });
});

describe('AttemptExchange fails closed', () => {
  const f = alias(load(), 'smart');
  const deps = () => ({
    held: new HeldRequests(),
    failover: new FailoverState(),
    log: { warn() {}, info() {}, debug() {}, error() {} },
  });
  const attrs = (target: string, cluster: string) => ({
    observability: false,
    filterMetadata: {},
    attributes: {
      'envoy.filters.http.ext_proc': { [TARGET_ATTRIBUTE]: target, [CLUSTER_ATTRIBUTE]: cluster },
    },
  });

  it('no key, an unknown key, another cluster or a target outside the order: a 500, nothing translated', () => {
    const d = deps();
    const key = d.held.hold(held(f, 'failover.chat_smart.0-1'))!;
    const cases: [Map<string, string>, ReturnType<typeof attrs>][] = [
      [new Map(), attrs('chat/smart/0', 'failover.chat_smart.0-1')],
      [new Map([['x-ai-extproc-attempt-key', 'guess']]), attrs('chat/smart/0', 'failover.chat_smart.0-1')],
      [new Map([['x-ai-extproc-attempt-key', key]]), attrs('chat/smart/0', 'failover.chat_smart.1-0')],
      [new Map([['x-ai-extproc-attempt-key', key]]), attrs('chat/other/0', 'failover.chat_smart.0-1')],
    ];
    for (const [headers, ctx] of cases) {
      const out = new AttemptExchange(d).headers('request', headers, false, ctx);
      assert.equal(out.reply?.status, 500);
      assert.equal(out.reply?.details, 'ai_extproc_attempt_unknown');
    }
  });

  it('its own request: translated for the target Envoy picked, the earlier attempt’s headers removed', () => {
    const d = deps();
    const h = held(f, 'failover.chat_smart.0-1');
    h.touched.add('authorization');
    const key = d.held.hold(h)!;
    const x = new AttemptExchange(d);
    const hdrs = x.headers(
      'request',
      new Map([['x-ai-extproc-attempt-key', key]]),
      false,
      attrs('chat/smart/1', 'failover.chat_smart.0-1'),
    );
    assert.equal(hdrs.bodyPlan, 'buffer');
    const end = x.end('request') as { body: Buffer; headers: { set: [string, string][]; remove: string[] } };
    const body = JSON.parse(end.body.toString()) as { model: string };
    assert.equal(body.model, 'm2');
    assert.ok(end.headers.set.some(([k, v]) => k === ':path' && v === '/v1/messages'));
    assert.ok(end.headers.remove.includes('authorization'));
    assert.equal(h.attempts.length, 1);
    x.headers('response', new Map([[':status', '200']]), false, attrs('', ''));
    assert.equal(h.attempts[0]!.status, 200);
  });
});

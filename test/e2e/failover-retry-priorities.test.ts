/**
 * The Envoy half of cross-provider failover, proven on the pinned Envoy: one cluster whose
 * targets sit at priority levels, and a route retry policy with previous_priorities. A 429 with
 * `Retry-After: 30` moves to the next priority at once (rate_limited_retry_back_off with a short
 * max_interval discards the long hint), a refused connection does too, and each attempt carries
 * x-envoy-attempt-count (what a per-attempt filter keys on). Plain upstreams: no ext_proc here.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort, startEnvoy } from '../helpers/envoy.js';
import type { EnvoyProcess } from '../helpers/envoy.js';

interface Upstream {
  readonly port: number;
  readonly seen: Record<string, string | string[] | undefined>[];
  close(): Promise<void>;
}

async function upstream(status: number, headers: Record<string, string> = {}): Promise<Upstream> {
  const seen: Upstream['seen'] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    req.on('end', () => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify({ status }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const endpoints = (ports: readonly number[]): string =>
  ports
    .map(
      (port, priority) => `
        - priority: ${priority}
          lb_endpoints:
            - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ${port} } } }`,
    )
    .join('');

function config(listenPort: number, adminPort: number, clusters: Record<string, number[]>): string {
  const routes = Object.keys(clusters)
    .map(
      (name) => `
                        - match: { prefix: /${name} }
                          route:
                            cluster: ${name}
                            retry_policy:
                              retry_on: retriable-status-codes,connect-failure,reset
                              retriable_status_codes: [429, 500, 502, 503, 504, 529]
                              num_retries: ${clusters[name]!.length - 1}
                              retry_priority:
                                name: envoy.retry_priorities.previous_priorities
                                typed_config:
                                  "@type": type.googleapis.com/envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig
                                  update_frequency: 1
                              retry_back_off: { base_interval: 0.01s, max_interval: 0.05s }
                              rate_limited_retry_back_off:
                                reset_headers:
                                  - { name: retry-after, format: SECONDS }
                                  - { name: x-ratelimit-reset, format: UNIX_TIMESTAMP }
                                max_interval: 1s`,
    )
    .join('');
  const cl = Object.entries(clusters)
    .map(
      ([name, ports]) => `
    - name: ${name}
      type: STATIC
      connect_timeout: 1s
      load_assignment:
        cluster_name: ${name}
        endpoints:${endpoints(ports)}`,
    )
    .join('');
  return `
admin: { address: { socket_address: { address: 127.0.0.1, port_value: ${adminPort} } } }
static_resources:
  listeners:
    - name: main
      address: { socket_address: { address: 127.0.0.1, port_value: ${listenPort} } }
      filter_chains:
        - filters:
            - name: envoy.filters.network.http_connection_manager
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                stat_prefix: main
                route_config:
                  virtual_hosts:
                    - name: all
                      domains: ["*"]
                      include_request_attempt_count: true
                      routes:${routes}
                http_filters:
                  - name: envoy.filters.http.router
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
  clusters:${cl}
`;
}

describe('Envoy retries across priority levels (the failover mechanism)', () => {
  let envoy: EnvoyProcess;
  let limited: Upstream;
  let unavailable: Upstream;
  let good: Upstream;
  let closedPort: number;
  before(async () => {
    limited = await upstream(429, { 'retry-after': '30' });
    unavailable = await upstream(503);
    good = await upstream(200);
    closedPort = await freePort(); // nothing listens there: connection refused
    envoy = await startEnvoy({
      render: ({ listenPort, adminPort }) =>
        config(listenPort, adminPort, {
          ratelimited: [limited.port, good.port],
          refused: [closedPort, good.port],
          chain: [unavailable.port, limited.port, good.port],
        }),
      vars: {},
    });
  });
  after(async () => {
    await envoy?.stop();
    await Promise.all([limited, unavailable, good].map((u) => u?.close()));
  });

  const stat = async (name: string): Promise<number> =>
    Number(
      new RegExp(`^${name.replace(/\./g, '\\.')}: (\\d+)$`, 'm').exec(await envoy.stats())?.[1] ?? 'NaN',
    );

  it('a 429 with Retry-After: 30 goes to the next priority without waiting for it', async () => {
    const started = Date.now();
    const res = await fetch(`${envoy.url}/ratelimited`, { method: 'POST', body: '{}' });
    assert.equal(res.status, 200);
    // Not a timing assertion: only that the 30 s hint was not waited on.
    assert.ok(Date.now() - started < 30_000);
    assert.equal(limited.seen.length, 1);
    assert.equal(good.seen.at(-1)!['x-envoy-attempt-count'], '2');
    assert.equal(limited.seen[0]!['x-envoy-attempt-count'], '1');
    assert.equal(await stat('cluster.ratelimited.upstream_rq_retry'), 1);
  });

  it('a refused connection goes to the next priority', async () => {
    const res = await fetch(`${envoy.url}/refused`, { method: 'POST', body: '{}' });
    assert.equal(res.status, 200);
    assert.equal(good.seen.at(-1)!['x-envoy-attempt-count'], '2');
    assert.equal(await stat('cluster.refused.upstream_rq_retry'), 1);
  });

  it('each retry takes the next priority in turn (503, then 429, then served)', async () => {
    const before = good.seen.length;
    const res = await fetch(`${envoy.url}/chain`, { method: 'POST', body: '{}' });
    assert.equal(res.status, 200);
    assert.equal(unavailable.seen.length, 1);
    assert.equal(limited.seen.length, 2);
    assert.equal(good.seen.length, before + 1);
    assert.equal(good.seen.at(-1)!['x-envoy-attempt-count'], '3');
    assert.equal(await stat('cluster.chain.upstream_rq_retry'), 2);
  });
});

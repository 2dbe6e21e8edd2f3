/**
 * What the FailOpen pool cluster relies on, proven on Envoy 1.40 without ai-extproc in the way: the
 * override_host load-balancing policy (as src/config/envoy/pool-clusters.ts generates it) reads the
 * `envoy.lb` dynamic-metadata list alone (no header here), uses its later addresses when a retry
 * follows a 503, and falls back to round robin when there is no list; and the route's
 * %UPSTREAM_HOST% response header names the server that answered.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { startEnvoy } from '../helpers/envoy.js';
import type { EnvoyProcess } from '../helpers/envoy.js';
import { startFakeVllm } from '../helpers/fake-vllm.js';
import type { FakeVllm } from '../helpers/fake-vllm.js';
import { poolCluster, poolRouteExtras } from '../../src/config/envoy/pool-clusters.js';
import { formatIssue, loadStandaloneConfigText } from '../../src/config/standalone/index.js';

function poolOf(servers: readonly FakeVllm[]) {
  const r = loadStandaloneConfigText(
    `version: 1
backends:
  p:
    kind: pool
    provider: openai
    auth: { none: true }
    pool: { servers: [${servers.map((s) => `'${s.endpoint}'`).join(', ')}], failureMode: FailOpen }
routes:
  - { name: r, match: { pathPrefix: / }, backend: p }
`,
    { env: {} },
  );
  assert.ok(r.ok, r.ok ? '' : r.errors.map(formatIssue).join('\n'));
  return r.config.backend('p')!.pool!;
}

/** A listener whose set_metadata filter writes envoy.lb for requests under /meta (not under /none). */
function bootstrap(listenPort: number, adminPort: number, list: string, servers: readonly FakeVllm[]) {
  const pool = poolOf(servers);
  const extras = poolRouteExtras(pool);
  const route = (prefix: string) => ({
    match: { prefix },
    route: { cluster: 'pool', timeout: '10s', ...extras.route },
    ...extras.entry,
  });
  const setMetadata = {
    name: 'envoy.filters.http.set_metadata',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.set_metadata.v3.Config',
      metadata: [{ metadata_namespace: 'envoy.lb', value: { 'x-gateway-destination-endpoint': list } }],
    },
  };
  return stringify({
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: adminPort } } },
    static_resources: {
      listeners: [
        {
          name: 'l',
          address: { socket_address: { address: '127.0.0.1', port_value: listenPort } },
          filter_chains: [
            {
              filters: [
                {
                  name: 'envoy.filters.network.http_connection_manager',
                  typed_config: {
                    '@type':
                      'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
                    stat_prefix: 'h',
                    http_filters: [
                      setMetadata,
                      {
                        name: 'envoy.filters.http.router',
                        typed_config: {
                          '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
                        },
                      },
                    ],
                    route_config: {
                      virtual_hosts: [
                        {
                          name: 'v',
                          domains: ['*'],
                          routes: [
                            route('/meta'),
                            {
                              ...route('/none'),
                              // No list for these: the filter's metadata is cleared per route.
                              typed_per_filter_config: {
                                'envoy.filters.http.set_metadata': {
                                  '@type': 'type.googleapis.com/envoy.config.route.v3.FilterConfig',
                                  disabled: true,
                                },
                              },
                            },
                          ],
                        },
                      ],
                    },
                  },
                },
              ],
            },
          ],
        },
      ],
      clusters: [poolCluster('pool', pool)],
    },
  });
}

describe('override_host on Envoy 1.40 (FailOpen pool clusters)', () => {
  let servers: FakeVllm[];
  let envoy: EnvoyProcess;
  before(async () => {
    servers = [];
    for (const name of ['a', 'b', 'c']) servers.push(await startFakeVllm({ name, model: 'llama' }));
    const [, b, c] = servers;
    envoy = await startEnvoy({
      render: ({ listenPort, adminPort }) =>
        bootstrap(listenPort, adminPort, `${b!.endpoint},${c!.endpoint}`, servers),
      vars: {},
    });
  });
  after(async () => {
    await envoy?.stop();
    for (const s of servers ?? []) await s.close();
  });

  const ask = async (p: string) => {
    const res = await fetch(`${envoy.url}${p}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'llama', messages: [{ role: 'user', content: 'hi' }] }),
    });
    const body = await res.text();
    return {
      status: res.status,
      by: /served by (\w+)/.exec(body)?.[1],
      served: res.headers.get('x-gateway-destination-endpoint-served'),
    };
  };

  it('goes to the first address of the envoy.lb list, and says which server served', async () => {
    for (let i = 0; i < 4; i++) {
      const r = await ask('/meta');
      assert.equal(r.by, 'b');
      assert.equal(r.served, servers[1]!.endpoint);
    }
  });

  it('a retry after a 503 goes to the next address of the list', async () => {
    servers[1]!.fail503(1);
    const r = await ask('/meta');
    assert.equal(r.status, 200);
    assert.equal(r.by, 'c');
  });

  it('without a list, the round-robin fallback policy spreads requests over every server', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add((await ask('/none')).by ?? '?');
    assert.deepEqual([...seen].sort(), ['a', 'b', 'c']);
  });
});

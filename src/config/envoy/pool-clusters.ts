/**
 * Envoy's side of endpoint picking for pool backends: a cluster that goes where the header or
 * envoy.lb metadata from ai-extproc says, the route settings around it, and the edge rules.
 *
 * - FailClose: an ORIGINAL_DST cluster on the x-gateway-destination-endpoint header. No pick, no
 *   request; ORIGINAL_DST takes exactly one address, so such a pool has no fallbacks.
 * - FailOpen: the pool's servers in a cluster with the override_host load-balancing policy
 *   (Envoy 1.40: proven in test/e2e/override-host-envoy.test.ts, metadata alone). It reads envoy.lb metadata,
 *   then the header; the later addresses of the list are used by retries, and with no valid
 *   address the round-robin fallback policy picks.
 */
import { ENDPOINT_HEADER, ENDPOINT_SERVED_HEADER, LB_NS, TEST_SELECTION_HEADER } from '../internal-headers.js';
import type { CompiledPool, RuntimeConfig } from '../standalone/index.js';

type Obj = Record<string, unknown>;

/** Pool backends by Envoy cluster name. */
export function poolClusters(config: RuntimeConfig): Map<string, CompiledPool> {
  const out = new Map<string, CompiledPool>();
  for (const b of config.backends) if (b.pool && !out.has(b.cluster)) out.set(b.cluster, b.pool);
  return out;
}

export const hasPools = (config: RuntimeConfig): boolean => config.backends.some((b) => b.pool);

/** The conformance test header stays only when a pool of the config enables it (tests only). */
export const testSelectionAllowed = (config: RuntimeConfig): boolean =>
  config.backends.some((b) => b.pool?.testSelectionHeader === true);

export function edgeRemovals(config: RuntimeConfig): string[] {
  return testSelectionAllowed(config) ? [] : [TEST_SELECTION_HEADER];
}

const CIRCUIT_BREAKERS = {
  thresholds: [{ max_connections: 10_000, max_pending_requests: 10_000, max_requests: 10_000, max_retries: 100 }],
};

export function poolCluster(name: string, pool: CompiledPool): Obj {
  if (pool.failureMode === 'FailClose')
    return {
      name,
      type: 'ORIGINAL_DST',
      lb_policy: 'CLUSTER_PROVIDED',
      connect_timeout: '5s',
      original_dst_lb_config: { use_http_header: true, http_header_name: ENDPOINT_HEADER },
      per_connection_buffer_limit_bytes: 8 * 1024 * 1024,
      circuit_breakers: CIRCUIT_BREAKERS,
    };
  const dns = pool.servers.some((s) => !s.isIp);
  return {
    name,
    // DNS names: Envoy resolves them as the scraper does, every address a server.
    type: dns ? 'STRICT_DNS' : 'STATIC',
    ...(dns ? { dns_lookup_family: 'V4_PREFERRED', dns_refresh_rate: `${pool.dnsRefreshMs / 1000}s` } : {}),
    connect_timeout: '5s',
    per_connection_buffer_limit_bytes: 8 * 1024 * 1024,
    load_assignment: {
      cluster_name: name,
      endpoints: [
        {
          lb_endpoints: pool.servers.map((s) => ({
            endpoint: { address: { socket_address: { address: s.host, port_value: s.port } } },
          })),
        },
      ],
    },
    load_balancing_policy: {
      policies: [
        {
          typed_extension_config: {
            name: 'envoy.load_balancing_policies.override_host',
            typed_config: {
              '@type':
                'type.googleapis.com/envoy.extensions.load_balancing_policies.override_host.v3.OverrideHost',
              override_host_sources: [
                { metadata: { key: LB_NS, path: [{ key: ENDPOINT_HEADER }] } },
                { header: ENDPOINT_HEADER },
              ],
              fallback_policy: {
                policies: [
                  {
                    typed_extension_config: {
                      name: 'envoy.load_balancing_policies.round_robin',
                      typed_config: {
                        '@type':
                          'type.googleapis.com/envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin',
                      },
                    },
                  },
                ],
              },
            },
          },
        },
      ],
    },
    circuit_breakers: CIRCUIT_BREAKERS,
  };
}

/** What a route to a pool cluster adds: the served server on the response, retries over fallbacks. */
export function poolRouteExtras(pool: CompiledPool): { route: Obj; entry: Obj } {
  return {
    route:
      pool.fallbacks > 0
        ? {
            retry_policy: {
              retry_on: 'retriable-status-codes,connect-failure,reset',
              retriable_status_codes: [503],
              num_retries: pool.fallbacks,
            },
          }
        : {},
    entry: {
      response_headers_to_add: [
        { header: { key: ENDPOINT_SERVED_HEADER, value: '%UPSTREAM_HOST%' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
      ],
    },
  };
}

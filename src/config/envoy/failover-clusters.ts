/**
 * Envoy's side of failover inside one request (aliases with `targets` and more than one attempt):
 * one cluster per order of the alias's targets (standalone/failover-clusters.ts), each target an
 * endpoint at the priority of its place, with its own TLS (SNI and name check per provider host,
 * through transport_socket_matches on endpoint metadata); a route per cluster whose retry policy
 * walks the priorities (previous_priorities) without waiting for a long Retry-After; and, in the
 * cluster, the upstream ext_proc filter that translates each attempt for its own target.
 */
import {
  ATTEMPT_STREAM,
  BACKEND_HEADER,
  STANDALONE_NS,
  STREAM_KIND_METADATA,
} from '../internal-headers.js';
import type { CompiledFailover, FailoverTarget, RuntimeConfig } from '../standalone/index.js';
import {
  CLUSTER_ATTRIBUTE,
  TARGET_ATTRIBUTE,
  TARGET_KEY,
  attemptOrders,
  failoverClusterName,
  retriesInRequest,
} from '../standalone/failover-clusters.js';
import { ROUTE_TIMEOUT, STREAM_IDLE_TIMEOUT, SYSTEM_CA_BUNDLE } from './resources.js';

type Obj = Record<string, unknown>;

const TLS_MATCH_NS = 'envoy.transport_socket_match';

/** Every alias of the config that retries inside a request. */
export function retryingAliases(config: RuntimeConfig): CompiledFailover[] {
  const out: CompiledFailover[] = [];
  for (const r of config.routes)
    for (const alias of Object.values(r.models ?? {}))
      if (alias.failover && retriesInRequest(alias.failover)) out.push(alias.failover);
  return out;
}

const isIp = (host: string): boolean => /^[\d.]+$/.test(host) || host.startsWith('[');
const bare = (host: string): string => host.replace(/^\[(.*)\]$/, '$1');

/** TLS to one provider host: its name as SNI and checked against the certificate. */
function tlsSocket(t: FailoverTarget): Obj {
  const host = bare(t.backend.baseUrl.host);
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
      ...(isIp(t.backend.baseUrl.host) ? {} : { sni: host }),
      common_tls_context: {
        validation_context: {
          trusted_ca: { filename: t.backend.caFile ?? SYSTEM_CA_BUNDLE },
          match_typed_subject_alt_names: [
            { san_type: isIp(t.backend.baseUrl.host) ? 'IP_ADDRESS' : 'DNS', matcher: { exact: host } },
          ],
        },
      },
    },
  };
}

/** The upstream ext_proc filter: every attempt's request headers and body, its response headers. */
export function attemptFilter(): Obj {
  return {
    name: 'ai-extproc-attempt',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor',
      grpc_service: {
        envoy_grpc: { cluster_name: 'ai_extproc' },
        initial_metadata: [{ key: STREAM_KIND_METADATA, value: ATTEMPT_STREAM }],
      },
      message_timeout: '5s',
      failure_mode_allow: false,
      // The body is replaced for this attempt's provider in the body reply (BUFFERED holds the
      // headers until then, and the reply sets the matching content-length); the response headers
      // tell the server how the attempt ended (cooldowns, the attempt metric, who served).
      processing_mode: {
        request_header_mode: 'SEND',
        request_body_mode: 'BUFFERED',
        request_trailer_mode: 'SKIP',
        response_header_mode: 'SEND',
        response_body_mode: 'NONE',
        response_trailer_mode: 'SKIP',
      },
      mutation_rules: { allow_all_routing: true },
      request_attributes: [TARGET_ATTRIBUTE, CLUSTER_ATTRIBUTE],
    },
  };
}

function failoverCluster(f: CompiledFailover, order: readonly number[]): Obj {
  const name = failoverClusterName(f, order);
  const targets = order.map((i) => f.targets[i]!);
  const dns = targets.some((t) => !isIp(t.backend.baseUrl.host));
  const tls = order.filter((i) => f.targets[i]!.backend.baseUrl.scheme === 'https');
  return {
    name,
    type: dns ? 'STRICT_DNS' : 'STATIC',
    ...(dns ? { dns_lookup_family: 'V4_PREFERRED' } : {}),
    connect_timeout: '10s',
    per_connection_buffer_limit_bytes: 8 * 1024 * 1024,
    load_assignment: {
      cluster_name: name,
      endpoints: order.map((i, priority) => {
        const t = f.targets[i]!;
        return {
          priority,
          lb_endpoints: [
            {
              endpoint: {
                address: { socket_address: { address: bare(t.backend.baseUrl.host), port_value: t.backend.baseUrl.port } },
              },
              metadata: { filter_metadata: { [STANDALONE_NS]: { [TARGET_KEY]: t.id }, [TLS_MATCH_NS]: { target: String(i) } } },
            },
          ],
        };
      }),
    },
    ...(tls.length > 0
      ? {
          transport_socket_matches: tls.map((i) => ({
            name: `target-${i}`,
            match: { target: String(i) },
            transport_socket: tlsSocket(f.targets[i]!),
          })),
        }
      : {}),
    typed_extension_protocol_options: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
        explicit_http_config: { http_protocol_options: {} },
        http_filters: [
          attemptFilter(),
          {
            name: 'envoy.filters.http.upstream_codec',
            typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.upstream_codec.v3.UpstreamCodec' },
          },
        ],
      },
    },
    circuit_breakers: {
      thresholds: [{ max_connections: 10_000, max_pending_requests: 10_000, max_requests: 10_000, max_retries: 10_000 }],
    },
  };
}

export function failoverClusters(config: RuntimeConfig): Obj[] {
  return retryingAliases(config).flatMap((f) => attemptOrders(f).map((o) => failoverCluster(f, o)));
}

/** Envoy's retry policy for an alias's `retry:` (RETRY_ON names → retry_on and status codes). */
export function retryPolicy(f: CompiledFailover): Obj {
  const codes = f.retry.on.filter((o) => typeof o === 'number');
  const on = [
    ...(codes.length > 0 ? ['retriable-status-codes'] : []),
    ...(f.retry.on.includes('connect-failure') ? ['connect-failure'] : []),
    ...(f.retry.on.includes('reset-before-headers') ? ['reset', 'refused-stream'] : []),
  ];
  return {
    retry_on: on.join(','),
    ...(codes.length > 0 ? { retriable_status_codes: codes } : {}),
    num_retries: f.retry.attempts - 1,
    ...(f.retry.perTryTimeoutMs !== undefined ? { per_try_timeout: `${f.retry.perTryTimeoutMs / 1000}s` } : {}),
    // Each retry goes to the next priority: the next target of this request's order.
    retry_priority: {
      name: 'envoy.retry_priorities.previous_priorities',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig',
        update_frequency: 1,
      },
    },
    // Every retry goes to another target, so no Retry-After is waited for, short or long (the
    // target's cooldown keeps the hint, server-side): only a short back-off between attempts (Envoy requires more than 1 ms).
    retry_back_off: { base_interval: '0.002s', max_interval: '0.02s' },
  };
}

/**
 * One route per failover cluster, chosen by the backend header like the others. The attempt key
 * stays on the request: the upstream filter reads it and removes it before the provider sees it.
 */
export function failoverRoutes(config: RuntimeConfig): Obj[] {
  return retryingAliases(config).flatMap((f) =>
    attemptOrders(f).map((o) => {
      const cluster = failoverClusterName(f, o);
      return {
        match: { prefix: '/', headers: [{ name: BACKEND_HEADER, string_match: { exact: cluster } }] },
        route: { cluster, timeout: ROUTE_TIMEOUT, idle_timeout: STREAM_IDLE_TIMEOUT, retry_policy: retryPolicy(f) },
        request_headers_to_remove: [BACKEND_HEADER],
      };
    }),
  );
}

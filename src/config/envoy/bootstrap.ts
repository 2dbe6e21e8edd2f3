/**
 * A complete Envoy bootstrap for a standalone config (`ai-extproc envoy-config`): admin, the
 * listener with the edge guard (internal headers removed before routing or any filter), the user's
 * own filters (the merge point), our ext_proc filter and the router; the ext_proc cluster; and
 * the backend clusters and routes, embedded, or read from files the server rewrites on each reload
 * (`xdsDir`), so Envoy follows our reloads without a restart.
 */
import { DEFAULT_MCP_ADDR, mcpGatewayCluster } from './mcp-gateway.js';
import type { ListenAddress } from '../listen-address.js';
import {
  INTERNAL_REQUEST_HEADERS,
  LABELS_NS,
  LB_NS,
  PICKER_REQUEST_HEADERS,
  STANDALONE_NS,
  SUBSET_HINT_NS,
} from '../internal-headers.js';
import { edgeRemovals, hasPools } from './pool-clusters.js';
import type { RuntimeConfig } from '../standalone/types.js';
import { EXTPROC_FILTER_NAME, ROUTE_CONFIG_NAME, STREAM_IDLE_TIMEOUT, clusters, routeConfig } from './resources.js';
import { CDS_FILE, RDS_FILE } from './xds-files.js';
import { rateLimitCluster, rateLimitFilter } from './rate-limit.js';
import type { RateLimitOptions } from './rate-limit.js';

type Obj = Record<string, unknown>;

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Filters and clusters of the user's own, kept out of the generated output (the merge point). */
export interface EnvoyExtras {
  /** HTTP filters placed before ai-extproc (auth, rate limits, set_metadata …); the edge guard has run. */
  readonly httpFilters: readonly Obj[];
  /** Clusters those filters need (an auth service, a rate-limit service …). */
  readonly clusters: readonly Obj[];
}

export interface BootstrapOptions {
  readonly listen: HostPort;
  readonly admin: HostPort;
  /** Where the ai-extproc server listens (its LISTEN_ADDR). */
  readonly extproc: ListenAddress;
  /** Access log file (one JSON line per request). */
  readonly accessLog: string;
  /** Read clusters and routes from files in this directory (the server writes them). */
  readonly xdsDir: string | undefined;
  readonly extras: EnvoyExtras | undefined;
  /** Envoy's global rate limiting charging tokens (rate-limit.ts); off when absent. */
  readonly rateLimit?: RateLimitOptions;
  /** Where the MCP gateway endpoint listens (its MCP_ADDR); used when the config has mcpServers. */
  readonly mcp?: ListenAddress;
}

export const DEFAULT_BOOTSTRAP: BootstrapOptions = {
  listen: { host: '0.0.0.0', port: 10000 },
  admin: { host: '127.0.0.1', port: 9901 },
  extproc: { kind: 'abstract', name: 'kgateway-ai-sock' },
  accessLog: '/dev/stdout',
  xdsDir: undefined,
  extras: undefined,
};

const socket = (a: HostPort): Obj => ({ socket_address: { address: a.host, port_value: a.port } });
const md = (key: string): string => `%DYNAMIC_METADATA(${STANDALONE_NS}:${key})%`;

/** The access log: request facts and our non-secret metadata keys, never headers or bodies. */
function accessLog(path: string): Obj {
  const keys = ['route', 'backend', 'failover_target', 'failover_attempts', 'model', 'provider', 'provider_model', 'streaming'];
  const tokens = ['prompt_tokens', 'completion_tokens', 'total_tokens', 'rate_limited_tokens', 'rate_limit_correction'];
  return {
    name: 'envoy.access_loggers.file',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog',
      path,
      log_format: {
        json_format: {
          start_time: '%START_TIME%',
          method: '%REQ(:METHOD)%',
          // Without the query: a Gemini client's ?key= is a credential.
          path: '%REQ_WITHOUT_QUERY(:PATH)%',
          status: '%RESPONSE_CODE%',
          details: '%RESPONSE_CODE_DETAILS%',
          cluster: '%UPSTREAM_CLUSTER%',
          duration_ms: '%DURATION%',
          request_id: '%REQ(X-REQUEST-ID)%',
          ...Object.fromEntries([...keys, ...tokens].map((k) => [k, md(k)])),
        },
        formatters: [
          {
            name: 'envoy.formatter.req_without_query',
            typed_config: {
              '@type': 'type.googleapis.com/envoy.extensions.formatter.req_without_query.v3.ReqWithoutQuery',
            },
          },
        ],
      },
    },
  };
}

/**
 * Removes every internal header from the client's request before Envoy picks a route or runs a
 * filter (an HTTP filter would be too late: a filter that reads per-route config fixes the route
 * on the headers as they came).
 */
function edgeGuard(config: RuntimeConfig): Obj {
  // The identity headers too: only Envoy's own auth filters (which run after this) may set them.
  const headers = [
    ...INTERNAL_REQUEST_HEADERS,
    ...(config.identityHeaders ?? []),
    ...PICKER_REQUEST_HEADERS,
    ...edgeRemovals(config),
  ];
  return {
    name: 'ai-extproc-edge-guard',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.http.early_header_mutation.header_mutation.v3.HeaderMutation',
      mutations: headers.map((h) => ({ remove: h })),
    },
  };
}

function extProcFilter(config: RuntimeConfig): Obj {
  // Pools: the pick goes to envoy.lb (override_host reads it); the proxy's subset hint comes in.
  const pools = hasPools(config);
  return {
    name: EXTPROC_FILTER_NAME,
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor',
      grpc_service: { envoy_grpc: { cluster_name: 'ai_extproc' } },
      message_timeout: '5s',
      // Fail closed; only FailOpen pool routes with nothing to guard override it (fail-open-routes.ts).
      failure_mode_allow: false,
      // Requests are read whole (the route and backend come from the body; header edits ride on
      // the body reply); responses stream, translated event by event.
      processing_mode: {
        request_header_mode: 'SEND',
        request_body_mode: 'BUFFERED',
        request_trailer_mode: 'SKIP',
        response_header_mode: 'SEND',
        response_body_mode: 'STREAMED',
        response_trailer_mode: 'SKIP',
      },
      // An MCP response no rule reads is not sent to ai-extproc at all (mode_override to NONE at
      // the response headers).
      allow_mode_override: true,
      // The body reply sets :path and :authority for the chosen backend.
      mutation_rules: { allow_all_routing: true },
      metadata_options: {
        forwarding_namespaces: { untyped: pools ? [LABELS_NS, SUBSET_HINT_NS] : [LABELS_NS] },
        receiving_namespaces: { untyped: pools ? [STANDALONE_NS, LB_NS] : [STANDALONE_NS] },
      },
    },
  };
}

function extProcCluster(a: ListenAddress): Obj {
  const address =
    a.kind === 'tcp'
      ? socket({ host: a.host, port: a.port })
      : { pipe: { path: a.kind === 'abstract' ? `@${a.name}` : a.path } };
  return {
    name: 'ai_extproc',
    type: 'STATIC',
    connect_timeout: '5s',
    load_assignment: { cluster_name: 'ai_extproc', endpoints: [{ lb_endpoints: [{ endpoint: { address } }] }] },
    typed_extension_protocol_options: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
        explicit_http_config: { http2_protocol_options: {} },
      },
    },
    // One ext_proc stream per request in flight: Envoy's default 1024 would refuse the 1025th.
    circuit_breakers: {
      thresholds: [
        { max_connections: 1_000_000, max_pending_requests: 1_000_000, max_requests: 1_000_000, max_retries: 1_000_000 },
      ],
    },
  };
}

const fileSource = (dir: string, file: string): Obj => ({
  path_config_source: { path: `${dir}/${file}`, watched_directory: { path: dir } },
  resource_api_version: 'V3',
});

export function envoyBootstrap(config: RuntimeConfig, opts: BootstrapOptions): Obj {
  const xds = opts.xdsDir;
  const hcm: Obj = {
    '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
    stat_prefix: 'http',
    stream_idle_timeout: STREAM_IDLE_TIMEOUT,
    access_log: [accessLog(opts.accessLog)],
    early_header_mutation_extensions: [edgeGuard(config)],
    // x-forwarded-for ends with the real peer address (budgets keyed on the client IP read it).
    use_remote_address: true,
    http_filters: [
      ...(opts.extras?.httpFilters ?? []),
      extProcFilter(config),
      // After ai-extproc: the request-time estimate is in the metadata by then.
      ...(opts.rateLimit ? [rateLimitFilter(opts.rateLimit)] : []),
      { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } },
    ],
    ...(xds
      ? { rds: { route_config_name: ROUTE_CONFIG_NAME, config_source: fileSource(xds, RDS_FILE) } }
      : { route_config: routeConfig(config) }),
  };
  return {
    // File-based xDS needs a node identity; it also names this Envoy in its admin output.
    node: { id: 'ai-extproc-gateway', cluster: 'ai-extproc' },
    admin: { address: socket(opts.admin) },
    static_resources: {
      listeners: [
        {
          name: 'listener_http',
          address: socket(opts.listen),
          // Envoy answers 413 itself for request bodies over this (they are buffered for ai-extproc).
          per_connection_buffer_limit_bytes: 8 * 1024 * 1024,
          filter_chains: [
            { filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: hcm }] },
          ],
        },
      ],
      clusters: [extProcCluster(opts.extproc), ...(xds ? [] : clusters(config)), ...(opts.extras?.clusters ?? []), ...(opts.rateLimit ? [rateLimitCluster(opts.rateLimit)] : []), ...(config.mcpGateway ? [mcpGatewayCluster(opts.mcp ?? DEFAULT_MCP_ADDR)] : [])],
    },
    ...(xds ? { dynamic_resources: { cds_config: fileSource(xds, CDS_FILE) } } : {}),
  };
}

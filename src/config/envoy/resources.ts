/**
 * Envoy's clusters and routes for a standalone config: what changes when our YAML changes. The
 * bootstrap embeds them (static) or Envoy reads them from files the server rewrites on every
 * reload (xds-files.ts). Plain objects in Envoy's v3 YAML/JSON shape.
 */
import { BACKEND_HEADER, INTERNAL_REQUEST_HEADERS } from '../internal-headers.js';
import type { BaseUrl, CompiledBackend, RuntimeConfig } from '../standalone/types.js';
import { poolCluster, poolClusters, poolRouteExtras } from './pool-clusters.js';
import type { CompiledPool } from '../standalone/index.js';
import { failOpenEntries } from './fail-open-routes.js';
import { failoverClusters, failoverRoutes } from './failover-clusters.js';

/** Our ext_proc filter's name in the chain (per-route overrides are keyed on it). */
export const EXTPROC_FILTER_NAME = 'ai-extproc';
import { mcpGatewayRoute } from './mcp-gateway.js';

type Obj = Record<string, unknown>;

export const ROUTE_CONFIG_NAME = 'ai_routes';
export const CLUSTER_TYPE = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
export const ROUTE_CONFIG_TYPE = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
/** Debian's (and most distributions') CA bundle: upstream TLS is verified against it. */
export const SYSTEM_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/** LLM answers can take minutes; streams can run longer but must keep moving. */
export const ROUTE_TIMEOUT = '600s';
export const STREAM_IDLE_TIMEOUT = '300s';

const isIp = (host: string): boolean => /^[\d.]+$/.test(host) || host.startsWith('[');
const bare = (host: string): string => host.replace(/^\[(.*)\]$/, '$1');

/** One cluster per distinct `cluster` name; backends sharing one must share their base URL. */
export function backendClusters(config: RuntimeConfig): Map<string, BaseUrl> {
  const out = new Map<string, BaseUrl>();
  for (const b of config.backends) if (!out.has(b.cluster)) out.set(b.cluster, b.baseUrl);
  return out;
}

/** Backends whose shared cluster points somewhere else than their own base URL (a config mistake). */
export function clusterConflicts(config: RuntimeConfig): string[] {
  const first = new Map<string, CompiledBackend>();
  const out: string[] = [];
  for (const b of config.backends) {
    const f = first.get(b.cluster);
    if (!f) first.set(b.cluster, b);
    else if (f.baseUrl.url !== b.baseUrl.url)
      out.push(
        `backends ${f.name} and ${b.name} share cluster "${b.cluster}" but differ in baseUrl (${f.baseUrl.url}, ${b.baseUrl.url})`,
      );
  }
  return out;
}

export function upstreamCluster(name: string, url: BaseUrl, caFile = SYSTEM_CA_BUNDLE): Obj {
  const host = bare(url.host);
  const cluster: Obj = {
    name,
    type: isIp(url.host) ? 'STATIC' : 'LOGICAL_DNS',
    ...(isIp(url.host) ? {} : { dns_lookup_family: 'V4_PREFERRED' }),
    connect_timeout: '10s',
    per_connection_buffer_limit_bytes: 8 * 1024 * 1024,
    load_assignment: {
      cluster_name: name,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: host, port_value: url.port } } } }] }],
    },
    // Sized for many concurrent long requests, not Envoy's default 1024.
    circuit_breakers: {
      thresholds: [{ max_connections: 10_000, max_pending_requests: 10_000, max_requests: 10_000, max_retries: 3 }],
    },
  };
  if (url.scheme === 'https')
    cluster.transport_socket = {
      name: 'envoy.transport_sockets.tls',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
        sni: host,
        common_tls_context: { validation_context: { trusted_ca: { filename: caFile } } },
      },
    };
  return cluster;
}

export function clusters(config: RuntimeConfig): Obj[] {
  const pools = poolClusters(config);
  return [
    ...[...backendClusters(config)].map(([name, url]) => {
      const pool = pools.get(name);
      const ca = config.backends.find((b) => b.cluster === name)?.caFile;
      return pool ? poolCluster(name, pool) : upstreamCluster(name, url, ca);
    }),
    ...failoverClusters(config),
    ...config.mcpBackends.map((b) => upstreamCluster(b.cluster, b.baseUrl)),
  ];
}

function routeAction(cluster: string, pool: CompiledPool | undefined): Obj {
  const extras = pool ? poolRouteExtras(pool) : { route: {}, entry: {} };
  return {
    route: { cluster, timeout: ROUTE_TIMEOUT, idle_timeout: STREAM_IDLE_TIMEOUT, ...extras.route },
    request_headers_to_remove: [...INTERNAL_REQUEST_HEADERS],
    ...extras.entry,
  };
}

/** MCP routes: no overall timeout (a server's GET stream lives as long as the session), only idle. */
function mcpRoutes(config: RuntimeConfig): Obj[] {
  return config.mcpBackends.map((b) => ({
    match: { prefix: '/', headers: [{ name: BACKEND_HEADER, string_match: { exact: b.cluster } }] },
    route: { cluster: b.cluster, timeout: '0s', idle_timeout: STREAM_IDLE_TIMEOUT },
    request_headers_to_remove: [...INTERNAL_REQUEST_HEADERS],
  }));
}

/**
 * Routes: one per backend cluster, chosen by the header the server sets after it matched one of
 * our routes (the client's copy was removed before ext_proc); the header is removed again before
 * the request goes upstream. Then the FailOpen pools' static entries. Everything else gets a 404: an unmatched request never reaches a
 * backend.
 */
export function routeConfig(config: RuntimeConfig): Obj {
  const pools = poolClusters(config);
  const routes: Obj[] = [...backendClusters(config).keys()].map((cluster) => ({
    match: { prefix: '/', headers: [{ name: BACKEND_HEADER, string_match: { exact: cluster } }] },
    ...routeAction(cluster, pools.get(cluster)),
  }));
  routes.push(...failoverRoutes(config), ...mcpRoutes(config));
  // FailOpen pools while our server is down (fail-open-routes.ts); after the header routes.
  routes.push(
    ...failOpenEntries(config, EXTPROC_FILTER_NAME, (r) =>
      r.backend ? routeAction(r.backend.cluster, r.backend.pool) : {},
    ),
  );
  // The MCP gateway's public path first: it names a path, the others only our routing header.
  const gateway = mcpGatewayRoute(config);
  if (gateway) routes.unshift(gateway);
  routes.push({
    match: { prefix: '/' },
    direct_response: { status: 404, body: { inline_string: 'no AI route matches this request\n' } },
  });
  return { name: ROUTE_CONFIG_NAME, virtual_hosts: [{ name: 'ai', domains: ['*'], routes }] };
}

/**
 * Envoy's side of the MCP gateway endpoint: the public path (mcpGateway.path) goes to our MCP
 * listener (MCP_ADDR) with ext_proc off for that route (the endpoint checks its own requests), and
 * Envoy stays at the edge: TLS, its own auth filters, rate limits and the edge guard still run.
 */
import { INTERNAL_REQUEST_HEADERS } from '../internal-headers.js';
import type { ListenAddress } from '../listen-address.js';
import type { RuntimeConfig } from '../standalone/types.js';

type Obj = Record<string, unknown>;

export const MCP_GATEWAY_CLUSTER = 'ai_extproc_mcp';
/** MCP_ADDR's default, and the generator's (--mcp). */
export const DEFAULT_MCP_ADDR: ListenAddress = { kind: 'tcp', host: '127.0.0.1', port: 9093 };

/** The gateway route, first in the route table; undefined when the config has no mcpServers. */
export function mcpGatewayRoute(config: RuntimeConfig): Obj | undefined {
  const g = config.mcpGateway;
  if (!g) return undefined;
  return {
    // The path itself and anything under it (not /mcp-gatewayX).
    match: { path_separated_prefix: g.path.replace(/\/+$/, '') || '/' },
    // No overall timeout (an SSE answer lasts as long as its call), only idle; per-call timeouts
    // are the endpoint's.
    route: { cluster: MCP_GATEWAY_CLUSTER, timeout: '0s', idle_timeout: '300s' },
    request_headers_to_remove: [...INTERNAL_REQUEST_HEADERS],
    typed_per_filter_config: {
      'ai-extproc': {
        '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute',
        disabled: true,
      },
    },
  };
}

export function mcpGatewayCluster(a: ListenAddress): Obj {
  const address =
    a.kind === 'tcp'
      ? { socket_address: { address: a.host === '0.0.0.0' ? '127.0.0.1' : a.host, port_value: a.port } }
      : { pipe: { path: a.kind === 'abstract' ? `@${a.name}` : a.path } };
  return {
    name: MCP_GATEWAY_CLUSTER,
    type: 'STATIC',
    connect_timeout: '5s',
    load_assignment: { cluster_name: MCP_GATEWAY_CLUSTER, endpoints: [{ lb_endpoints: [{ endpoint: { address } }] }] },
    circuit_breakers: {
      thresholds: [{ max_connections: 10_000, max_pending_requests: 10_000, max_requests: 10_000, max_retries: 3 }],
    },
  };
}

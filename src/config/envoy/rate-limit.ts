/**
 * Envoy's global rate limiting (the envoyproxy/ratelimit service) charging tokens: the ratelimit
 * HTTP filter after ai-extproc, with two rate limits on one descriptor:
 *
 * - on the request, hits_addend = the prompt estimate ai-extproc put in `ai_extproc:rate_limited_tokens`
 *   (requests are BUFFERED, so the estimate is there before this filter sees the headers): this one
 *   enforces (429 from Envoy);
 * - at the end of the stream (apply_on_stream_done, fire and forget), hits_addend = the correction
 *   `ai_extproc:rate_limit_correction` = max(0, actual total − estimate).
 *
 * The service counts in fixed windows and cannot refund (unsigned addends), so a window's count is
 * max(estimate, actual) per request; the documented bound is in the README (issue 16, part B).
 */
import { STANDALONE_NS } from '../internal-headers.js';

type Obj = Record<string, unknown>;

export interface RateLimitOptions {
  /** The rate-limit service's gRPC address. */
  readonly host: string;
  readonly port: number;
  /** The service's domain (its config file's `domain:`). */
  readonly domain: string;
  /** The descriptor: generic_key ai_tokens, and the value of this header when set (e.g. a client id). */
  readonly header: string | undefined;
}

export const RATELIMIT_CLUSTER = 'ai_ratelimit';
export const TOKENS_DESCRIPTOR = 'ai_tokens';

const addend = (key: string): Obj => ({ format: `%DYNAMIC_METADATA(${STANDALONE_NS}:${key})%` });

function actions(o: RateLimitOptions): Obj[] {
  return [
    { generic_key: { descriptor_value: TOKENS_DESCRIPTOR } },
    ...(o.header ? [{ request_headers: { header_name: o.header, descriptor_key: o.header } }] : []),
  ];
}

export function rateLimitFilter(o: RateLimitOptions): Obj {
  return {
    name: 'envoy.filters.http.ratelimit',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimit',
      domain: o.domain,
      // The service down: requests pass (our own budgets, if any, still hold).
      failure_mode_deny: false,
      // Envoy's default (20 ms) times out under load, and a timeout lets the request through.
      timeout: '1s',
      enable_x_ratelimit_headers: 'DRAFT_VERSION_03',
      rate_limit_service: {
        grpc_service: { envoy_grpc: { cluster_name: RATELIMIT_CLUSTER } },
        transport_api_version: 'V3',
      },
      rate_limits: [
        { actions: actions(o), hits_addend: addend('rate_limited_tokens') },
        { actions: actions(o), hits_addend: addend('rate_limit_correction'), apply_on_stream_done: true },
      ],
    },
  };
}

export function rateLimitCluster(o: RateLimitOptions): Obj {
  return {
    name: RATELIMIT_CLUSTER,
    type: 'STATIC',
    connect_timeout: '1s',
    load_assignment: {
      cluster_name: RATELIMIT_CLUSTER,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: o.host, port_value: o.port } } } }] }],
    },
    typed_extension_protocol_options: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
        explicit_http_config: { http2_protocol_options: {} },
      },
    },
  };
}

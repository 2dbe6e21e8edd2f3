/**
 * Headers the gateway uses to steer Envoy or itself. A client never controls them: the generated
 * Envoy config removes them from every client request before any routing (src/config/envoy/), the
 * server overwrites or removes them too, and the route that forwards a request removes them before
 * it goes upstream.
 */
/** Selects the Envoy cluster of the backend the server chose (standalone mode). */
export const BACKEND_HEADER = 'x-ai-extproc-backend';
/** On responses: the request parameters the provider could not take. */
export const DROPPED_PARAMS_HEADER = 'x-ai-extproc-dropped-params';
/** On count_tokens answers the gateway made itself: `estimate` (its own count, not the provider's). */
export const TOKEN_COUNT_HEADER = 'x-ai-extproc-token-count';

/**
 * Failover with retries: the unguessable key that ties each upstream attempt to its request (the
 * router-level stream holds the request under it; the per-attempt stream removes the header).
 */
export const ATTEMPT_KEY_HEADER = 'x-ai-extproc-attempt-key';
/** gRPC initial metadata the upstream (per-attempt) ext_proc filter sends: tells its streams apart. */
export const STREAM_KIND_METADATA = 'x-ai-extproc-stream';
export const ATTEMPT_STREAM = 'attempt';

/** Every internal request header (later capabilities add theirs here). */
export const INTERNAL_REQUEST_HEADERS: readonly string[] = Object.freeze([
  BACKEND_HEADER,
  ATTEMPT_KEY_HEADER,
]);

/**
 * Endpoint picking (Inference Extension protocol). The chosen server(s), primary first, for an
 * ORIGINAL_DST or override_host cluster: a client copy would let it make Envoy connect anywhere.
 */
export const ENDPOINT_HEADER = 'x-gateway-destination-endpoint';
/** On responses: the server that answered (Envoy adds it from %UPSTREAM_HOST%). */
export const ENDPOINT_SERVED_HEADER = 'x-gateway-destination-endpoint-served';
/** The conformance tests' forced choice; honoured only by a pool with testSelectionHeader on. */
export const TEST_SELECTION_HEADER = 'test-epp-endpoint-selection';
/** Removed from every client request (the test header too, unless a test config enables it). */
export const PICKER_REQUEST_HEADERS: readonly string[] = Object.freeze([
  ENDPOINT_HEADER,
  ENDPOINT_SERVED_HEADER,
]);
/** The dynamic-metadata namespace override_host reads, and the proxy's subset hint. */
export const LB_NS = 'envoy.lb';
export const SUBSET_HINT_NS = 'envoy.lb.subset_hint';
export const SUBSET_HINT_KEY = 'x-gateway-destination-endpoint-subset';

/** The dynamic-metadata namespace standalone mode writes (Envoy's access log and filters read it). */
export const STANDALONE_NS = 'ai_extproc';
/** The namespace Envoy forwards to the server for stats.json custom labels in standalone mode. */
export const LABELS_NS = 'ai_extproc.labels';

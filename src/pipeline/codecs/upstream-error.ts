/** A non-2xx upstream answer, translated into the client's error format (its status kept). */
import type { ClientAdapter, ProviderAdapter } from '../../providers/translate/types.js';
import type { BodyResult } from '../route.js';

/** Envoy's own answer to a request the codec never read. */
const envoyMessage = (status: number | undefined): string =>
  status === 413 ? 'Request body too large' : `The gateway answered ${status ?? 502}`;

/**
 * The client's error body. No provider adapter: Envoy answered before the request was read (its 413
 * for a body over its buffer).
 */
export function upstreamErrorResult(
  adapter: ProviderAdapter | undefined,
  client: ClientAdapter,
  status: number | undefined,
  bytes: Buffer | undefined,
): BodyResult {
  const err = adapter
    ? adapter.error(status ?? 502, bytes ?? Buffer.alloc(0))
    : { status: status ?? 502, message: envoyMessage(status), type: 'invalid_request_error' };
  return {
    kind: 'upstream-error',
    body: Buffer.from(JSON.stringify(client.error(err))),
    facts: { finishReasons: [], isToolCall: false },
  };
}

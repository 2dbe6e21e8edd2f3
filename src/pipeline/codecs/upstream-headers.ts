/**
 * The header edits that send a translated request to its backend: Envoy's route choice (:path,
 * :authority, the backend header), the API's own headers, and the upstream credentials (headers,
 * or SigV4 over the final body and the exact headers the upstream receives). Client headers that
 * must not reach the upstream go: accept-encoding (the answer is read), a decoded content-encoding,
 * endpoint-picker headers, and the client's own credentials.
 */
import type { CompiledBackend } from '../../config/standalone/index.js';
import { BACKEND_HEADER, PICKER_REQUEST_HEADERS } from '../../config/internal-headers.js';
import { signBedrockRequest } from '../../providers/bedrock/index.js';
import type { TranslatedRequest } from '../../providers/translate/types.js';
import { refuse } from '../reply.js';
import type { HeaderView } from '../types.js';

/** `body` undefined: the client's bytes go unchanged (a same-API request nothing edited). */
export function upstreamHeaders(
  backend: CompiledBackend,
  out: Pick<TranslatedRequest, 'path' | 'headers'> & { readonly body: Buffer | undefined },
  clientHeaders: HeaderView,
  decodedRequest: boolean,
): { set: [string, string][]; remove: string[] } {
  const set: [string, string][] = [
    [':path', out.path],
    [':authority', backend.baseUrl.authority],
    [BACKEND_HEADER, backend.cluster],
    ...out.headers.map(([k, v]) => [k, v] as [string, string]),
  ];
  // The response must be readable to translate it: no compression from the upstream.
  const remove = ['accept-encoding'];
  if (decodedRequest) remove.push('content-encoding');
  // A client never names the model server (the endpoint-pick stage sets its own choice).
  for (const h of PICKER_REQUEST_HEADERS) if (clientHeaders.has(h)) remove.push(h);
  const auth = backend.authFor(clientHeaders);
  switch (auth.kind) {
    case 'missing':
      throw refuse(401, auth.message, 'ai_extproc_translation_error', 'authentication_error');
    case 'headers':
      set.push(...auth.set.map(([k, v]) => [k, v] as [string, string]));
      remove.push(...auth.remove.filter((h) => !set.some(([k]) => k === h)));
      break;
    case 'sigv4': {
      if (out.body === undefined)
        throw refuse(500, 'SigV4 needs the body it signs', 'ai_extproc_translation_error', 'api_error');
      // Signed over the final body and the exact headers the upstream receives.
      const signed = signBedrockRequest({
        method: 'POST',
        host: backend.baseUrl.authority,
        path: out.path,
        headers: Object.fromEntries(out.headers),
        body: out.body,
        region: auth.region,
        credentials: auth.credentials,
      });
      set.push(...Object.entries(signed));
      // The client's own x-amz-* headers go; the ones just signed stay.
      remove.push(...auth.remove.filter((h) => !set.some(([k]) => k === h)));
      break;
    }
  }
  return { set, remove };
}

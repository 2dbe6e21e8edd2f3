/**
 * The request one provider target receives: the canonical request translated for its API, its
 * :path and :authority, the backend header that picks its cluster, and its auth (headers, or SigV4
 * over the final body). Used once per request by the translating codec, and once per attempt by
 * failover's upstream filter (attempts/attempt-exchange.ts).
 */
import type { CompiledBackend } from '../../config/standalone/index.js';
import { STANDALONE_NS } from '../../config/internal-headers.js';
import type { ProviderAdapter, UpstreamTarget } from '../../providers/translate/types.js';
import { translated } from './translated.js';
import type { RequestEncoding } from '../route.js';
import type { Json } from '../stage.js';
import type { HeaderView } from '../types.js';
import { upstreamHeaders } from './upstream-headers.js';

export interface TargetSpec {
  readonly backend: CompiledBackend;
  readonly target: UpstreamTarget;
  readonly adapter: ProviderAdapter;
  readonly routeName: string;
  /** The client's body arrived compressed; the translated one goes upstream as identity. */
  readonly decodedRequest: boolean;
}

/**
 * Translates `canonical` for `t`. The provider's dropped parameters are appended to `dropped`
 * (which may already hold the client adapter's), and each is counted through `droppedParam`.
 */
export function encodeForTarget(
  canonical: Json,
  t: TargetSpec,
  clientHeaders: HeaderView,
  dropped: string[],
  estimate: number,
  droppedParam: ((provider: string, param: string) => void) | undefined,
): RequestEncoding {
  const { backend, target } = t;
  const out = translated(() => t.adapter.request(canonical, target));
  dropped.push(...out.droppedParams);
  for (const p of dropped) droppedParam?.(backend.provider, p);
  const headers = upstreamHeaders(backend, out, clientHeaders, t.decodedRequest);
  return {
    body: out.body,
    headers,
    clearRouteCache: true,
    metadata: {
      [STANDALONE_NS]: { backend: backend.name, route: t.routeName, rate_limited_tokens: estimate },
    },
  };
}

/** The frozen runtime snapshot, route matching, and the RoutePolicy the pipeline consumes. */
import type { TracingConfig } from '../otel-files.js';
import type { RoutePolicy } from '../route-policy.js';
import type { CompiledBackend, CompiledRoute, ResolvedModel, RuntimeConfig } from './types.js';

export type {
  AuthInfo,
  AuthKind,
  AwsCredentials,
  BaseUrl,
  CompiledBackend,
  CompiledRoute,
  EnrichmentMessage,
  FieldDefault,
  HeaderCondition,
  LoadResult,
  ModelAlias,
  ModelResolution,
  PromptEnrichment,
  ResolvedModel,
  RouteGuards,
  RouteMatch,
  RoutePolicyConfig,
  RuntimeConfig,
  TargetSettings,
  UpstreamAuth,
  WebhookTransport,
} from './types.js';

export interface RuntimeParts {
  readonly path: string;
  readonly sourceHash: string;
  readonly secretFiles: readonly string[];
  readonly backends: readonly CompiledBackend[];
  readonly routes: readonly CompiledRoute[];
  readonly tracing: TracingConfig | undefined;
}

export function buildRuntimeConfig(parts: RuntimeParts): RuntimeConfig {
  const byName = new Map(parts.backends.map((b) => [b.name, b]));
  const routes = Object.freeze([...parts.routes]);
  return Object.freeze({
    version: 1,
    path: parts.path,
    sourceHash: parts.sourceHash,
    secretFiles: Object.freeze([...parts.secretFiles]),
    backends: Object.freeze([...parts.backends]),
    routes,
    tracing: parts.tracing,
    backend: (name: string) => byName.get(name),
    matchRoute: (headers: ReadonlyMap<string, string>) => routes.find((r) => r.matches(headers)),
  });
}

/** The RoutePolicy for one request on `route`, once its model is resolved. */
export function toRoutePolicy(
  route: CompiledRoute,
  resolved: ResolvedModel,
  request: { readonly requestId?: string | undefined; readonly chatStreaming?: boolean },
): RoutePolicy {
  const g = route.policy.guards;
  return {
    source: 'standalone',
    provider: resolved.backend.provider,
    model: resolved.model,
    requestId: request.requestId,
    chatStreaming: request.chatStreaming === true,
    requestGuards: g.request,
    responseGuards: g.response,
    requestGuardKey: g.requestKey,
    responseGuardKey: g.responseKey,
  };
}

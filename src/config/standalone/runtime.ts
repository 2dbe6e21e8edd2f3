/** The frozen runtime snapshot, route matching, and the RoutePolicy the pipeline consumes. */
import type { TracingConfig } from '../otel-files.js';
import type { RoutePolicy } from '../route-policy.js';
import type { CompiledBackend, CompiledRoute, McpBackend, McpRoute, RuntimeConfig } from './types.js';
import type { McpGatewayConfig } from './mcp-gateway.js';
import type { StoreSettings } from './access.js';

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
  McpBackend,
  McpRoute,
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
  readonly mcpBackends?: readonly McpBackend[];
  readonly mcpRoutes?: readonly McpRoute[];
  readonly stores?: StoreSettings;
  readonly identityHeaders?: readonly string[];
  readonly mcpGateway?: McpGatewayConfig | undefined;
}

export function buildRuntimeConfig(parts: RuntimeParts): RuntimeConfig {
  const byName = new Map(parts.backends.map((b) => [b.name, b]));
  const routes = Object.freeze([...parts.routes]);
  const mcpRoutes = Object.freeze([...(parts.mcpRoutes ?? [])]);
  return Object.freeze({
    version: 1,
    path: parts.path,
    sourceHash: parts.sourceHash,
    secretFiles: Object.freeze([...parts.secretFiles]),
    backends: Object.freeze([...parts.backends]),
    routes,
    tracing: parts.tracing,
    mcpBackends: Object.freeze([...(parts.mcpBackends ?? [])]),
    mcpRoutes,
    matchMcpRoute: (headers: ReadonlyMap<string, string>) => mcpRoutes.find((r) => r.matches(headers)),
    ...(parts.stores ? { stores: parts.stores } : {}),
    ...(parts.mcpGateway ? { mcpGateway: parts.mcpGateway } : {}),
    ...(parts.identityHeaders ? { identityHeaders: Object.freeze([...parts.identityHeaders]) } : {}),
    backend: (name: string) => byName.get(name),
    matchRoute: (headers: ReadonlyMap<string, string>) => routes.find((r) => r.matches(headers)),
  });
}

const VERIFIED = Object.freeze({ scheme: 'https' as const, insecureSkipVerify: false });

/**
 * The RoutePolicy of a standalone route (the type kgateway mode builds from gRPC metadata). The
 * provider and model are the single backend's, or empty until the request's model picks one.
 */
export function toRoutePolicy(route: CompiledRoute): RoutePolicy {
  const g = route.policy.guards;
  const p = route.policy;
  return {
    source: 'standalone',
    provider: route.backend?.provider ?? '',
    model: route.backend?.defaultModel,
    requestId: undefined,
    chatStreaming: false,
    requestGuards: g.request,
    responseGuards: g.response,
    requestGuardKey: g.requestKey,
    responseGuardKey: g.responseKey,
    // Standalone webhooks verify TLS unless the route's config says otherwise.
    webhookTransport: { request: g.requestWebhook ?? VERIFIED, response: g.responseWebhook ?? VERIFIED },
    requestDefaults: {
      promptEnrichment: p.promptEnrichment,
      defaults: p.defaults,
      streamUsage: p.streamUsage,
    },
    ...(route.access ? { access: route.access } : {}),
    ...(p.cache ? { cache: p.cache } : {}),
  };
}

/** The compiled, frozen form of a standalone config file. */
import type { TracingConfig } from '../otel-files.js';
import type { RequestGuardConfig, ResponseGuardConfig } from '../../guards/config.js';
import type { ProviderKind, UpstreamTarget } from '../../providers/translate/types.js';
import type { ConfigIssue } from './issues.js';
import type { CachePolicy } from '../../cache/types.js';
import type { McpPolicy } from '../../mcp/policy.js';
import type { AccessPolicy, ClientDirectory } from '../client-identity.js';
import type { StoreSettings } from './access.js';
import type { CompiledPool } from './pools.js';
import type { CompiledFailover } from './failover.js';
import type { McpGatewayConfig } from './mcp-gateway.js';

export type LoadResult =
  | { readonly ok: true; readonly config: RuntimeConfig }
  | { readonly ok: false; readonly errors: readonly ConfigIssue[] };

export interface BaseUrl {
  readonly scheme: 'http' | 'https';
  /** Host name or IP; IPv6 in brackets. */
  readonly host: string;
  readonly port: number;
  /** host, plus :port when it is not the scheme's default: the upstream :authority. */
  readonly authority: string;
  /** scheme://authority */
  readonly url: string;
}

export type AuthKind = 'apiKey' | 'bearer' | 'aws' | 'passthrough' | 'none';

/** How a backend authenticates, without any secret value (safe to log). */
export interface AuthInfo {
  readonly kind: AuthKind;
  /** Where the secrets come from, e.g. ['env:OPENAI_API_KEY']. */
  readonly sources: readonly string[];
}

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/**
 * What to do to the upstream request. Header names are lower case. `remove` lists the client's
 * credential headers that must not reach the upstream (they may hold the gateway's own key).
 * Contains secret values: never log it.
 */
export type UpstreamAuth =
  | {
      readonly kind: 'headers';
      readonly set: readonly (readonly [string, string])[];
      readonly remove: readonly string[];
    }
  | {
      readonly kind: 'sigv4';
      readonly service: 'bedrock';
      readonly region: string;
      readonly credentials: AwsCredentials;
      readonly remove: readonly string[];
    }
  /** passthrough, and the client sent no credential. */
  | { readonly kind: 'missing'; readonly message: string };

/** Provider settings of a backend, as UpstreamTarget fields. */
export type TargetSettings = Omit<UpstreamTarget, 'provider' | 'model' | 'stream'>;

export interface CompiledBackend {
  readonly name: string;
  /** The x-ai-extproc-backend header value that selects the Envoy cluster (default: the name). */
  readonly cluster: string;
  readonly provider: ProviderKind;
  readonly baseUrl: BaseUrl;
  readonly defaultModel: string | undefined;
  readonly auth: AuthInfo;
  readonly settings: TargetSettings;
  /** The UpstreamTarget for a provider model. */
  target(model: string, stream: boolean): UpstreamTarget;
  /** Upstream credentials for one request; `clientHeaders` keys are lower case. */
  authFor(clientHeaders: ReadonlyMap<string, string>): UpstreamAuth;
  /** CAs that verify an https backend (default: the system bundle). */
  readonly caFile?: string;
  /** A backend of kind pool: its model servers, picked per request. */
  readonly pool?: CompiledPool;
}

export interface HeaderCondition {
  readonly name: string;
  readonly value?: string;
  readonly regex?: string;
}

export interface RouteMatch {
  readonly pathPrefix: string;
  readonly authority: string | undefined;
  readonly headers: readonly HeaderCondition[];
}

export interface EnrichmentMessage {
  readonly role: 'system' | 'developer' | 'user' | 'assistant';
  readonly content: string;
}

export interface PromptEnrichment {
  readonly prepend: readonly EnrichmentMessage[];
  readonly append: readonly EnrichmentMessage[];
}

export interface FieldDefault {
  /** Dotted path, e.g. stream_options.include_usage. */
  readonly field: string;
  readonly value: unknown;
  readonly override: boolean;
}

export interface WebhookTransport {
  readonly scheme: 'https' | 'http';
  readonly insecureSkipVerify: boolean;
}

export interface RouteGuards {
  readonly request: RequestGuardConfig | undefined;
  readonly response: ResponseGuardConfig | undefined;
  /** Identify the guard configs (to cache compiled guards); change when the config or its token changes. */
  readonly requestKey: string | undefined;
  readonly responseKey: string | undefined;
  readonly requestWebhook: WebhookTransport | undefined;
  readonly responseWebhook: WebhookTransport | undefined;
}

export interface RoutePolicyConfig {
  readonly promptEnrichment: PromptEnrichment | undefined;
  readonly defaults: readonly FieldDefault[];
  readonly guards: RouteGuards;
  /** Add stream_options.include_usage to streaming OpenAI-format requests (default true). */
  readonly streamUsage: boolean;
  /** The route's cache (undefined: none). */
  readonly cache?: CachePolicy | undefined;
}

export interface ModelAlias {
  /** With targets: the first target's backend (its listing and budget lookups use it). */
  readonly backend: string;
  /** Provider model; undefined: the client's model name is sent. */
  readonly model: string | undefined;
  /** Several targets: failover across priorities, weighted split inside one. */
  readonly failover?: CompiledFailover;
}

export type ResolvedModel = {
  readonly backend: CompiledBackend;
  readonly model: string;
  readonly failover?: CompiledFailover;
};
export type ModelResolution = ResolvedModel | { readonly error: string };

export interface CompiledRoute {
  readonly name: string;
  /** Position in the file. */
  readonly index: number;
  readonly match: RouteMatch;
  /** Single-backend route. */
  readonly backend: CompiledBackend | undefined;
  /** Alias route: client model name ('*' = any other) → backend + model. */
  readonly models: Readonly<Record<string, ModelAlias>> | undefined;
  readonly policy: RoutePolicyConfig;
  /** Client identity and budgets on this route (undefined: none). */
  readonly access?: AccessPolicy;
  /** True if the request headers (lower-case names, with :path and :authority) match. */
  matches(headers: ReadonlyMap<string, string>): boolean;
  resolveModel(requestModel: string | undefined): ModelResolution;
}

export interface RuntimeConfig {
  readonly version: 1;
  /** Absolute path of the file it came from ('' when loaded from text). */
  readonly path: string;
  /** Identifies the file content and the secrets it read (keyed hash; not reversible). */
  readonly sourceHash: string;
  /** Secret files read, absolute paths (watched for changes too). */
  readonly secretFiles: readonly string[];
  readonly backends: readonly CompiledBackend[];
  readonly routes: readonly CompiledRoute[];
  readonly tracing: TracingConfig | undefined;
  /** The mcp: section (empty lists when absent). */
  readonly mcpBackends: readonly McpBackend[];
  readonly mcpRoutes: readonly McpRoute[];
  /** Where budgets are counted (memory when no store is configured). */
  readonly stores?: StoreSettings;
  /** Headers Envoy sets after its own authentication (removed from client requests at the edge). */
  readonly identityHeaders?: readonly string[];
  /** mcpServers: and mcpGateway: (absent: the MCP gateway endpoint is off). */
  readonly mcpGateway?: McpGatewayConfig;
  backend(name: string): CompiledBackend | undefined;
  /** First MCP route that matches, in file order (MCP routes are tried before the AI routes). */
  matchMcpRoute(headers: ReadonlyMap<string, string>): McpRoute | undefined;
  /** First route that matches, in file order. */
  matchRoute(headers: ReadonlyMap<string, string>): CompiledRoute | undefined;
}

/** An MCP server: a plain HTTP(S) upstream (no provider, no translation). */
export interface McpBackend {
  readonly name: string;
  /** The Envoy cluster and x-ai-extproc-backend value: "mcp.<name>". */
  readonly cluster: string;
  readonly baseUrl: BaseUrl;
}

export interface McpRoute {
  readonly name: string;
  /** Position in mcp.routes. */
  readonly index: number;
  readonly match: RouteMatch;
  readonly backend: McpBackend;
  /** rules and clientRules: the caller's rules are picked by identifyClient (identity header). */
  readonly rules: McpPolicy;
  readonly clients: ClientDirectory | undefined;
  /** request: on tools/call and prompts/get arguments; response: on tools/call results. */
  readonly guards: RouteGuards;
  readonly maxBodyBytes: number;
  /** HTTP status of a refusal; undefined: 200 with the JSON-RPC error. */
  readonly denyStatus: 400 | 403 | undefined;
  matches(headers: ReadonlyMap<string, string>): boolean;
}

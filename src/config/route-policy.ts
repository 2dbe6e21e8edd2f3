/** The one policy type both ways in (kgateway metadata, standalone YAML) produce. */
import type { RequestGuardConfig, ResponseGuardConfig } from '../guards/config.js';
import type { AccessPolicy } from './client-identity.js';
import type { CachePolicy } from '../cache/types.js';
import type { FieldDefault, PromptEnrichment, WebhookTransport } from './standalone/types.js';

/** Standalone: what the route adds to each request before the guards. */
export interface RequestDefaults {
  readonly promptEnrichment: PromptEnrichment | undefined;
  readonly defaults: readonly FieldDefault[];
  /** Add stream_options.include_usage to streaming requests. */
  readonly streamUsage: boolean;
}

export interface RoutePolicy {
  readonly source: 'kgateway' | 'standalone';
  /** kgateway x-llm-provider value: openai | azure_openai | anthropic | gemini | vertex-ai | … */
  readonly provider: string;
  /** Backend model (x-llm-model): the request model for gemini/vertex-ai. */
  readonly model: string | undefined;
  readonly requestId: string | undefined;
  /** x-chat-streaming: gemini/vertex requests are streaming only when this is set. */
  readonly chatStreaming: boolean;
  readonly requestGuards: RequestGuardConfig | undefined;
  readonly responseGuards: ResponseGuardConfig | undefined;
  /** Identify each guard config, so compiled guards can be cached (kgateway's -hash keys). */
  readonly requestGuardKey: string | undefined;
  readonly responseGuardKey: string | undefined;
  /** Standalone: per-route webhook transport (kgateway mode uses the server's settings). */
  readonly webhookTransport?: {
    readonly request: WebhookTransport | undefined;
    readonly response: WebhookTransport | undefined;
  };
  /** Standalone: enrichment, field defaults and stream usage. */
  readonly requestDefaults?: RequestDefaults;
  /** Standalone: client identity and budgets (clients, limits, pricing). */
  readonly access?: AccessPolicy;
  /** Standalone: the route's cache. */
  readonly cache?: CachePolicy;
}

/** The one policy type both ways in (kgateway metadata, standalone YAML) produce. */
import type { RequestGuardConfig, ResponseGuardConfig } from '../guards/config.js';

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
}

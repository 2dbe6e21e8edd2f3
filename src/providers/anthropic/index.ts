/** Anthropic Messages: the upstream provider adapter and the client adapter. */
import type { ProviderAdapter } from '../translate/types.js';
import { anthropicToCanonicalError } from './openai-to-anthropic.error.js';
import { openAIToAnthropicRequest } from './openai-to-anthropic.request.js';
import type { Clock } from './openai-to-anthropic.response.js';
import { anthropicToOpenAIResponse, systemClock } from './openai-to-anthropic.response.js';
import { AnthropicStreamDecoder } from './openai-to-anthropic.stream.js';

export interface AnthropicProviderOptions {
  /** Seconds since the epoch for `created` (tests pass a fixed clock). */
  readonly clock?: Clock;
}

/** Builds the provider adapter (OpenAI chat ⇄ Anthropic Messages). */
export function createAnthropicProvider(options: AnthropicProviderOptions = {}): ProviderAdapter {
  const clock = options.clock ?? systemClock;
  return {
    provider: 'anthropic',
    request: openAIToAnthropicRequest,
    response: (body, target) => anthropicToOpenAIResponse(body, target, clock),
    error: anthropicToCanonicalError,
    stream: (target) => new AnthropicStreamDecoder(target, clock),
  };
}

export const anthropicProvider: ProviderAdapter = createAnthropicProvider();

export type { Clock } from './openai-to-anthropic.response.js';
export { AnthropicStreamDecoder } from './openai-to-anthropic.stream.js';
export {
  ANTHROPIC_MESSAGES_PATH,
  DEFAULT_ANTHROPIC_VERSION,
  DEFAULT_MAX_TOKENS,
} from './openai-to-anthropic.request.js';
export { anthropicClient, anthropicDroppedParams, AnthropicStreamEncoder } from './anthropic-client.js';

/** The Anthropic Messages provider adapter: OpenAI chat requests out, Anthropic responses back. */
import type { ProviderAdapter } from '../translate/types.js';
import { anthropicToOpenAIError } from './anthropic-to-openai.error.js';
import type { Clock } from './anthropic-to-openai.response.js';
import { anthropicToOpenAIResponse, systemClock } from './anthropic-to-openai.response.js';
import { AnthropicToOpenAIStream } from './anthropic-to-openai.stream.js';
import { openAIToAnthropicRequest } from './openai-to-anthropic.request.js';

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
    error: anthropicToOpenAIError,
    stream: (target) => new AnthropicToOpenAIStream(target, clock),
  };
}

export const anthropicProvider: ProviderAdapter = createAnthropicProvider();

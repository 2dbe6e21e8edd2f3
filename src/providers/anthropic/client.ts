/** The client adapter for clients that speak Anthropic Messages (canonical form: OpenAI chat). */
import type { ClientAdapter, Json } from '../translate/types.js';
import { openAIToAnthropicError } from './openai-to-anthropic.error.js';
import { anthropicToOpenAIRequest } from './anthropic-to-openai.request.js';
import { openAIToAnthropicResponse } from './openai-to-anthropic.response.js';
import { OpenAIToAnthropicStream } from './openai-to-anthropic.stream.js';

export const anthropicClient: ClientAdapter = {
  api: 'anthropic',
  request: (body) => anthropicToOpenAIRequest(body, new Set()),
  response: openAIToAnthropicResponse,
  error: openAIToAnthropicError,
  stream: () => new OpenAIToAnthropicStream(),
};

/**
 * The parts of an Anthropic request that the conversion to OpenAI loses (ClientAdapter.request cannot
 * report them): e.g. `top_k`, `cache_control` on assistant blocks, `messages[].content.thinking`, `tool_result.is_error`,
 * `tool_result.image`, `tools.web_search_20250305`, `metadata.<key>`, unknown top-level fields.
 * Throws TranslationError(400) for the same invalid input as `anthropicClient.request`.
 */
export function anthropicDroppedParams(body: Json): string[] {
  const dropped = new Set<string>();
  anthropicToOpenAIRequest(body, dropped);
  return [...dropped];
}

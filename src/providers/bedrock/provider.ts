/** The Bedrock (Converse / ConverseStream) provider adapter. */
import type { ProviderAdapter } from '../translate/types.js';
import { bedrockToOpenAIError } from './bedrock-to-openai.error.js';
import { bedrockToOpenAIResponse } from './bedrock-to-openai.response.js';
import { BedrockToOpenAIStream } from './bedrock-to-openai.stream.js';
import type { CompletionIdOptions } from './completion-ids.js';
import { CompletionIds } from './completion-ids.js';
import { openAIToBedrockRequest } from './openai-to-bedrock.request.js';

export interface BedrockProviderOptions extends CompletionIdOptions {
  /** Largest accepted event-stream message in bytes (default 16 MiB). */
  readonly maxMessageBytes?: number;
}

export function createBedrockProvider(options: BedrockProviderOptions = {}): ProviderAdapter {
  const ids = new CompletionIds(options);
  const streamOptions =
    options.maxMessageBytes === undefined ? {} : { maxMessageBytes: options.maxMessageBytes };
  return {
    provider: 'bedrock',
    request: (req, target) => openAIToBedrockRequest(req, target),
    response: (body, target) => bedrockToOpenAIResponse(body, target, ids.next()),
    error: (status, body) => bedrockToOpenAIError(status, body),
    stream: (target) => new BedrockToOpenAIStream(target, ids.next(), streamOptions),
  };
}

export const bedrockProvider: ProviderAdapter = createBedrockProvider();

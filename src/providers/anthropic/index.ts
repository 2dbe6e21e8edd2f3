/** Anthropic Messages: the upstream provider adapter and the client adapter. */
export { anthropicProvider, createAnthropicProvider } from './provider.js';
export type { AnthropicProviderOptions } from './provider.js';
export type { Clock } from './anthropic-to-openai.response.js';
export { AnthropicToOpenAIStream } from './anthropic-to-openai.stream.js';
export {
  ANTHROPIC_MESSAGES_PATH,
  DEFAULT_ANTHROPIC_VERSION,
  DEFAULT_MAX_TOKENS,
} from './openai-to-anthropic.request.js';
export { anthropicClient, anthropicDroppedParams } from './client.js';
export { OpenAIToAnthropicStream } from './openai-to-anthropic.stream.js';

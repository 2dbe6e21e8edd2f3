/** Claude on Vertex AI (rawPredict) and Bedrock (InvokeModel), in Anthropic's Messages format. */
export {
  BEDROCK_ANTHROPIC_VERSION,
  BEDROCK_EVENT_STREAM,
  VERTEX_ANTHROPIC_VERSION,
  claudePlatform,
  claudePlatformHeaders,
  claudePlatformPath,
  toClaudePlatformBody,
} from './platforms.js';
export type { ClaudePlatform } from './platforms.js';
export { claudePlatformError } from './errors.js';
export { BedrockInvokeStream } from './bedrock-invoke-stream.js';
export type { AnthropicStreamEvent } from './bedrock-invoke-stream.js';
export { vertexClaudeProvider } from './vertex-claude.provider.js';

/** AWS Bedrock (Converse / ConverseStream): provider adapter, event-stream codec and SigV4 signing. */
export { bedrockProvider, createBedrockProvider } from './provider.js';
export type { BedrockProviderOptions } from './provider.js';
export {
  openAIToBedrockRequest,
  bedrockPath,
  EVENT_STREAM_CONTENT_TYPE,
} from './openai-to-bedrock.request.js';
export { bedrockToOpenAIResponse } from './bedrock-to-openai.response.js';
export { bedrockToOpenAIError } from './bedrock-to-openai.error.js';
export { BedrockToOpenAIStream, MAX_TOOL_BLOCKS } from './bedrock-to-openai.stream.js';
export { BedrockStreamError } from './exceptions.js';
export { EventStreamDecoder } from './event-stream-decoder.js';
export type { EventStreamDecoderOptions } from './event-stream-decoder.js';
export { encodeEventStreamMessage } from './event-stream-encoder.js';
export type { EventStreamHeaderInput } from './event-stream-encoder.js';
export { encodeConverseEvent, encodeConverseException } from './converse-stream-frames.js';
export { EventStreamError, DEFAULT_MAX_MESSAGE_BYTES, headerString } from './event-stream-types.js';
export type {
  EventStreamErrorCode,
  EventStreamHeaderValue,
  EventStreamMessage,
} from './event-stream-types.js';
export { crc32 } from './crc32.js';
export { signBedrockRequest, signAwsRequest } from './sigv4.js';
export type { AwsCredentials, AwsSignInput, BedrockSignInput, SignedHeaders } from './sigv4.js';

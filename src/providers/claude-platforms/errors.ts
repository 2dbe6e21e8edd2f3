/**
 * A platform's error answer, for an Anthropic client: in Anthropic's error format. Vertex passes
 * Claude's own errors on (`{"type":"error",…}`: kept as they are) and answers its own (auth, quota,
 * unknown model) in Google's format; Bedrock answers `{"message": …}` with the exception named in
 * `x-amzn-errortype`. Both of those are translated; the status stays the platform's.
 */
import { bedrockToOpenAIError } from '../bedrock/bedrock-to-openai.error.js';
import { classifyException, exceptionName } from '../bedrock/exceptions.js';
import { geminiToOpenAIError } from '../gemini/gemini-to-openai.error.js';
import { openAIToAnthropicError } from '../anthropic/openai-to-anthropic.error.js';
import { parseJsonObject } from '../../json.js';
import type { ClaudePlatform } from './platforms.js';

/** The body an Anthropic client gets for the platform's error `status` + `body`. */
export function claudePlatformError(
  platform: ClaudePlatform,
  status: number,
  body: Buffer,
  amznErrorType?: string,
): Buffer {
  const json = parseJsonObject(body.toString('utf8'));
  if (json?.type === 'error') return body;
  let err = platform === 'vertex' ? geminiToOpenAIError(status, body) : bedrockToOpenAIError(status, body);
  const named = classifyException(exceptionName(amznErrorType));
  if (platform === 'bedrock' && named) err = { ...err, type: named.type };
  return Buffer.from(JSON.stringify(openAIToAnthropicError(err)));
}

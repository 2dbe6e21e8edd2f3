/** Canonical (OpenAI-format) error → Anthropic error body (client). */
import type { CanonicalError, Json } from '../translate/types.js';
import { openAIToAnthropicErrorType } from './error-types.js';

/** `{type: "error", error: {type, message}}`; the HTTP status stays the caller's (err.status). */
export function openAIToAnthropicError(err: CanonicalError): Json {
  return {
    type: 'error',
    error: { type: openAIToAnthropicErrorType(err.type, err.code, err.status), message: err.message },
  };
}

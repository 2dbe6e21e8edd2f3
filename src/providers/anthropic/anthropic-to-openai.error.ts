/** Canonical (OpenAI-format) error → Anthropic error body (client). */
import type { CanonicalError, Json } from '../translate/types.js';
import { anthropicErrorType } from './error-types.js';

/** `{type: "error", error: {type, message}}`; the HTTP status stays the caller's (err.status). */
export function canonicalToAnthropicError(err: CanonicalError): Json {
  return {
    type: 'error',
    error: { type: anthropicErrorType(err.type, err.code, err.status), message: err.message },
  };
}

/** Anthropic error response → canonical (OpenAI-format) error. */
import type { CanonicalError } from '../translate/types.js';
import { anthropicToOpenAIErrorType } from './error-types.js';
import { asObj, asString, parseJsonObject } from '../../json.js';

/**
 * Reads `{type:"error", error:{type, message}}` (or any `{error:{message}}`). The status is always kept.
 * A body that is not such JSON (an HTML page from a proxy, say) gives a generic message: its text is not
 * echoed to the client.
 */
export function anthropicToOpenAIError(status: number, body: Buffer): CanonicalError {
  const json = parseJsonObject(body.toString('utf8'));
  const err = asObj(json?.error);
  const message = asString(err?.message);
  const { type, code } = anthropicToOpenAIErrorType(asString(err?.type), status);
  return {
    status,
    message: message !== undefined && message !== '' ? message : `upstream returned HTTP ${status}`,
    type,
    code,
  };
}

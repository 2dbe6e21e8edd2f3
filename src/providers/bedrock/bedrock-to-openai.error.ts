/**
 * Bedrock error response (status + body) → canonical error.
 *
 * Bedrock sends `{"message": …}` (sometimes `{"Message": …}`) and names the exception in the
 * `x-amzn-errortype` header, which this function does not see; a `__type` / `code` field in the body is used
 * when present. The type comes from the exception name when known, else from the status: 400 →
 * invalid_request_error, 401 → authentication_error, 403 → authentication_error when the message is about
 * credentials or signatures, else permission_error, 404 → not_found_error, 429 → rate_limit_error, 5xx →
 * api_error, other 4xx → invalid_request_error. The upstream status is kept.
 */
import type { CanonicalError } from '../translate/types.js';
import { classifyException, exceptionName } from './exceptions.js';
import { asString, parseJsonObject } from '../../json.js';

const MAX_MESSAGE_CHARS = 1000;
const AUTH_MESSAGE = /security token|signature|credential|expired|authenticat/i;

export function bedrockToOpenAIError(status: number, body: Buffer): CanonicalError {
  const text = body.toString('utf8');
  const json = parseJsonObject(text);
  const name = exceptionName(asString(json?.__type) ?? asString(json?.code) ?? asString(json?.Code));
  const raw = json === undefined ? text.trim() : (asString(json.message) ?? asString(json.Message) ?? '');
  const message =
    raw === ''
      ? `Bedrock returned HTTP ${status}`
      : raw.length > MAX_MESSAGE_CHARS
        ? `${raw.slice(0, MAX_MESSAGE_CHARS)}…`
        : raw;
  const type = classifyException(name)?.type ?? typeFromStatus(status, message);
  return { status, message, type, code: name ?? null };
}

function typeFromStatus(status: number, message: string): string {
  if (status === 400) return 'invalid_request_error';
  if (status === 401) return 'authentication_error';
  if (status === 403) return AUTH_MESSAGE.test(message) ? 'authentication_error' : 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'api_error';
  if (status >= 400) return 'invalid_request_error';
  return 'api_error';
}

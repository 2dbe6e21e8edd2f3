/** Error type names between the Anthropic and OpenAI error objects. */
import { errorTypeForStatus as openAITypeForStatus } from '../translate/errors.js';

/** Anthropic error types that have no OpenAI equivalent; the canonical error keeps them in `code`. */
const ANTHROPIC_ONLY: Readonly<Record<string, string>> = {
  overloaded_error: 'api_error',
  timeout_error: 'api_error',
  request_too_large: 'invalid_request_error',
  billing_error: 'permission_error',
};

const SHARED = new Set([
  'invalid_request_error',
  'authentication_error',
  'permission_error',
  'not_found_error',
  'rate_limit_error',
  'api_error',
]);

const STATUS_OF_TYPE: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/** The HTTP status Anthropic uses for an error type (a stream `error` event has none); 502 when unknown. */
export function statusForAnthropicType(type: string | undefined): number {
  return type !== undefined && Object.hasOwn(STATUS_OF_TYPE, type) ? (STATUS_OF_TYPE[type] ?? 502) : 502;
}

/** OpenAI error type for an HTTP status, when the body says nothing usable. */

export { openAITypeForStatus };

/** Anthropic error type → canonical (OpenAI) type and code. Unknown types fall back to the status. */
export function anthropicToOpenAIErrorType(
  anthropicType: string | undefined,
  status: number,
): { type: string; code: string | null } {
  if (anthropicType !== undefined) {
    if (SHARED.has(anthropicType)) return { type: anthropicType, code: null };
    if (Object.hasOwn(ANTHROPIC_ONLY, anthropicType)) {
      return { type: ANTHROPIC_ONLY[anthropicType] ?? 'api_error', code: anthropicType };
    }
  }
  return { type: openAITypeForStatus(status), code: null };
}

/** Anthropic error type for an HTTP status. */
export function anthropicTypeForStatus(status: number): string {
  switch (status) {
    case 400:
    case 422:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 402:
      return 'billing_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 503:
    case 529:
      return 'overloaded_error';
    case 504:
      return 'timeout_error';
    default:
      return 'api_error';
  }
}

/**
 * Canonical error → Anthropic error type. An Anthropic type carried in `code` wins (round trip); then a
 * status with its own Anthropic type (401, 402, 403, 404, 413, 429, 503/529 → overloaded_error, 504); then
 * the OpenAI type when Anthropic has the same one; otherwise the status (400 → invalid_request_error,
 * anything else → api_error). Stream errors have no status: pass 0.
 */
export function openAIToAnthropicErrorType(
  type: string,
  code: string | null | undefined,
  status: number,
): string {
  if (typeof code === 'string' && Object.hasOwn(ANTHROPIC_ONLY, code)) return code;
  const byStatus = anthropicTypeForStatus(status);
  if (byStatus !== 'api_error' && byStatus !== 'invalid_request_error') return byStatus;
  switch (type) {
    case 'invalid_request_error':
    case 'authentication_error':
    case 'permission_error':
    case 'not_found_error':
    case 'rate_limit_error':
      return type;
    case 'insufficient_quota':
      return 'rate_limit_error';
    default:
      return byStatus;
  }
}

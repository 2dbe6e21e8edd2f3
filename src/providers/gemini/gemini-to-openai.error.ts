/** Gemini / Vertex AI error bodies → canonical (OpenAI-format) errors. */
import type { CanonicalError } from '../translate/types.js';
import { TranslationError } from '../translate/types.js';
import { errorTypeForStatus, genericError, parseErrorBody } from '../openai/openai-compat-to-openai.error.js';
import { asObj, isObj, nonEmptyString } from '../../json.js';

const TYPE_BY_STATUS: Readonly<Record<string, string>> = {
  INVALID_ARGUMENT: 'invalid_request_error',
  FAILED_PRECONDITION: 'invalid_request_error',
  OUT_OF_RANGE: 'invalid_request_error',
  UNAUTHENTICATED: 'authentication_error',
  PERMISSION_DENIED: 'permission_error',
  NOT_FOUND: 'not_found_error',
  RESOURCE_EXHAUSTED: 'rate_limit_error',
};

/** OpenAI error.type for a Google RPC status name (else from the HTTP status). */
export function geminiErrorType(rpcStatus: string | undefined, httpStatus: number): string {
  return (rpcStatus !== undefined ? TYPE_BY_STATUS[rpcStatus] : undefined) ?? errorTypeForStatus(httpStatus);
}

/**
 * `{error:{code, message, status}}` (also wrapped in a one-element array, as the non-SSE stream sends it)
 * → canonical error; `code` is the RPC status name. Non-JSON bodies → a generic error for the status.
 */
export function geminiToOpenAIError(status: number, body: Buffer): CanonicalError {
  let parsed = parseErrorBody(body);
  if (Array.isArray(parsed)) parsed = parsed[0];
  const err = asObj(asObj(parsed)?.error);
  if (err === undefined) return genericError(status);
  const rpc = nonEmptyString(err.status);
  return {
    status,
    message: nonEmptyString(err.message) ?? genericError(status).message,
    type: geminiErrorType(rpc, status),
    code: rpc ?? null,
  };
}

/** The TranslationError for an `{error:{…}}` object inside a stream. */
export function geminiStreamError(err: unknown): TranslationError {
  const e = isObj(err) ? err : {};
  const code = typeof e.code === 'number' && e.code >= 400 && e.code <= 599 ? e.code : 502;
  const message = nonEmptyString(e.message) ?? 'Upstream provider reported an error mid-stream';
  return new TranslationError(code, message, geminiErrorType(nonEmptyString(e.status), code));
}

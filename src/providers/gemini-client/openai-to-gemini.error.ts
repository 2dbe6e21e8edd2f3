/** Canonical error → Gemini's error body `{"error":{"code","message","status"}}` (google.rpc.Status). */
import type { CanonicalError, Json } from '../translate/types.js';

const BY_HTTP: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  413: 'INVALID_ARGUMENT',
  415: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
  529: 'UNAVAILABLE',
};

/** The google.rpc status name for an HTTP status (an RPC name the upstream gave wins). */
export function rpcStatus(status: number, code?: string | null): string {
  if (typeof code === 'string' && /^[A-Z_]+$/.test(code)) return code;
  return BY_HTTP[status] ?? (status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION');
}

export function openAIToGeminiError(err: CanonicalError): Json {
  return { error: { code: err.status, message: err.message, status: rpcStatus(err.status, err.code) } };
}

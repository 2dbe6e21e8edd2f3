/** The provider-shaped error bodies the mock sends for `x-mock-status: <4xx|5xx>`. */
import http from 'node:http';
import type { MockRoute } from './types.js';

const OPENAI_ERRORS: Record<number, [type: string, code: string | null]> = {
  400: ['invalid_request_error', 'invalid_value'],
  401: ['invalid_request_error', 'invalid_api_key'],
  403: ['invalid_request_error', 'permission_denied'],
  404: ['invalid_request_error', 'model_not_found'],
  429: ['requests', 'rate_limit_exceeded'],
  500: ['server_error', null],
  503: ['server_error', 'service_unavailable'],
};
const ANTHROPIC_ERRORS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};
const GEMINI_ERRORS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** The message used in every mock error body. */
export function errorMessage(status: number): string {
  return `mock provider error ${status}: ${http.STATUS_CODES[status] ?? 'Unknown'} (requested via x-mock-status)`;
}

/** The provider-shaped error body the mock sends for `x-mock-status: <status>`. */
export function errorBody(route: MockRoute, status: number): unknown {
  const message = errorMessage(status);
  switch (route) {
    case 'anthropic':
      return {
        type: 'error',
        error: {
          type: ANTHROPIC_ERRORS[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error'),
          message,
        },
      };
    case 'gemini':
      return {
        error: {
          code: status,
          message,
          status: GEMINI_ERRORS[status] ?? (status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION'),
        },
      };
    case 'openai':
    case 'health':
    case 'unknown': {
      const [type, code] = OPENAI_ERRORS[status] ?? [
        status >= 500 ? 'server_error' : 'invalid_request_error',
        null,
      ];
      return { error: { message, type, param: null, code } };
    }
  }
}

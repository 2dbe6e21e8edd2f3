/** Shared error mapping for provider adapters: the canonical (OpenAI) error type for an HTTP status. */
export function errorTypeForStatus(status: number): string {
  switch (status) {
    case 400:
    case 409:
    case 413:
    case 422:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 429:
      return 'rate_limit_error';
    default:
      return status >= 400 && status < 500 ? 'invalid_request_error' : 'api_error';
  }
}

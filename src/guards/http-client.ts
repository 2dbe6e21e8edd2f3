/**
 * The small HTTP-client interface the webhook and moderation guards call through.
 *
 * The guards are pure (no node:http, grpc, pino, prom-client): they receive an implementation of
 * {@link HttpClient}. The production one lives in `src/http/` (node:http/node:https with keep-alive agents).
 */

export interface HttpRequest {
  /** Absolute `http://` or `https://` URL. */
  readonly url: string;
  readonly method: 'POST';
  /** Header names as given; the implementation adds `content-length`. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
  /** Hard cap for the whole exchange (connect + send + full response body). */
  readonly timeoutMs: number;
  /** Aborting rejects the promise with an {@link HttpClientError} of kind `aborted`. */
  readonly signal?: AbortSignal;
  /** https only: accept any server certificate (kgateway mode, like the original's httpx `verify=False`). */
  readonly insecureSkipVerify?: boolean;
}

export interface HttpResponse {
  readonly status: number;
  /** Lower-cased names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

export interface HttpClient {
  /**
   * Resolves with any HTTP status (non-2xx included). Rejects with an {@link HttpClientError} on network
   * errors, TLS errors, timeout, abort, or an oversized response body.
   */
  request(req: HttpRequest): Promise<HttpResponse>;
}

export type HttpClientErrorKind =
  /** Connection refused/reset, DNS failure, TLS failure, malformed HTTP, ... */
  | 'network'
  /** `timeoutMs` elapsed. */
  | 'timeout'
  /** `signal` was aborted (the caller's deadline). */
  | 'aborted'
  /** The response body exceeded the implementation's limit. */
  | 'too_large'
  /** The URL could not be parsed or has an unsupported scheme. */
  | 'bad_request';

export class HttpClientError extends Error {
  override readonly name = 'HttpClientError';
  constructor(
    readonly kind: HttpClientErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Host part of a URL: IPv6 literals get brackets. */
export function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

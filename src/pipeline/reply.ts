/**
 * One reply type. Every local answer the gateway gives (a guard reject, a 400 for a body it cannot
 * read, a 404 for an unknown model, later 429s and cache hits) is built once, as data, and the
 * route's mode renders it: kgateway mode as text/plain, standalone mode in the client API's JSON
 * error format. Nothing builds a reply in one format and re-wraps it in another.
 */
import type { LocalReply } from './types.js';

export interface Refusal {
  readonly status: number;
  /** What the client reads. Never body content or secrets. */
  readonly message: string;
  /** Envoy's %RESPONSE_CODE_DETAILS%, and the reason in logs. */
  readonly code: string;
  /** The error class in the client's API (OpenAI error.type); derived from the status when absent. */
  readonly type?: string;
  /** Extra response headers (a 429's retry-after and x-ratelimit-*). */
  readonly headers?: ReadonlyArray<readonly [string, string]>;
}

/** Thrown by codecs and stages to answer locally; the exchange renders it with the route's mode. */
export class RefusalError extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.message);
  }
}

/**
 * Thrown by a codec that answers the request itself (the gateway's own token count): a served
 * answer, counted as completed like a cache hit, not a refusal.
 */
export class AnswerError extends Error {
  constructor(readonly reply: LocalReply) {
    super('answered locally');
  }
}

export const refuse = (status: number, message: string, code: string, type?: string): RefusalError =>
  new RefusalError(type === undefined ? { status, message, code } : { status, message, code, type });

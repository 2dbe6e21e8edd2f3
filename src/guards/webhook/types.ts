/**
 * Public types of the guardrails webhook client (docs/reference/kgateway-contract.md §3.4, docs/reference/webhooks-openapi.yaml).
 */

/** One prompt message (request phase) or response choice (response phase) as the webhook sees it. */
export interface WebhookMessage {
  readonly role: string;
  readonly content: string;
}

export type WebhookRequestVerdict =
  | { readonly kind: 'pass'; readonly reason?: string }
  /** One content string per input message, same order and count. Role changes by the webhook are ignored. */
  | { readonly kind: 'mask'; readonly contents: string[]; readonly reason?: string }
  /** `body` is never empty: an empty webhook body becomes {@link DEFAULT_WEBHOOK_REJECT_BODY}. */
  | { readonly kind: 'reject'; readonly status: number; readonly body: string; readonly reason?: string };

export type WebhookResponseVerdict =
  | { readonly kind: 'pass'; readonly reason?: string }
  | { readonly kind: 'mask'; readonly contents: string[]; readonly reason?: string };

export const DEFAULT_WEBHOOK_REJECT_BODY = 'Rejected by guardrails webhook';

/** Per-call timeout when the caller gives none: the original's httpx default. */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 5000;

export type WebhookErrorKind =
  /** Connection refused/reset, DNS, TLS verification, oversized reply, ... */
  | 'network'
  /** The shared guard deadline (the `deadline` signal) or the per-call `timeoutMs` ran out. */
  | 'timeout'
  /** The webhook answered a non-2xx status (the OpenAPI defines actions only for 200). */
  | 'status'
  /** The reply is not UTF-8 JSON. */
  | 'invalid_json'
  /** The reply does not match GuardrailsPromptResponse / GuardrailsResponseResponse. */
  | 'schema'
  /** A mask returned a different number of messages/choices than were sent. */
  | 'count_mismatch'
  /** A reject action (string `body`) arrived in the response phase, which the OpenAPI does not allow. */
  | 'reject_not_allowed';

/**
 * Any failure of a webhook call. The caller applies the contract's error rule (§5): request phase →
 * the route's custom response, response phase → 500. Messages name the endpoint and the problem, never
 * prompt text or header values.
 */
export class WebhookError extends Error {
  override readonly name = 'WebhookError';
  constructor(
    readonly kind: WebhookErrorKind,
    message: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.status = options?.status;
  }
  /** The HTTP status, for kind `status`. */
  readonly status: number | undefined;
}

export interface WebhookCallOptions {
  /** The client's request headers, names lower-cased (pseudo-headers may be present; they are never sent). */
  readonly headers: ReadonlyMap<string, string>;
  /** W3C trace context of the current span; sent as `traceparent` / `tracestate` when given. */
  readonly traceparent?: string | undefined;
  readonly tracestate?: string | undefined;
  /** The shared guard deadline (webhook + moderation). Aborting it fails the call with kind `timeout`. */
  readonly deadline: AbortSignal;
  /**
   * Cap for this call in ms, normally the time left until the deadline. Default
   * {@link DEFAULT_WEBHOOK_TIMEOUT_MS}. The signal stays authoritative.
   */
  readonly timeoutMs?: number | undefined;
  /** kgateway mode: `https`; `http` for plain-text webhooks. */
  readonly scheme: 'https' | 'http';
  /** kgateway mode: true (the original never verified); standalone: false unless configured. */
  readonly insecureSkipVerify: boolean;
}

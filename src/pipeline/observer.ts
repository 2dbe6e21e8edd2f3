/** What the exchange tells observers (metrics, logs, tracing). Plain data; no observer is required. */
export interface ExchangeLabels {
  /** x-llm-provider (or the standalone backend's provider). */
  readonly llm: string;
  /** The request model, falling back to the response model. */
  readonly model: string;
  /** stats.json custom labels: name → value. */
  readonly custom: Readonly<Record<string, string>>;
}

export interface ExchangeSummary {
  readonly labels: ExchangeLabels;
  readonly requestId: string | undefined;
  /** OTel gen_ai.operation.name: chat, text_completion, generate_content, … */
  readonly operation: string;
  readonly requestModel: string;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly cachedInputTokens: number | undefined;
  readonly cacheCreationInputTokens: number | undefined;
  readonly reasoningTokens: number | undefined;
  readonly rateLimitedTokens: number;
  readonly responseModel: string;
  readonly streaming: boolean;
  readonly status: number | undefined;
  /** Seconds from the request headers to the end of the response body. */
  readonly durationSeconds: number;
  /** Streams: seconds from the request headers to the first response body bytes. */
  readonly timeToFirstTokenSeconds: number | undefined;
  /** undefined on success; a short class such as "http_429" or "_OTHER" otherwise. */
  readonly errorType: string | undefined;
}

export type GuardPhase = 'request' | 'response';
export type GuardName = 'webhook' | 'regex' | 'moderation';
export type GuardAction = 'pass' | 'mask' | 'reject' | 'error';

/** The error_type label: absent on success, http_<status> otherwise. */
export function errorTypeFor(status: number | undefined): string | undefined {
  return status !== undefined && status >= 400 ? `http_${status}` : undefined;
}

export interface ExchangeObserver {
  exchangeCompleted?(summary: ExchangeSummary): void;
  exceptionRaised?(labels: ExchangeLabels, where: string, err: unknown): void;
  guardAction?(phase: GuardPhase, guard: GuardName, action: GuardAction): void;
  /** One webhook call: its latency and whether it answered. */
  webhookCall?(phase: GuardPhase, seconds: number, ok: boolean): void;
  /** Standalone: a request parameter the provider cannot take was dropped. */
  droppedParam?(provider: string, param: string): void;
  /** Standalone failover alias: one upstream attempt and how it ended (ok, http_429, …). */
  upstreamAttempt?(route: string, target: string, result: string): void;
}

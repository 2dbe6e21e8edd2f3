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
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly rateLimitedTokens: number;
  readonly responseModel: string;
  readonly streaming: boolean;
  readonly status: number | undefined;
}

export interface ExchangeObserver {
  exchangeCompleted?(summary: ExchangeSummary): void;
  exceptionRaised?(labels: ExchangeLabels, where: string, err: unknown): void;
}

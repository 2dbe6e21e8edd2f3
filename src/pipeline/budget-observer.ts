/** The budget stage's port to metrics (metrics/budget-metrics.ts implements it). Plain data only. */
export type BudgetDecision = 'allowed' | 'limited' | 'store_error';

export interface BudgetSpend {
  readonly route: string;
  /** The price table entry that priced it ("*" for the fallback), or "" when unpriced. */
  readonly priceName: string;
  /** A configured client name, "other" (named by the identity header only), or "none". */
  readonly client: string;
  /** A configured team, "other" or "none". */
  readonly team: string;
  readonly tokens: number;
  /** undefined: no price for the model. */
  readonly costUsd: number | undefined;
}

export interface BudgetObserver {
  /** One decision per limit that applied to a request (the limit's configured name). */
  budgetDecision(limit: string, decision: BudgetDecision): void;
  /** What a finished request spent. */
  budgetSpend(spend: BudgetSpend): void;
}

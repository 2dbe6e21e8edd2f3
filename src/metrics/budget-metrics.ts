/**
 * Budget metrics: decisions per limit, spend per configured client and team, and cost per route
 * and priced model. Every label value comes from the config (limit, client, team, route and price
 * table names), so they are bounded; never a key value.
 */
import client from 'prom-client';
import type { BudgetDecision, BudgetObserver, BudgetSpend } from '../pipeline/budget-observer.js';

export class BudgetMetrics implements BudgetObserver {
  private readonly decisions: client.Counter;
  private readonly clientTokens: client.Counter;
  private readonly clientCost: client.Counter;
  private readonly cost: client.Counter;

  constructor(registry: client.Registry) {
    const counter = (name: string, help: string, labelNames: string[]): client.Counter =>
      new client.Counter({ name, help, labelNames, registers: [registry] });
    this.decisions = counter(
      'ai_extproc_budget_decisions_total',
      'Budget decisions per limit: allowed, limited (429), store_error (the store did not answer)',
      ['limit', 'decision'],
    );
    this.clientTokens = counter(
      'ai_extproc_client_tokens_total',
      'Tokens spent (input + output) per configured client and team',
      ['client', 'team'],
    );
    this.clientCost = counter(
      'ai_extproc_client_cost_usd_total',
      'USD spent per configured client and team (priced models only)',
      ['client', 'team'],
    );
    this.cost = counter('ai_extproc_cost_usd_total', 'USD spent per route and priced model', [
      'route',
      'model',
    ]);
  }

  budgetDecision(limit: string, decision: BudgetDecision): void {
    this.decisions.inc({ limit, decision });
  }

  budgetSpend(s: BudgetSpend): void {
    const who = { client: s.client, team: s.team };
    if (s.tokens > 0) this.clientTokens.inc(who, s.tokens);
    if (s.costUsd === undefined) return;
    this.clientCost.inc(who, s.costUsd);
    this.cost.inc({ route: s.route, model: s.priceName }, s.costUsd);
  }
}

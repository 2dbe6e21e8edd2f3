/**
 * Stage 5: budgets that never overshoot. After the guards, the request reserves its upper bound on
 * every limit that applies, in one atomic step (all or none): one request, prompt estimate + max
 * output × n tokens, and their price. The upper bound is true: a request that names no max output
 * gets the route's cap upstream, and a stream is asked for its usage (the codec hides the usage
 * chunk from a client that did not ask for it). Over a limit: 429 in the client's format with
 * retry-after and OpenAI's x-ratelimit-* headers; the upstream never sees the request.
 *
 * Settle (actual − reserved) when the usage arrives, priced by the model that served; a stream that
 * ends without usage keeps its whole reservation (never 0). A cancel, a reset, or an upstream error
 * settles to the input cost; a request refused before it went upstream releases everything.
 * Reservations expire (TTL), so a crashed replica's holds are released.
 */
import crypto from 'node:crypto';
import type { AccessPolicy } from '../../config/client-identity.js';
import { applyStreamUsage } from '../../config/standalone/index.js';
import { amountOf, costMicros, limitHeaders, plan, priceFor } from '../../limits/plan.js';
import type { KeyFacts, Plan } from '../../limits/plan.js';
import type { BudgetStore, Price } from '../../limits/types.js';
import type { BudgetObserver } from '../budget-observer.js';
import type { LogSink } from '../log.js';
import type {
  ExchangeOutcome,
  ExchangeScope,
  RequestScope,
  ResponseEnd,
  ResponseScope,
  RouteView,
  Stage,
  StageNeeds,
  Verdict,
} from '../stage.js';

export interface BudgetStoreHandle {
  readonly store: BudgetStore;
  /** The store did not answer: admit (counted, logged) or answer 503. */
  readonly failOpen: boolean;
  /** How long a reservation holds without a settle (the longest request, at least). */
  readonly ttlMs: number;
}

export interface BudgetDeps {
  /** The live store (the config names it). */
  readonly store: () => BudgetStoreHandle;
  readonly observer: BudgetObserver | undefined;
  readonly log: LogSink;
  readonly now?: () => number;
}

interface Held {
  readonly id: string;
  readonly store: BudgetStore;
  readonly plan: Plan;
  readonly price: { readonly name: string; readonly price: Price } | undefined;
  settled: boolean;
}

const HOLD: StageNeeds = Object.freeze({ request: 'hold' });
const NOTHING: StageNeeds = Object.freeze({});
const MAX_N = 128;
/** These OpenAI-compatible servers know max_tokens only. */
const MAX_TOKENS_ONLY = new Set(['mistral', 'ollama']);

const positiveInt = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;

/** The rightmost x-forwarded-for entry: the peer Envoy saw (use_remote_address appends it). */
function clientIp(xff: string | undefined): string | undefined {
  if (!xff) return undefined;
  const i = xff.lastIndexOf(',');
  return (i < 0 ? xff : xff.slice(i + 1)).trim() || undefined;
}

export class BudgetStage implements Stage {
  readonly name = 'budget';
  private readonly now: () => number;
  private lastStoreWarning = 0;

  constructor(private readonly deps: BudgetDeps) {
    this.now = deps.now ?? Date.now;
  }

  needs(route: RouteView): StageNeeds | undefined {
    const a = route.policy.access;
    if (!a) return undefined;
    // Priced routes without limits only record their cost.
    return a.limits.length > 0 ? HOLD : a.pricing.size > 0 ? NOTHING : undefined;
  }

  async onRequest(s: RequestScope): Promise<Verdict> {
    const a = s.route.policy.access;
    if (!a || a.limits.length === 0) return;
    const body = s.body;
    let maxOut = positiveInt(body.max_completion_tokens) ?? positiveInt(body.max_tokens);
    if (maxOut === undefined) {
      maxOut = a.maxOutputTokens;
      body[MAX_TOKENS_ONLY.has(s.x.provider) ? 'max_tokens' : 'max_completion_tokens'] = maxOut;
      s.changed();
    }
    // No free streams: the upstream reports usage (a client that did not ask never sees it).
    if (s.x.streaming && applyStreamUsage(body)) s.changed();
    const n = Math.min(positiveInt(body.n) ?? 1, MAX_N);
    const price = this.priceOf(a, s.x.model);
    const needsPrice = a.limits.some((l) => l.quotas.cost !== undefined);
    if (needsPrice && !price)
      return {
        refuse: {
          status: 500,
          message: 'No price is configured for this model, and the route limits cost',
          code: 'ai_extproc_budget_unpriced',
        },
      };
    const input = s.x.estimate;
    const output = maxOut * n;
    const now = this.now();
    const cost = price && costMicros(price.price, input, 0, output);
    const p = plan(a.limits, this.keyFacts(s), { tokens: input + output, cost }, now);
    const { store, failOpen, ttlMs } = this.deps.store();
    const id = crypto.randomUUID();
    let r;
    try {
      r = await store.reserve(id, p.holds, ttlMs);
    } catch (err) {
      for (const l of a.limits) this.deps.observer?.budgetDecision(l.name, 'store_error');
      this.storeFailed('reserve', err, s.x.requestId);
      if (failOpen) return;
      return {
        refuse: {
          status: 503,
          message: 'The budget store is unavailable',
          code: 'ai_extproc_budget_store_error',
        },
      };
    }
    if (!r.ok) {
      const blocked = p.counters[r.blocked]!;
      this.deps.observer?.budgetDecision(blocked.limit.name, 'limited');
      return {
        refuse: {
          status: 429,
          message: `Rate limit reached for ${blocked.limit.name} (${blocked.dimension})`,
          code: 'ai_extproc_budget_exceeded',
          type: 'rate_limit_error',
          headers: limitHeaders(p, r.used, r.blocked, now),
        },
      };
    }
    for (const l of a.limits) this.deps.observer?.budgetDecision(l.name, 'allowed');
    s.slot<Held | undefined>(this, () => ({ id, store, plan: p, price, settled: false }));
  }

  async onResponseEnd(s: ResponseScope, end: ResponseEnd): Promise<Verdict> {
    const held = s.slot<Held | undefined>(this, () => undefined);
    const a = s.route.policy.access;
    if (!a) return;
    const u = s.x.facts?.usage;
    if (end.kind === 'upstream-error') return this.settle(s, held, 'input');
    if (!u) return this.settle(s, held, 'reserved');
    const served = s.x.facts?.responseModel || a.providerModel(s.x.model);
    const price = priceFor(a.pricing, served) ?? held?.price ?? this.priceOf(a, s.x.model);
    const cached = u.cachedInputTokens ?? 0;
    const tokens = u.promptTokens + u.completionTokens;
    const cost = price && costMicros(price.price, u.promptTokens, cached, u.completionTokens);
    return this.settle(s, held, { tokens, cost, price });
  }

  onClose(s: ExchangeScope, outcome: ExchangeOutcome): void {
    const held = s.slot<Held | undefined>(this, () => undefined);
    if (!held || held.settled) return;
    // Never sent upstream (a later stage or the codec refused): nothing was spent.
    const release = outcome === 'local-reply' && s.x.status === undefined;
    void this.settle(s, held, release ? 'release' : 'input');
  }

  private priceOf(a: AccessPolicy, clientModel: string) {
    if (a.pricing.size === 0) return undefined;
    return priceFor(a.pricing, a.providerModel(clientModel)) ?? priceFor(a.pricing, clientModel);
  }

  private keyFacts(s: RequestScope): KeyFacts {
    const x = s.x;
    return {
      client: x.client?.name,
      team: x.client?.team,
      route: s.route.name ?? '',
      model: x.model,
      ip: clientIp(x.headers.get('x-forwarded-for')),
      header: (name) => x.headers.get(name),
    };
  }

  /** Settles once: to actual usage, to the input cost, to the reservation, or to nothing. */
  private async settle(
    s: ExchangeScope,
    held: Held | undefined,
    how:
      'input' | 'reserved' | 'release' | { tokens: number; cost: number | undefined; price: Held['price'] },
  ): Promise<void> {
    if (held?.settled) return;
    const a = s.route.policy.access!;
    let tokens: number;
    let cost: number | undefined;
    let price = held?.price;
    if (how === 'input' || how === 'release') {
      tokens = how === 'release' ? 0 : s.x.estimate;
      price ??= this.priceOf(a, s.x.model);
      cost = price && costMicros(price.price, tokens, 0, 0);
    } else if (how === 'reserved') {
      const holds = held?.plan.holds ?? [];
      const t = held?.plan.counters.findIndex((c) => c.dimension === 'tokens') ?? -1;
      const c = held?.plan.counters.findIndex((c) => c.dimension === 'cost') ?? -1;
      tokens = t >= 0 ? holds[t]!.amount : s.x.estimate;
      price ??= this.priceOf(a, s.x.model);
      cost = c >= 0 ? holds[c]!.amount : price && costMicros(price.price, tokens, 0, 0);
    } else {
      ({ tokens, cost, price } = how);
    }
    this.recordSpend(s, a, tokens, cost, price?.name);
    if (!held) return;
    held.settled = true;
    const amounts = { tokens, cost };
    const actual = held.plan.counters.map((c) =>
      c.dimension === 'requests' ? (how === 'release' ? 0 : 1) : amountOf(c.dimension, amounts),
    );
    try {
      await held.store.settle(held.id, held.plan.holds, actual);
    } catch (err) {
      // The reservation expires by its TTL; the spend is lost to the counters (counted, logged).
      for (const l of a.limits) this.deps.observer?.budgetDecision(l.name, 'store_error');
      this.storeFailed('settle', err, s.x.requestId);
    }
  }

  private recordSpend(
    s: ExchangeScope,
    a: AccessPolicy,
    tokens: number,
    costMicro: number | undefined,
    priceName: string | undefined,
  ): void {
    const c = s.x.client;
    const named = (v: string | undefined, known: ReadonlySet<string>): string =>
      v === undefined ? 'none' : known.has(v) ? v : 'other';
    this.deps.observer?.budgetSpend({
      route: s.route.name ?? '',
      priceName: priceName ?? '',
      client: named(c?.name, a.clients.names),
      team: named(c?.team, a.clients.teams),
      tokens,
      costUsd: costMicro === undefined ? undefined : costMicro / 1_000_000,
    });
  }

  /** Logged at most once a second (a down store fails every request). */
  private storeFailed(phase: string, err: unknown, requestId: string | undefined): void {
    const now = Date.now();
    if (now - this.lastStoreWarning < 1000) return;
    this.lastStoreWarning = now;
    this.deps.log.warn(
      { phase, requestId, err: err instanceof Error ? err.message : String(err) },
      'budget store unavailable',
    );
  }
}

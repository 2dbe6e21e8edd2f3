/** The modes the composition root builds: each mode's stage list, in the fixed order of stage.ts. */
import type { KgatewayPolicySource } from './config/kgateway-policy.js';
import type { Logger } from './logging/logger.js';
import type { GuardRunner } from './pipeline/guard-runner.js';
import type { ExchangeObserver } from './pipeline/observer.js';
import type { LogSink } from './pipeline/log.js';
import { KgatewayMode } from './pipeline/modes/kgateway.js';
import { StandaloneMode } from './pipeline/modes/standalone.js';
import type { Stage } from './pipeline/stage.js';
import { RequestDefaultsStage } from './pipeline/stages/request-defaults.js';
import { PromptEstimateStage } from './pipeline/stages/prompt-estimate.js';
import { RequestGuardsStage } from './pipeline/stages/request-guards.js';
import { ResponseGuardsStage } from './pipeline/stages/response-guards.js';
import { RecordStage } from './pipeline/stages/record.js';
import { ClientIdentityStage } from './pipeline/stages/client-identity.js';
import { BudgetStage } from './pipeline/stages/budget.js';
import type { BudgetStoreHandle } from './pipeline/stages/budget.js';
import { MemoryBudgetStore } from './limits/memory-store.js';
import type { BudgetObserver } from './pipeline/budget-observer.js';
import { RedisBudgetStore } from './stores/redis-budget-store.js';
import { EndpointPickStage } from './pipeline/stages/endpoint-pick.js';
import type { PoolDirectory } from './pipeline/pools.js';
import { CacheIntakeStage, CacheLookupStage, CacheStoreStage } from './pipeline/stages/cache.js';
import type { CacheDeps } from './pipeline/stages/cache.js';
import { cacheWiring } from './cache-wiring.js';
import type { RuntimeConfig } from './config/standalone/index.js';
import { FailoverState } from './pipeline/failover.js';
import type { HeldRequests } from './pipeline/attempts/held-requests.js';

const stageList = (...stages: Stage[]): readonly Stage[] => Object.freeze(stages);

export interface ModeParts {
  readonly guards: GuardRunner;
  readonly observer: ExchangeObserver;
  readonly log: Logger | LogSink;
  readonly maxBodyBytes: number;
  /** Prompt characters counted exactly per request (the rest: one token per byte). */
  readonly exactCountChars?: number;
}

/** kgateway mode and its stages, in the order of pipeline/stage.ts. */
export function kgatewayMode(p: ModeParts & { readonly policies: KgatewayPolicySource }): KgatewayMode {
  return new KgatewayMode({
    policies: p.policies,
    stages: stageList(
      new PromptEstimateStage({
        syncMaxBytes: 32 * 1024,
        hitsAddend: true,
        ...(p.exactCountChars !== undefined ? { exactCountChars: p.exactCountChars } : {}),
      }),
      new RequestGuardsStage(p.guards),
      new ResponseGuardsStage(p.guards),
      new RecordStage(p.observer, p.log),
    ),
    maxBodyBytes: p.maxBodyBytes,
  });
}

/** Where budgets count: the memory store, or Redis when the config names it (read at start). */
export function budgetStores(
  config: () => RuntimeConfig,
  log: Logger,
): { handle: () => BudgetStoreHandle; ready(): Promise<void>; close(): Promise<void> } {
  const memoryStore = new MemoryBudgetStore();
  const r = config().stores?.redis;
  let lastError = 0;
  const redis = r
    ? new RedisBudgetStore({
        url: r.url(),
        timeoutMs: r.timeoutMs,
        onError: (err) => {
          // A down Redis reports on every reconnect attempt: once every 10 s is enough.
          if (Date.now() - lastError < 10_000) return;
          lastError = Date.now();
          log.warn({ err: err.message }, 'redis budget store: connection problem');
        },
      })
    : undefined;
  return {
    handle: () => {
      const s = config().stores;
      const ttlMs = s?.reservationTtlMs ?? 600_000;
      return redis && s?.redis
        ? { store: redis, failOpen: s.redis.failOpen, ttlMs }
        : { store: memoryStore, failOpen: true, ttlMs };
    },
    // Redis down at start: the server still starts, and the budget stage applies failOpen.
    ready: async () => {
      if (redis && !(await redis.ready(2000))) log.warn('redis budget store not reachable yet');
    },
    close: async () => redis?.close(),
  };
}

/** Standalone mode and its stages, in the order of pipeline/stage.ts. */
export function standaloneMode(
  p: ModeParts & {
    readonly config: () => RuntimeConfig;
    readonly budget?: {
      readonly store: () => BudgetStoreHandle;
      readonly observer: BudgetObserver | undefined;
    };
    readonly pools?: PoolDirectory;
    /** Cooldowns of failover targets (tests give their own clock). */
    readonly failover?: FailoverState;
    /** Requests held for their upstream attempts (failover inside a request). */
    readonly attempts?: HeldRequests;
    readonly cache?: CacheDeps;
  },
): StandaloneMode {
  const memory: BudgetStoreHandle = { store: new MemoryBudgetStore(), failOpen: true, ttlMs: 600_000 };
  const cacheIntake = new CacheIntakeStage();
  const cacheLookup = new CacheLookupStage(
    p.cache ?? cacheWiring({ config: p.config, http: undefined, observer: undefined, log: p.log }).deps,
    cacheIntake,
  );
  return new StandaloneMode({
    config: p.config,
    stages: stageList(
      cacheIntake,
      new ClientIdentityStage(),
      new RequestDefaultsStage(),
      new PromptEstimateStage({
        syncMaxBytes: Infinity,
        hitsAddend: false,
        ...(p.exactCountChars !== undefined ? { exactCountChars: p.exactCountChars } : {}),
      }),
      new RequestGuardsStage(p.guards),
      new BudgetStage({
        store: p.budget?.store ?? (() => memory),
        observer: p.budget?.observer,
        log: p.log,
      }),
      cacheLookup,
      ...(p.pools ? [new EndpointPickStage(p.config, p.pools)] : []),
      new ResponseGuardsStage(p.guards),
      new CacheStoreStage(cacheLookup),
      new RecordStage(p.observer, p.log),
    ),
    maxBodyBytes: p.maxBodyBytes,
    log: p.log,
    droppedParam: (provider, param) => p.observer.droppedParam?.(provider, param),
    failover: p.failover ?? new FailoverState(),
    ...(p.attempts ? { attempts: p.attempts } : {}),
    upstreamAttempt: (route, target, result) => p.observer.upstreamAttempt?.(route, target, result),
  });
}

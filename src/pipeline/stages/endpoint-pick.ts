/**
 * Endpoint picking for pool backends (the Inference Extension's endpoint picker, as a stage):
 * after the guards and before the codec encodes, it scores the pool's servers from their metrics
 * (src/picking/) and names the chosen one, then the fallbacks in score order, in the
 * x-gateway-destination-endpoint request header and in envoy.lb dynamic metadata (they agree).
 * A subset hint from the proxy (envoy.lb.subset_hint) limits the choice; an empty intersection
 * is a 503, no server ready a 503 (FailClose) or no pick at all (FailOpen: Envoy's fallback
 * policy chooses), a sheddable request while every server is saturated a 429. On the response,
 * x-gateway-destination-endpoint-served feeds the pool's prefix index.
 */
import type { CompiledBackend, RuntimeConfig } from '../../config/standalone/index.js';
import {
  ENDPOINT_HEADER,
  ENDPOINT_SERVED_HEADER,
  LB_NS,
  SUBSET_HINT_KEY,
  SUBSET_HINT_NS,
  TEST_SELECTION_HEADER,
} from '../../config/internal-headers.js';
import { isObj } from '../../json.js';
import { pick, promptText } from '../../picking/picker.js';
import type { PickResult } from '../../picking/picker.js';
import { MAX_PREFIX_CHARS, prefixHashes } from '../../picking/prefix-cache.js';
import type { LivePool, PoolDirectory } from '../pools.js';
import type {
  ExchangeOutcome,
  ExchangeScope,
  RequestScope,
  RouteView,
  Stage,
  StageNeeds,
  Verdict,
} from '../stage.js';

const READ: StageNeeds = Object.freeze({ request: 'read' });
/** A subset hint longer than this is cut (it names servers of one pool). */
const MAX_SUBSET = 256;

interface PickState {
  readonly live: LivePool;
  readonly hashes: readonly number[];
  /** The primary, counted in flight until the exchange closes. */
  readonly endpoint: string;
}

/** The proxy's subset hint: a list of ip:port (or one comma-separated string); undefined: none. */
export function subsetHint(filterMetadata: Readonly<Record<string, unknown>>): string[] | undefined {
  const ns = filterMetadata[SUBSET_HINT_NS];
  if (!isObj(ns) || !(SUBSET_HINT_KEY in ns)) return undefined;
  const v = ns[SUBSET_HINT_KEY];
  const items = Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : [];
  return items
    .filter((s): s is string => typeof s === 'string')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .slice(0, MAX_SUBSET);
}

export class EndpointPickStage implements Stage {
  readonly name = 'endpoint-pick';
  /** Whether a route can reach a pool backend, per route policy (one object per compiled route). */
  private readonly routes = new WeakMap<object, boolean>();

  constructor(
    private readonly config: () => RuntimeConfig,
    private readonly pools: PoolDirectory,
  ) {}

  needs(route: RouteView): StageNeeds | undefined {
    let has = this.routes.get(route.policy);
    if (has === undefined) {
      const config = this.config();
      const compiled = config.routes.find((r) => r.name === route.name);
      const backends = compiled
        ? [compiled.backend, ...Object.values(compiled.models ?? {}).map((m) => config.backend(m.backend))]
        : [];
      has = backends.some((b) => b?.pool !== undefined);
      this.routes.set(route.policy, has);
    }
    return has ? READ : undefined;
  }

  onRequest(s: RequestScope): Verdict {
    const backend: CompiledBackend | undefined = s.x.backend ? this.config().backend(s.x.backend) : undefined;
    const pool = backend?.pool;
    if (!backend || !pool) return;
    const live = this.pools.get(backend.name, pool);
    const model = s.x.model;
    const hashes = prefixHashes(promptText(s.body, MAX_PREFIX_CHARS));
    let result: PickResult;
    if (!live) result = { kind: 'none', why: 'no-ready' };
    else {
      const views = live.views();
      const adapter =
        pool.loraAdapters.has(model) ||
        views.some(
          (v) => v.metrics?.lora?.running.includes(model) || v.metrics?.lora?.waiting.includes(model),
        )
          ? model
          : undefined;
      const forced = pool.testSelectionHeader ? s.x.headers.get(TEST_SELECTION_HEADER)?.trim() : undefined;
      result = pick({
        endpoints: views,
        subset: subsetHint(s.x.filterMetadata),
        forced: forced || undefined,
        priority: pool.objectives.get(model) ?? 0,
        adapter,
        prefixScore: (e) => live.prefix.score(e, hashes),
        weights: pool.weights,
        limit: 1 + pool.fallbacks,
      });
    }
    const name = backend.name;
    switch (result.kind) {
      case 'shed':
        live?.picked('', 'shed');
        s.x.pick = { pool: name, endpoint: '', reason: 'shed', fallbacks: [] };
        return {
          refuse: {
            status: 429,
            message: 'Every model server is saturated; sheddable requests are refused',
            code: 'ai_extproc_pool_shed',
            type: 'rate_limit_error',
          },
        };
      case 'none': {
        // FailOpen: no pick is no header; Envoy's fallback policy spreads the request.
        if (pool.failureMode === 'FailOpen' && result.why === 'no-ready') {
          live?.picked('', 'fail-open');
          s.x.pick = { pool: name, endpoint: '', reason: 'fail-open', fallbacks: [] };
          return;
        }
        live?.picked('', result.why);
        s.x.pick = { pool: name, endpoint: '', reason: result.why, fallbacks: [] };
        return {
          refuse: {
            status: 503,
            message:
              result.why === 'empty-subset'
                ? 'No model server of the pool is in the subset the gateway allows'
                : 'No model server is ready',
            code: `ai_extproc_pool_${result.why}`,
            type: 'api_error',
          },
        };
      }
      case 'picked': {
        const order = result.order.map((e) => e.endpoint);
        const value = order.join(',');
        s.header(ENDPOINT_HEADER, value);
        s.metadata({ [LB_NS]: { [ENDPOINT_HEADER]: value } });
        const first = result.order[0]!;
        live!.picked(first.endpoint, result.reason);
        s.slot<PickState>(this, () => ({ live: live!, hashes, endpoint: first.endpoint }));
        // As the reference picker does: the primary holds the prefix from now on (requests that
        // share it and arrive before this one finishes follow it); the served header corrects it.
        if (result.reason !== 'forced') live!.prefix.served(first.endpoint, hashes);
        s.x.pick = {
          pool: name,
          endpoint: first.endpoint,
          reason: result.reason,
          fallbacks: order.slice(1),
          score: Math.round(first.score * 1000) / 1000,
          parts: {
            queue: round(first.parts.queue),
            kvCache: round(first.parts.kvCache),
            prefix: round(first.parts.prefix),
            ...(first.parts.lora !== undefined ? { lora: round(first.parts.lora) } : {}),
          },
        };
        return;
      }
    }
  }

  /** The served server now holds the prompt's prefix in its cache (only a pool member counts). */
  onClose(s: ExchangeScope, outcome: ExchangeOutcome): void {
    const st = s.slot<PickState | undefined>(this, () => undefined);
    if (!st) return;
    st.live.finished(st.endpoint);
    if (outcome !== 'completed') return;
    const served = s.x.responseHeaders?.get(ENDPOINT_SERVED_HEADER)?.split(',')[0]?.trim();
    if (!served || !st.live.isMember(served)) return;
    if (s.x.pick) s.x.pick.served = served;
    if (served !== st.endpoint) st.live.prefix.served(served, st.hashes);
  }
}

const round = (n: number): number => Math.round(n * 1000) / 1000;

/**
 * The router-level half of failover inside one request. At the end of the request stages, the
 * canonical request is held (held-requests.ts) and Envoy is sent to the failover cluster of this
 * request's target order with the attempt key; every attempt is translated by the upstream filter
 * (attempt-exchange.ts). At the final response headers, the attempt that served tells which
 * provider's answer to translate back, and the held request is let go.
 */
import type { CompiledBackend, FailoverTarget } from '../../config/standalone/index.js';
import { failoverClusterName, retriesInRequest } from '../../config/standalone/failover-clusters.js';
import { ATTEMPT_KEY_HEADER, BACKEND_HEADER, STANDALONE_NS } from '../../config/internal-headers.js';
import { speaksNatively } from '../../providers/translate/native.js';
import type { ClientApi } from '../../providers/translate/types.js';
import type { FailoverChoice, FailoverState } from '../failover.js';
import { refuse } from '../reply.js';
import type { RequestEncoding } from '../route.js';
import type { ExchangeFacts, ExchangeOutcome, Json } from '../stage.js';
import type { AttemptRecord, HeldRequest, HeldRequests } from './held-requests.js';
import { settleCancelled, settleSilent } from './attempt-exchange.js';

/** What the exchange reports about failover (dynamic metadata, the summary line). */
export interface FailoverSummary {
  /** The target that served (or answered last). */
  readonly target: string;
  readonly attempts: number;
}

export interface Served {
  readonly backend: CompiledBackend;
  readonly model: string;
}

/** What the router-level half reports to (the codec's deps). */
export interface RetryingDeps {
  readonly failover?: FailoverState;
  readonly upstreamAttempt?: (route: string, target: string, result: string) => void;
}

export class RetryingRequest {
  private key: string | undefined;

  private constructor(
    private readonly deps: RetryingDeps,
    private readonly held: HeldRequests,
    private readonly choice: FailoverChoice,
    private readonly route: string,
    private readonly stream: boolean,
    private readonly bytes: number,
    private readonly decodedRequest: boolean,
  ) {}

  /** A retrying request for `choice`, or undefined when its alias does not retry in a request. */
  static start(
    deps: RetryingDeps,
    held: HeldRequests | undefined,
    choice: FailoverChoice | undefined,
    route: string,
    stream: boolean,
    bytes: number,
    decodedRequest: boolean,
  ): RetryingRequest | undefined {
    if (!held || !choice || !retriesInRequest(choice.failover)) return undefined;
    return new RetryingRequest(deps, held, choice, route, stream, bytes, decodedRequest);
  }

  /**
   * Holds the canonical request and routes to the order's cluster; undefined when the store is
   * full (the request then goes to its first target alone, as without retries).
   */
  hold(canonical: Json, x: ExchangeFacts): RequestEncoding | undefined {
    const f = this.choice.failover;
    const order = this.choice.order.slice(0, f.retry.attempts);
    const cluster = failoverClusterName(
      f,
      order.map((t) => f.targets.indexOf(t)),
    );
    const key = this.held.hold({
      cluster,
      route: this.route,
      failover: f,
      order,
      canonical,
      stream: this.stream,
      clientHeaders: x.headers,
      clientDropped: [...x.dropped],
      decodedRequest: this.decodedRequest,
      estimate: x.estimate,
      bytes: this.bytes,
      attempts: [],
      touched: new Set(),
    });
    if (key === undefined) return undefined;
    this.key = key;
    return {
      headers: {
        set: [
          [BACKEND_HEADER, cluster],
          [ATTEMPT_KEY_HEADER, key],
        ],
      },
      clearRouteCache: true,
      metadata: {
        [STANDALONE_NS]: {
          backend: order[0]!.backend.name,
          route: this.route,
          rate_limited_tokens: x.estimate,
        },
      },
    };
  }

  /**
   * The final response headers: the attempt that answered (the last one; the first target when
   * none started). Sets the facts to its provider and lets the held request go.
   */
  served(x: ExchangeFacts): Served | undefined {
    if (this.key === undefined) return undefined;
    const h = this.held.get(this.key);
    this.release();
    const last = h?.attempts.at(-1);
    if (h) this.unreached(h, last);
    const target: FailoverTarget = last?.target ?? this.choice.order[0]!;
    x.provider = target.backend.provider;
    x.backend = target.backend.name;
    if (last) x.dropped.push(...last.dropped);
    x.failover = { target: target.id, attempts: h?.attempts.length ?? 0 };
    return { backend: target.backend, model: target.model };
  }

  /**
   * Targets Envoy tried without our upstream filter seeing them: a refused connection fails before
   * the upstream filters run. Priorities are taken in order, so every target before the one that
   * answered was tried; with no answer at all, every target of the order was.
   */
  private unreached(h: HeldRequest, last: AttemptRecord | undefined): void {
    const { order, attempts } = h;
    // Every attempt is over by now: those that never answered are counted here, not whenever
    // Envoy gets round to closing their streams.
    for (const a of attempts) if (!a.settled) settleSilent(this.deps, h, a);
    const end = last?.status !== undefined ? order.indexOf(last.target) : order.length;
    const f = this.choice.failover;
    for (const t of order.slice(0, end)) {
      if (attempts.some((a) => a.target === t)) continue;
      this.deps.failover?.unreachable(t, f);
      this.deps.upstreamAttempt?.(this.route, t.id, 'connect_failure');
    }
  }

  /**
   * The router-level stream is over. If it ended before the final response headers (served() lets
   * the request go), the client went away: Envoy half-closes or resets the stream then, and even
   * a request every attempt failed ends in response headers (Envoy's local reply). Attempts still
   * without an answer are counted now: as `cancelled` (no cooldown: the target did nothing wrong)
   * when the client went away, as silent failures when our own processing ended it.
   */
  end(outcome: ExchangeOutcome): void {
    const h = this.key === undefined ? undefined : this.held.get(this.key);
    const clientGone = outcome === 'completed' || outcome === 'cancelled';
    if (h) {
      for (const a of h.attempts) {
        if (a.settled) continue;
        if (clientGone) settleCancelled(this.deps, h, a);
        else settleSilent(this.deps, h, a);
      }
    }
    this.release();
  }

  private release(): void {
    if (this.key !== undefined) this.held.release(this.key);
    this.key = undefined;
  }
}

/**
 * A request that uses one provider's server-side state (a Responses `previous_response_id`) may
 * go only to targets that hold it, and is never retried elsewhere: the order keeps the targets
 * that speak the client's API natively; none is a 400.
 */
export function nativeTargetsOnly(choice: FailoverChoice, api: ClientApi, stream: boolean): FailoverChoice {
  const order = choice.order.filter((t) => speaksNatively(t.backend.target(t.model, stream), api));
  if (order.length === 0)
    throw refuse(
      400,
      'previous_response_id and store: true need a target on the provider that holds the response; this model has none',
      'ai_extproc_translation_error',
    );
  return { order, failover: choice.failover };
}

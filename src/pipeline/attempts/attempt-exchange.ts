/**
 * One upstream attempt of a failover request, seen by the upstream ext_proc filter of a failover
 * cluster (its streams carry the `x-ai-extproc-stream: attempt` gRPC metadata). At the request
 * headers it finds the held request by the attempt key and the target Envoy picked (the endpoint's
 * metadata, sent as an attribute); at the end of the body it answers with the canonical request
 * translated for that target: body, :path, :authority, auth (SigV4 signed for this attempt), and
 * the key removed. The response headers say how the attempt ended: cooldowns and the attempt metric.
 * An attempt without a live held request of its own cluster fails closed.
 */
import {
  ATTEMPT_KEY_HEADER,
  ATTEMPT_STREAM,
  BACKEND_HEADER,
  STREAM_KIND_METADATA,
} from '../../config/internal-headers.js';
import type { FailoverTarget } from '../../config/standalone/index.js';
import { CLUSTER_ATTRIBUTE, TARGET_ATTRIBUTE } from '../../config/standalone/failover-clusters.js';
import { providerAdapterFor } from '../../providers/translate/registry.js';
import { asObj } from '../../json.js';
import { encodeForTarget } from '../codecs/target-encoding.js';
import type { FailoverState } from '../failover.js';
import type { LogSink } from '../log.js';
import { RefusalError } from '../reply.js';
import type {
  BodyEndOutcome,
  ChunkOutcome,
  Direction,
  Exchange,
  ExchangeFactory,
  HeaderEdits,
  HeaderView,
  HeadersOutcome,
  LocalReply,
  MessageContext,
} from '../types.js';
import type { AttemptRecord, HeldRequest, HeldRequests } from './held-requests.js';

/** Envoy puts every attribute under this one key (whatever the filter is called). */
const ATTRIBUTES_KEY = 'envoy.filters.http.ext_proc';

export interface AttemptDeps {
  readonly held: HeldRequests;
  readonly failover: FailoverState;
  readonly log: LogSink;
  readonly upstreamAttempt?: (route: string, target: string, result: string) => void;
  readonly droppedParam?: (provider: string, param: string) => void;
}

const NOTHING: ChunkOutcome = {};

function failed(status: number, message: string, details: string): LocalReply {
  return {
    status,
    body: JSON.stringify({ error: { message, type: 'api_error' } }),
    headers: [['content-type', 'application/json']],
    details,
  };
}

export class AttemptExchange implements Exchange {
  private held: HeldRequest | undefined;
  private target: FailoverTarget | undefined;
  private attempt: AttemptRecord | undefined;
  private closed = false;

  constructor(private readonly deps: AttemptDeps) {}

  headers(dir: Direction, headers: HeaderView, _eos: boolean, ctx: MessageContext): HeadersOutcome {
    if (dir === 'response') return this.responseHeaders(headers);
    const key = headers.get(ATTEMPT_KEY_HEADER);
    const held = key === undefined ? undefined : this.deps.held.get(key);
    const attrs = asObj(ctx.attributes?.[ATTRIBUTES_KEY]);
    const targetId = attrs?.[TARGET_ATTRIBUTE];
    const target = held?.order.find((t) => t.id === targetId);
    if (!held || attrs?.[CLUSTER_ATTRIBUTE] !== held.cluster || !target) {
      this.deps.log.warn(
        { known: held !== undefined, target: typeof targetId === 'string' ? targetId : undefined },
        'upstream attempt without its request',
      );
      return {
        bodyPlan: 'observe',
        reply: failed(
          500,
          'ai-extproc could not find the request of this attempt',
          'ai_extproc_attempt_unknown',
        ),
      };
    }
    this.held = held;
    this.target = target;
    return { bodyPlan: 'buffer' };
  }

  chunk(): ChunkOutcome {
    return NOTHING;
  }

  end(dir: Direction): BodyEndOutcome {
    const h = this.held;
    const t = this.target;
    if (dir !== 'request' || !h || !t || this.attempt) return {};
    const upstream = t.backend.target(t.model, h.stream);
    const dropped = [...h.clientDropped];
    try {
      const enc = encodeForTarget(
        h.canonical,
        {
          backend: t.backend,
          target: upstream,
          adapter: providerAdapterFor(upstream),
          routeName: h.route,
          decodedRequest: h.decodedRequest,
        },
        h.clientHeaders,
        dropped,
        h.estimate,
        this.deps.droppedParam,
      );
      this.attempt = {
        target: t,
        dropped: dropped.slice(h.clientDropped.length),
        status: undefined,
        settled: false,
      };
      h.attempts.push(this.attempt);
      // Envoy hands every attempt the same header map, edited by the attempts before it: what an
      // earlier attempt set for its own provider (its auth, a signature) and this one does not set
      // goes. The key stays for the next attempt (it is single-use and dropped with the request).
      const set = (enc.headers?.set ?? []).filter(([k]) => k !== BACKEND_HEADER);
      const mine = new Set(set.map(([k]) => k));
      const stale = [...h.touched].filter((k) => !mine.has(k));
      for (const k of mine) if (!k.startsWith(':')) h.touched.add(k);
      const remove = [...(enc.headers?.remove ?? []), ...stale, BACKEND_HEADER];
      return { ...(enc.body ? { body: enc.body } : {}), headers: { set, remove } };
    } catch (err) {
      // This target cannot take the request (a translation refusal, missing credentials).
      if (err instanceof RefusalError)
        return { reply: failed(err.refusal.status, err.refusal.message, err.refusal.code) };
      throw err;
    }
  }

  trailers(): { readonly headers?: HeaderEdits } {
    return {};
  }

  private responseHeaders(headers: HeaderView): HeadersOutcome {
    const h = this.held;
    const t = this.target;
    const a = this.attempt;
    if (!h || !t || !a) return { bodyPlan: 'observe' };
    const status = Number(headers.get(':status')) || 0;
    a.status = status;
    a.settled = true;
    this.deps.failover.answered(t, h.failover, status, headers);
    this.deps.upstreamAttempt?.(h.route, t.id, status >= 200 && status < 300 ? 'ok' : `http_${status}`);
    return { bodyPlan: 'observe', skipResponseBody: true };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const h = this.held;
    const a = this.attempt;
    if (!h || !a || a.settled) return;
    // Sent, but no response headers: reset, a failed handshake, out of time before it answered, or
    // the client went away (Envoy then resets this attempt too, and ends the router-level stream
    // at about the same time, in either order). The router-level stream settles it as cancelled if
    // the client went away within the grace; otherwise it failed, and its target cools.
    setTimeout(() => {
      if (!a.settled) settleSilent(this.deps, h, a);
    }, CANCEL_GRACE_MS).unref();
  }
}

/** How long an attempt that ended silently waits to learn whether its client went away. */
export const CANCEL_GRACE_MS = 1000;

/** An attempt whose client went away before it answered: counted once, its target not cooled. */
export function settleCancelled(
  deps: { readonly upstreamAttempt?: AttemptDeps['upstreamAttempt'] },
  h: HeldRequest,
  a: AttemptRecord,
): void {
  a.settled = true;
  deps.upstreamAttempt?.(h.route, a.target.id, 'cancelled');
}

/** An attempt that ended without response headers: counted once, and its target cooled. */
export function settleSilent(
  deps: { readonly failover?: FailoverState; readonly upstreamAttempt?: AttemptDeps['upstreamAttempt'] },
  h: HeldRequest,
  a: AttemptRecord,
): void {
  a.settled = true;
  deps.failover?.unreachable(a.target, h.failover);
  deps.upstreamAttempt?.(h.route, a.target.id, 'no_response');
}

/** Streams of the upstream (per-attempt) filter get an AttemptExchange; the others `router`'s. */
export function withAttemptStreams(router: ExchangeFactory, deps: AttemptDeps): ExchangeFactory {
  return (info) =>
    info.grpcMetadata.get(STREAM_KIND_METADATA) === ATTEMPT_STREAM ? new AttemptExchange(deps) : router(info);
}

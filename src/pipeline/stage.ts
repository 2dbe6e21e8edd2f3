/**
 * The seam every capability plugs into. An exchange runs its route's stages in one fixed order,
 * so a later capability cannot skip an earlier one:
 *
 *   request:  route (the mode) → client identity → request defaults → prompt-token estimate →
 *             request guards → budget reserve → cache lookup → translation and endpoint choice
 *             (the codec) → upstream
 *   response: the codec decodes (usage facts) → response guards → cache store (what the client
 *             saw, after guards) → record (usage metadata, metrics) → settle
 *   close:    onClose, exactly once per exchange: completed, cancelled, reset by Envoy, or ended
 *             in a local reply.
 *
 * A cache hit is a refusal-shaped local answer from the cache lookup, after the guards: it never
 * skips a guard that would have rejected the request.
 *
 * Which form a stage sees: the canonical form of the route's codec, named by `x.family`. In
 * kgateway mode (pass-through codec) that is the provider's own wire format; in standalone mode
 * (translating codec) it is OpenAI Chat Completions, whatever API the client speaks, for request
 * bodies, completions and stream events alike, except when the client speaks the provider's own
 * API (codecs/native.ts): then it is that API's own form, untranslated. The pure guards read every family, so a stage is
 * written once for every client API.
 */
import type { ProviderFamily } from '../provider-family.js';
import type { ResponseFacts } from '../providers/usage.js';
import type { StreamEvent } from '../streaming/stream-event.js';
import type { RoutePolicy } from '../config/route-policy.js';
import type { ClientIdentity } from '../config/client-identity.js';
import type { Refusal } from './reply.js';
import type { PhaseSpan } from './tracer.js';
import type { DynamicMetadata, HeaderView, LocalReply } from './types.js';

export type Awaitable<T> = T | Promise<T>;

/** What a stage knows of its route (route.ts's Route is this and the mode's parts). */
export interface RouteView {
  /** The standalone route's name (undefined in kgateway mode, where kgateway owns routing). */
  readonly name: string | undefined;
  readonly policy: RoutePolicy;
}
export type Json = Record<string, unknown>;

/** A stage's answer: go on (void), or answer the client locally. */
export type Verdict = { readonly refuse: Refusal } | void;

/** A request stage may also answer in full (a cache hit): the client's answer, no upstream call. */
export type RequestVerdict = Verdict | { readonly answer: LocalReply };

/** What a stage needs of a route's bodies; the exchange plans Envoy's body modes from it. */
export interface StageNeeds {
  /** read: a parsed copy is enough; hold: the body may be rewritten before it goes upstream. */
  readonly request?: 'read' | 'hold';
  /** hold: a JSON body may be rewritten; rewrite: a stream's events may be rewritten too. */
  readonly response?: 'read' | 'hold' | 'rewrite';
}

/** A route's active stages (those whose needs() answered) and what they need of the bodies together. */
export interface StagePlan {
  readonly stages: readonly Stage[];
  readonly needs: StageNeeds;
}

/** How an exchange ended, for onClose. */
export type ExchangeOutcome = 'completed' | 'cancelled' | 'error' | 'local-reply';

/** What one exchange knows so far. Stages read it; the codec and some stages fill it in. */
export interface ExchangeFacts {
  readonly requestId: string | undefined;
  readonly path: string;
  /** OTel gen_ai.operation.name derived from the path. */
  readonly operation: string;
  /** The client's request headers (lower-case names, pseudo-headers included). */
  readonly headers: HeaderView;
  /** stats.json custom labels: name → value. */
  readonly custom: Readonly<Record<string, string>>;
  /** Envoy's forwarded dynamic metadata on the request headers (namespace → plain JSON). */
  readonly filterMetadata: Readonly<Record<string, unknown>>;
  readonly startedAt: number;
  readonly traceparent: string | undefined;
  readonly tracestate: string | undefined;
  /** The form of bodies and events stages see (set with the route, final once the body is read). */
  family: ProviderFamily;
  /** kgateway x-llm-provider, or the standalone backend's provider ('' until known). */
  provider: string;
  /** The client's model name ('' when none). */
  model: string;
  /** Standalone: the backend that serves the request. */
  backend: string | undefined;
  /** The request asked for a streamed answer. */
  streaming: boolean;
  /** Request parameters the provider cannot take (standalone), in order. */
  readonly dropped: string[];
  /** Who is asking (standalone, stages/client-identity.ts); undefined: not identified. */
  client: ClientIdentity | undefined;
  /** The prompt-token estimate (0 until counted; see stages/prompt-estimate.ts). */
  estimate: number;
  /** The endpoint pick (pool backends), for the summary line. */
  pick: EndpointPickSummary | undefined;
  /** Guard decisions, "request:regex:mask", for the summary line. */
  readonly decisions: string[];
  status: number | undefined;
  /** The upstream's response headers, once they arrived. */
  responseHeaders: HeaderView | undefined;
  /** The response is a stream (SSE, Bedrock event-stream, or Gemini JSON streaming). */
  responseStreaming: boolean;
  /** performance.now() of the first non-empty response body chunk. */
  firstByteAt: number | undefined;
  /** Usage and model of the finished response, once it is finished. */
  facts: ResponseFacts | undefined;
  /** Failover inside the request: the target that served and how many attempts it took. */
  failover?: { readonly target: string; readonly attempts: number };
  /** Why the answer must not come from or go to the semantic cache (set by the codec). */
  uncacheable?: string;
  /** completed | rejected | upstream-error | incomplete, for the summary line. */
  outcome: 'completed' | 'rejected' | 'upstream-error' | 'incomplete';
}

/** What the endpoint-pick stage chose and why (score parts of the chosen server). */
export interface EndpointPickSummary {
  readonly pool: string;
  /** The chosen server, '' when none (a refusal, or fail-open without a pick). */
  readonly endpoint: string;
  readonly reason: string;
  readonly fallbacks: readonly string[];
  readonly score?: number;
  readonly parts?: Readonly<Record<string, number>>;
  /** The server that answered (x-gateway-destination-endpoint-served). */
  served?: string;
}

export interface ExchangeScope {
  readonly route: RouteView;
  readonly x: ExchangeFacts;
  /** Per-exchange state of one stage (created on first use). */
  slot<T>(stage: Stage, init: () => T): T;
  /** Metadata that rides on the next reply Envoy gets (e.g. a count finished after its reply). */
  owe(metadata: () => DynamicMetadata | undefined): void;
  exception(where: string, err: unknown): void;
}

export interface RequestScope extends ExchangeScope {
  /** The canonical request body; stages may edit it in place and then call changed(). */
  readonly body: Json;
  /** Size of the body as the client sent it. */
  readonly bodyBytes: number;
  changed(): void;
  /** The gen_ai.request span: stages hang their own spans off it. */
  readonly span: PhaseSpan;
  /** Metadata for this reply. */
  metadata(md: DynamicMetadata): void;
  /** A request header for the upstream (set on the body reply, after the codec's own edits). */
  header(name: string, value: string): void;
}

export interface ResponseScope extends ExchangeScope {
  /** The phase span the work runs in (handle_response_body, or the stream's span). */
  readonly span: PhaseSpan;
}

/** The end of a response body. */
export type ResponseEnd =
  | {
      readonly kind: 'completion';
      /** The canonical completion, or undefined for an empty body. */
      readonly completion: Json | undefined;
      /**
       * A whole stream in one JSON array (Gemini's JSON streaming): every chunk, in order, the last
       * being `completion`. A stage that rewrites them rewrites them in place.
       */
      readonly chunks?: readonly Json[];
      /** The body was held back, so a stage may rewrite it (then it calls changed()). */
      readonly rewritable: boolean;
      changed(): void;
    }
  | { readonly kind: 'stream' }
  /** An upstream error answer (standalone): translated for the client, never guarded. */
  | { readonly kind: 'upstream-error' };

export interface Stage {
  readonly name: string;
  /** What the stage needs on this route; undefined when it does not run there. */
  needs(route: RouteView): StageNeeds | undefined;
  onRequest?(s: RequestScope): Awaitable<RequestVerdict>;
  /** Headers the stage adds to the upstream's response (e.g. x-ai-cache: miss). */
  responseHeaders?(s: ExchangeScope): ReadonlyArray<readonly [string, string]> | undefined;
  /** Stream events in canonical form; returns the events to send now (it may hold some back). */
  onResponseEvents?(s: ResponseScope, events: readonly StreamEvent[]): Awaitable<readonly StreamEvent[]>;
  /** The response body ended. For streams, returns nothing here; see onStreamEnd. */
  onResponseEnd?(s: ResponseScope, end: ResponseEnd): Awaitable<Verdict>;
  /** A stream ended: the events the stage still holds, released now. */
  onStreamEnd?(s: ResponseScope): Awaitable<readonly StreamEvent[]>;
  /** Exactly once per exchange that reached this stage's route, however it ended. */
  onClose?(s: ExchangeScope, outcome: ExchangeOutcome): void;
}

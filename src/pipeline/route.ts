/**
 * What a mode builds for one exchange from the request headers: the route. kgateway and
 * standalone differ only here: the codec (pass-through, or client adapter + provider adapter),
 * how a refusal is rendered, what a malformed body gets, the metadata namespace and keys, and
 * the stage list.
 */
import type { ResponseFacts } from '../providers/usage.js';
import type { StreamEvent } from '../streaming/stream-event.js';
import type { ContentCoding } from '../streaming/content-coding.js';
import type { Refusal } from './reply.js';
import type { ExchangeFacts, ExchangeOutcome, Json, RouteView, Stage, StagePlan } from './stage.js';
import type { SpanAttributes } from './tracer.js';
import type { BodyPlan, DynamicMetadata, HeaderEdits, HeaderView, LocalReply, StreamInfo } from './types.js';

export interface Route extends RouteView {
  /** The stages that run on this route, in the order of stage.ts. */
  readonly stages: readonly Stage[];
  /** The stages' plan, compiled once for a route that outlives the request (else per exchange). */
  readonly plan?: StagePlan;
  readonly codec: Codec;
  /** The OTel operation when the mode knows it (standalone embeddings); else derived from :path. */
  readonly operation?: string;
  /** A refusal as the client should see it. */
  render(refusal: Refusal): LocalReply;
  /** The metadata of a finished response (namespace and keys are the mode's). */
  finalMetadata(x: ExchangeFacts, facts: ResponseFacts): DynamicMetadata;
}

/** A request body as the exchange read it: parsed once. */
export interface RequestBody {
  /** The JSON object, when the body is one. */
  readonly json: Json | undefined;
  /**
   * The body could not be read: 'too-large' (over the limit, or inflating past it), 'not-json',
   * 'not-object', and for a held body 'encoding' (a content-encoding we cannot decode) or
   * 'undecodable' (corrupt compressed data, invalid UTF-8).
   */
  readonly problem:
    'too-large' | 'not-json' | 'not-object' | 'empty' | 'encoding' | 'undecodable' | undefined;
  readonly bytes: number;
  /** The parse or decode error. */
  readonly error?: unknown;
  /** The content-encoding a held body was decoded from (a rewritten body is encoded back). */
  readonly coding?: ContentCoding;
}

/** What goes upstream after the stages. */
export interface RequestEncoding {
  readonly body?: Buffer;
  readonly headers?: HeaderEdits;
  readonly clearRouteCache?: boolean;
  readonly metadata?: DynamicMetadata;
}

export interface ResponseStart {
  readonly plan: BodyPlan;
  readonly headers?: HeaderEdits;
  /** The response is a stream whose chunks the codec decodes into events. */
  readonly stream: boolean;
  /** Fail closed: the response cannot be guarded (e.g. compressed SSE on a guarded route). */
  readonly refusal?: Refusal;
}

export type BodyResult =
  /** Nothing to report (a body that is not JSON passed through in kgateway mode). */
  | { readonly kind: 'opaque' }
  | {
      readonly kind: 'completion';
      readonly completion: Json | undefined;
      readonly facts: ResponseFacts;
      /** A whole stream in one JSON array (Gemini's JSON streaming): its chunks, in order. */
      readonly chunks?: readonly Json[];
    }
  | { readonly kind: 'upstream-error'; readonly body: Buffer; readonly facts: ResponseFacts };

/**
 * Converts between the client's wire format, the canonical form stages see, and the upstream's.
 * One codec object per exchange (it keeps stream state).
 */
export interface Codec {
  /** The request body must be held (the codec rewrites it), whatever the stages need. */
  readonly holdsRequest: boolean;
  /** Request header edits for the headers reply, given whether a stage reads the response. */
  requestHeaderEdits(readsResponse: boolean): HeaderEdits | undefined;
  /**
   * The canonical request, with x.provider, x.model, x.streaming (and x.backend) set; undefined to
   * let the body through unread (kgateway's malformed JSON). Throws RefusalError.
   */
  decodeRequest(body: RequestBody, x: ExchangeFacts): Json | undefined;
  /** gen_ai.request span attributes beyond the standard ones. */
  spanAttributes(x: ExchangeFacts): SpanAttributes;
  /** What goes upstream: the canonical body after the stages. Throws RefusalError. */
  encodeRequest(body: Json, changed: boolean, x: ExchangeFacts): RequestEncoding;
  /** The response headers arrived; `rewrite`: a stage may rewrite the body or stream. */
  responseHeaders(
    headers: HeaderView,
    x: ExchangeFacts,
    rewrite: 'hold' | 'rewrite' | undefined,
  ): ResponseStart;
  /** Stream bytes → canonical events. Never throws: failures become events or are counted. */
  streamChunk(chunk: Buffer, x: ExchangeFacts): readonly StreamEvent[];
  /** The stream ended: its last canonical events. */
  streamEnd(x: ExchangeFacts): readonly StreamEvent[];
  /** Canonical events → bytes for the client (used when the stream is rewritten). */
  encodeEvents(events: readonly StreamEvent[]): string;
  /** Bytes the client gets after the last event (e.g. [DONE], message_stop). */
  encodeStreamEnd(): string;
  /** Usage and model seen on the stream. */
  streamFacts(): ResponseFacts;
  /** A buffered or observed body ended. Throws RefusalError. */
  bodyEnd(raw: Buffer | undefined, x: ExchangeFacts): BodyResult;
  /** The body for the client; undefined: the original bytes go unchanged. */
  encodeBody(completion: Json | undefined, changed: boolean): Buffer | undefined;
  /** A stream decode failure the stages must hear about (kgateway: SSE event over the limit). */
  readonly streamFailure: Refusal | undefined;
  /**
   * The exchange is over (`outcome` says how): let go of anything held for it (a request held for
   * its attempts).
   */
  release?(outcome: ExchangeOutcome): void;
}

/** What a mode answers for a request's headers. */
export type Opened =
  /** Not traffic for this gateway: observe only, no stages, no summary line. */
  | { readonly kind: 'pass'; readonly headers?: HeaderEdits }
  /** Answer at once (a refusal, a model list). */
  | { readonly kind: 'reply'; readonly reply: LocalReply }
  | {
      readonly kind: 'route';
      readonly route: Route;
      readonly metadata?: DynamicMetadata;
      /** The request headers as the stages see them, when the mode normalized them (a credential in the query). */
      readonly view?: HeaderView;
      /** Refuse at once, on this route (so the refusal is logged and rendered like any other). */
      readonly refuse?: Refusal;
    };

/** The part of the facts a mode may set when it builds a route. */
export type FactsSeed = Pick<ExchangeFacts, 'family' | 'provider' | 'model' | 'streaming'>;

export interface Mode {
  open(info: StreamInfo, headers: HeaderView, eos: boolean, seed: FactsSeed, exception: Thrower): Opened;
}
export type Thrower = (where: string, err: unknown) => void;

/** kgateway derives the OTel operation from :path (docs/reference/kgateway-contract.md §2.4). */
export function operationName(path: string): string {
  const p = path.split('?')[0] ?? '';
  if (p.includes('chat/completion')) return 'chat';
  if (p.includes('completions')) return 'text_completion';
  return 'generate_content';
}

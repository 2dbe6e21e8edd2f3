/**
 * The contract between the ext_proc transport (server/) and the per-request exchange.
 * Plain data only: server/ turns these into ProcessingResponse messages under the body mode's rules.
 */

/** Lower-cased header name → value (repeated headers joined with ","). Pseudo-headers included. */
export type HeaderView = ReadonlyMap<string, string>;

export interface HeaderEdits {
  readonly set?: ReadonlyArray<readonly [string, string]>;
  readonly remove?: readonly string[];
}

/** Scalar values only; nested namespaces are one level: namespace → key → value. */
export type MetadataValue = string | number | boolean;
export type DynamicMetadata = Readonly<Record<string, Readonly<Record<string, MetadataValue>>>>;

/** A local reply (ext_proc ImmediateResponse). */
export interface LocalReply {
  readonly status: number;
  readonly body: string | Buffer;
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  /** Goes into Envoy's %RESPONSE_CODE_DETAILS%. */
  readonly details?: string;
}

/**
 * How the transport treats one direction's body:
 * - observe: bytes flow through unchanged; the exchange sees a copy of each chunk.
 * - buffer: the transport holds bytes back until the end, then sends the exchange's replacement
 *   (or the original bytes if the exchange changed nothing).
 * - transform: every chunk is replaced by what the exchange returns for it (streaming rewrite).
 */
export type BodyPlan = 'observe' | 'buffer' | 'transform';

export interface HeadersOutcome {
  readonly headers?: HeaderEdits;
  readonly clearRouteCache?: boolean;
  readonly metadata?: DynamicMetadata;
  readonly reply?: LocalReply;
  readonly bodyPlan: BodyPlan;
  /**
   * Response headers only: nothing reads this response's body, so Envoy need not send it
   * (ext_proc mode_override to response body mode NONE; Envoy honours it with allow_mode_override,
   * and the transport copes with the body arriving anyway when it does not).
   */
  readonly skipResponseBody?: boolean;
}

export interface ChunkOutcome {
  /** transform plan only: the bytes that replace this chunk (may be empty). */
  readonly body?: Buffer;
  /** Abandon the exchange with a local reply (e.g. a failed streaming guard). */
  readonly reply?: LocalReply;
}

export interface BodyEndOutcome {
  /** buffer plan: the whole new body; transform plan: bytes to append at the end. undefined = unchanged. */
  readonly body?: Buffer;
  /** Applied only where Envoy still holds the headers (BUFFERED mode, or deferred FULL_DUPLEX headers). */
  readonly headers?: HeaderEdits;
  readonly metadata?: DynamicMetadata;
  readonly reply?: LocalReply;
  /** With header edits in BUFFERED mode: let Envoy pick the route again (e.g. a new backend). */
  readonly clearRouteCache?: boolean;
}

export type Direction = 'request' | 'response';

/** Per-stream facts the transport knows before any message is processed. */
export interface StreamInfo {
  /** gRPC initial metadata (kgateway puts the per-route config here). */
  readonly grpcMetadata: ReadonlyMap<string, string>;
}

/** Metadata and attributes Envoy attaches to a message, flattened to plain data. */
export interface MessageContext {
  /** metadata_context.filter_metadata: namespace → plain JSON object. */
  readonly filterMetadata: Readonly<Record<string, unknown>>;
  readonly observability: boolean;
  /** The request_attributes Envoy sent (first message of a direction): key → name → value. */
  readonly attributes?: Readonly<Record<string, unknown>>;
}

type Awaitable<T> = T | Promise<T>;

/**
 * One HTTP exchange (request + response). Methods are called strictly in message order; the
 * transport never calls the next one before the previous promise settles.
 */
export interface Exchange {
  headers(
    dir: Direction,
    headers: HeaderView,
    endOfStream: boolean,
    ctx: MessageContext,
  ): Awaitable<HeadersOutcome>;
  chunk(dir: Direction, chunk: Buffer): Awaitable<ChunkOutcome>;
  /**
   * The direction's body ended (end_of_stream, trailers, or the end of a BUFFERED message).
   * `body` is the complete original body when the plan is buffer; `complete` is false when Envoy
   * stopped sending body (BUFFERED_PARTIAL over its limit).
   */
  end(dir: Direction, body: Buffer | undefined, complete: boolean): Awaitable<BodyEndOutcome>;
  trailers(dir: Direction, trailers: HeaderView): Awaitable<{ readonly headers?: HeaderEdits }>;
  /** A held body outgrew the limit: the reply in the route's own format (undefined: the transport's). */
  tooLarge?(dir: Direction): LocalReply | undefined;
  /** Called once when the stream is over, however it ended. */
  close(outcome: 'completed' | 'cancelled' | 'error' | 'local-reply'): void;
}

export type ExchangeFactory = (info: StreamInfo) => Exchange;

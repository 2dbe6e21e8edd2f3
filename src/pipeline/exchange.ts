/**
 * One HTTP exchange through the gateway: the kgateway-compatible request/response pipeline.
 *
 * It sequences the stages and does none of their work: policy from the PolicySource, prompt
 * token estimate (tokens/), guards (guard-stages.ts over src/guards), SSE decoding and gunzip
 * (streaming/), usage and model extraction (providers/). Bodies are held back only when a guard
 * may change them; otherwise the original bytes flow through and a bounded copy is parsed.
 */
import type {
  BodyEndOutcome,
  BodyPlan,
  ChunkOutcome,
  Direction,
  DynamicMetadata,
  Exchange,
  HeaderEdits,
  HeaderView,
  HeadersOutcome,
  LocalReply,
  MessageContext,
  StreamInfo,
} from './types.js';
import type { RoutePolicy } from '../config/route-policy.js';
import type { ExchangeLabels, ExchangeObserver } from './observer.js';
import { errorTypeFor } from './observer.js';
import type { LogSink } from './log.js';
import type { CustomLabel } from '../config/otel-files.js';
import { customLabelValue } from '../config/otel-files.js';
import { estimatePromptTokens } from '../tokens/prompt-estimate.js';
import { mergeMetadata } from './metadata.js';
import { SseDecoder } from '../streaming/sse-decoder.js';
import { gunzipBounded, gzip, isGzip } from '../streaming/gzip.js';
import type { ResponseFacts } from '../providers/usage.js';
import { StreamFactsAccumulator, parseResponseFacts, providerFamily } from '../providers/usage.js';
import type { StreamingResponseGuard } from '../guards/streaming/stream-guard.js';
import { BoundedBody } from './bounded-body.js';
import type { ExchangeTracer, PhaseSpan } from './tracer.js';
import { NOOP_SPAN } from './tracer.js';
import { recordResponseSpan, requestAttributes } from './span-attributes.js';
import type { GuardContext, GuardRunner } from './guard-stages.js';
import { RESPONSE_GUARD_FAILURE_MESSAGE } from './guard-stages.js';

export const KGATEWAY_NS = 'ai.kgateway.io';
export const RATELIMIT_NS = 'envoy.ratelimit';

export interface PolicySource {
  resolve(grpcMetadata: ReadonlyMap<string, string>): RoutePolicy;
}

export interface ExchangeDeps {
  readonly policies: PolicySource;
  readonly customLabels: readonly CustomLabel[];
  readonly observer: ExchangeObserver;
  readonly log: LogSink;
  readonly maxBodyBytes: number;
  /** Guarded bodies up to this size are token-counted before the guards run; all others after the reply. */
  readonly syncTokenCountMaxBytes: number;
  readonly tracer: ExchangeTracer;
  readonly guards: GuardRunner;
}

const GEMINI_LIKE = new Set(['gemini', 'vertex-ai']);
const EMPTY_OUTCOME: ChunkOutcome = {};
const EMPTY = Buffer.alloc(0);

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;

interface RequestState {
  headers: HeaderView;
  plan: BodyPlan;
  readonly copy: BoundedBody;
  model: string;
  streaming: boolean;
  /** Prompt-token estimate (valid once `pendingEstimate` is undefined). */
  estimate: number;
  /** A body still to be counted, after the request-body reply went out (see startEstimate). */
  pendingEstimate: Obj | undefined;
  /** hits_addend still owed to Envoy: it rides on the next reply after the count. */
  owesHitsAddend: boolean;
  ended: boolean;
}

interface ResponseState {
  status: number | undefined;
  /** performance.now() of the first non-empty response body chunk. */
  firstByteAt: number | undefined;
  streaming: boolean;
  gzip: boolean;
  plan: BodyPlan;
  readonly copy: BoundedBody;
  sse:
    | { decoder: SseDecoder; facts: StreamFactsAccumulator; guard: StreamingResponseGuard | undefined }
    | undefined;
  maskedWindows: number;
  finished: boolean;
}

function mimeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

const isJsonMime = (mime: string): boolean =>
  mime === 'application/json' || mime.endsWith('+json') || mime === '';

export class AiExchange implements Exchange {
  private policy: RoutePolicy | undefined;
  private custom: Record<string, string> = {};
  private readonly startedAt = performance.now();
  private path = '';
  private readonly guardDecisions: string[] = [];
  /** Filled when the response completes; close() writes the one summary line per request. */
  private summary: Record<string, unknown> | undefined;
  private readonly req: RequestState;
  private readonly resp: ResponseState;

  constructor(
    private readonly info: StreamInfo,
    private readonly deps: ExchangeDeps,
  ) {
    this.req = {
      headers: new Map(),
      plan: 'observe',
      copy: new BoundedBody(deps.maxBodyBytes),
      model: '',
      streaming: false,
      estimate: 0,
      pendingEstimate: undefined,
      owesHitsAddend: false,
      ended: false,
    };
    this.resp = {
      status: undefined,
      firstByteAt: undefined,
      streaming: false,
      gzip: false,
      plan: 'observe',
      copy: new BoundedBody(deps.maxBodyBytes),
      sse: undefined,
      maskedWindows: 0,
      finished: false,
    };
  }

  private get provider(): string {
    return this.policy?.provider ?? this.info.grpcMetadata.get('x-llm-provider') ?? 'unknown';
  }

  private get requestId(): string | undefined {
    return this.policy?.requestId ?? this.info.grpcMetadata.get('x-request-id');
  }

  /** The incoming W3C trace context: Envoy's tracer puts it in the gRPC initial metadata. */
  private get traceParent(): { traceparent: string | undefined; tracestate: string | undefined } {
    return {
      traceparent: this.info.grpcMetadata.get('traceparent') || undefined,
      tracestate: this.info.grpcMetadata.get('tracestate') || undefined,
    };
  }

  private labels(responseModel = ''): ExchangeLabels {
    return { llm: this.provider, model: this.req.model || responseModel, custom: this.custom };
  }

  private exception(where: string, err: unknown): void {
    this.deps.observer.exceptionRaised?.(this.labels(), where, err);
    this.deps.log.warn({ where, requestId: this.requestId, err: errMessage(err) }, 'exchange stage failed');
  }

  private guardContext(span: PhaseSpan, phase: Direction): GuardContext {
    return {
      family: providerFamily(this.provider),
      headers: this.req.headers,
      ...this.traceParent,
      span,
      cacheKey: (phase === 'request' ? this.policy?.requestGuardKey : this.policy?.responseGuardKey) ?? '',
      requestId: this.requestId,
      decisions: this.guardDecisions,
    };
  }

  /** Runs fn inside a phase span that continues the incoming trace. */
  private traced<T>(name: string, fn: (span: PhaseSpan) => T): T {
    const span = this.deps.tracer.phase(name, this.traceParent);
    let async = false;
    try {
      const out = fn(span);
      if (out instanceof Promise) {
        async = true;
        return out.finally(() => span.end()) as T;
      }
      return out;
    } finally {
      if (!async) span.end();
    }
  }

  headers(dir: Direction, headers: HeaderView, eos: boolean, ctx: MessageContext): HeadersOutcome {
    return dir === 'request'
      ? this.traced('handle_request_headers', (span) => this.requestHeaders(headers, eos, ctx, span))
      : this.traced('handle_response_headers', () =>
          withOwed(this.responseHeaders(headers), this.owedHitsAddend()),
        );
  }

  chunk(dir: Direction, chunk: Buffer): ChunkOutcome | Promise<ChunkOutcome> {
    if (dir === 'request') {
      if (this.req.plan === 'observe') this.req.copy.push(chunk);
      return EMPTY_OUTCOME;
    }
    return this.responseChunk(chunk);
  }

  end(dir: Direction, body: Buffer | undefined, complete: boolean): BodyEndOutcome | Promise<BodyEndOutcome> {
    if (dir === 'request') {
      if (this.req.ended) return {};
      this.req.ended = true;
      return this.traced('handle_request_body', (span) => this.requestEnd(body, complete, span));
    }
    if (this.resp.finished) return {};
    this.resp.finished = true;
    return this.traced('handle_response_body', (span) => this.responseEnd(body, span));
  }

  trailers(): { readonly headers?: HeaderEdits } {
    return {};
  }

  close(outcome: 'completed' | 'cancelled' | 'error' | 'local-reply'): void {
    this.req.copy.release();
    this.resp.copy.release();
    this.resp.sse = undefined;
    if (!this.policy) return; // never got past the request headers
    // One access-style line per request: no message content, no credentials.
    this.deps.log.info(
      {
        requestId: this.requestId,
        provider: this.provider,
        path: this.path,
        model: this.req.model,
        status: this.resp.status,
        outcome: this.summary
          ? 'completed'
          : outcome === 'local-reply'
            ? 'rejected'
            : outcome === 'completed'
              ? 'incomplete'
              : outcome,
        guards: this.guardDecisions,
        latencyMs: Math.round(performance.now() - this.startedAt),
        ...this.summary,
      },
      'request summary',
    );
  }

  // ---- request ----------------------------------------------------------------------------

  private requestHeaders(
    headers: HeaderView,
    eos: boolean,
    ctx: MessageContext,
    span: PhaseSpan,
  ): HeadersOutcome {
    const parse = span.child('parse_config');
    try {
      this.policy = this.deps.policies.resolve(this.info.grpcMetadata);
      parse.end();
    } catch (err) {
      parse.end(err);
      // A guard config we cannot parse must not let the request through unguarded.
      this.exception('policy', err);
      return {
        bodyPlan: 'observe',
        reply: { status: 500, body: 'Invalid AI policy configuration', details: 'ai_extproc_invalid_policy' },
      };
    }
    for (const label of this.deps.customLabels) {
      this.custom[label.name] = customLabelValue(ctx.filterMetadata, label);
    }
    this.path = headers.get(':path') ?? '';
    this.req.headers = headers;
    // Request guards may rewrite the body: hold it back. Otherwise it streams through untouched.
    this.req.plan = this.policy.requestGuards && !eos ? 'buffer' : 'observe';
    // Passthrough auth reads the upstream credential from this key (kgateway-contract.md §3.1).
    const auth = headers.get('authorization');
    const token = auth === undefined ? 'unknown' : auth.startsWith('Bearer ') ? auth.slice(7) : auth;
    return {
      bodyPlan: this.req.plan,
      metadata: { [KGATEWAY_NS]: { auth_token: token } },
      // A guarded response stream must be readable: ask the upstream not to compress it.
      ...(this.policy.responseGuards ? { headers: { remove: ['accept-encoding'] } } : {}),
    };
  }

  private requestEnd(
    held: Buffer | undefined,
    complete: boolean,
    span: PhaseSpan,
  ): BodyEndOutcome | Promise<BodyEndOutcome> {
    const provider = this.provider;
    const geminiLike = GEMINI_LIKE.has(provider);
    const bytes =
      this.req.plan === 'buffer'
        ? (held ?? EMPTY)
        : this.req.copy.overflowed
          ? undefined
          : this.req.copy.bytes();
    let obj: Obj | undefined;
    if (complete && bytes && bytes.length > 0) {
      try {
        obj = asObj(JSON.parse(bytes.toString('utf8')));
      } catch (err) {
        // kgateway mode: a malformed body reaches the upstream unchanged; count and log it.
        this.exception('request-json', err);
      }
    }
    this.req.copy.release();
    this.req.model = geminiLike
      ? (this.policy?.model ?? '')
      : typeof obj?.model === 'string'
        ? obj.model
        : '';
    this.req.streaming = geminiLike ? (this.policy?.chatStreaming ?? false) : Boolean(obj?.stream);
    const operation = operationName(this.path);
    const genAi = span.child(`gen_ai.request ${operation} ${this.req.model}`.trimEnd());
    genAi.setAttributes(
      requestAttributes(provider, operation, this.req.model, obj, this.deps.tracer.includeContent),
    );
    if (!obj) {
      genAi.end();
      return {};
    }
    // The estimate is computed on the client's original body, before any guard (contract §3.2).
    const guards = this.policy?.requestGuards;
    const metadata = this.startEstimate(obj, bytes?.length ?? 0, guards !== undefined);
    if (!guards) {
      genAi.end();
      return metadata ? { metadata } : {};
    }
    return this.deps.guards
      .request(obj, guards, this.guardContext(genAi, 'request'))
      .then((r): BodyEndOutcome => {
        if (r.kind === 'reject') {
          // Rejected requests do not count toward rate limiting.
          this.req.estimate = 0;
          this.req.pendingEstimate = undefined;
          this.req.owesHitsAddend = false;
          return { reply: r.reply };
        }
        const body = r.changed ? Buffer.from(JSON.stringify(obj)) : undefined;
        return { ...(body ? { body } : {}), ...(metadata ? { metadata } : {}) };
      })
      .finally(() => genAi.end());
  }

  /**
   * Token counting is the dearest step, and nothing needs its result before the request goes
   * upstream (Envoy drops envoy.ratelimit with kgateway's receivingNamespaces, and in STREAMED mode
   * the rate-limit filter has seen the headers long before). So the request-body reply goes out
   * first, the count runs right after it, and hits_addend rides on the next reply (the response
   * headers). With request guards the body is held and a guard may mask it, so the original is
   * counted now, before the guards, when it is small enough.
   */
  private startEstimate(obj: Obj, size: number, guarded: boolean): DynamicMetadata | undefined {
    if (guarded && size <= this.deps.syncTokenCountMaxBytes) {
      this.req.estimate = this.safeEstimate(obj);
      return { [RATELIMIT_NS]: { hits_addend: this.req.estimate } };
    }
    // A guard may rewrite obj in place: count a private copy of a guarded body.
    this.req.pendingEstimate = guarded ? structuredClone<Obj>(obj) : obj;
    this.req.owesHitsAddend = true;
    setImmediate(() => this.settleEstimate());
    return undefined;
  }

  /** The prompt-token estimate, counting now if the deferred count has not run yet. */
  private settleEstimate(): number {
    const body = this.req.pendingEstimate;
    if (body) {
      this.req.pendingEstimate = undefined;
      this.req.estimate = this.safeEstimate(body);
    }
    return this.req.estimate;
  }

  /** envoy.ratelimit hits_addend, once, on the first reply after a deferred count. */
  private owedHitsAddend(): DynamicMetadata | undefined {
    if (!this.req.owesHitsAddend) return undefined;
    this.req.owesHitsAddend = false;
    return { [RATELIMIT_NS]: { hits_addend: this.settleEstimate() } };
  }

  private safeEstimate(body: Obj): number {
    try {
      return estimatePromptTokens(body, this.provider);
    } catch (err) {
      this.exception('token-estimate', err);
      return 0;
    }
  }

  // ---- response ---------------------------------------------------------------------------

  private responseHeaders(headers: HeaderView): HeadersOutcome {
    if (!this.req.ended && this.req.plan === 'observe') {
      // The response started before the request body ended (e.g. an early upstream error).
      this.req.ended = true;
      void this.traced('handle_request_body', (span) =>
        this.requestEnd(undefined, !this.req.copy.overflowed, span),
      );
    }
    this.resp.status = Number(headers.get(':status')) || undefined;
    const mime = mimeOf(headers.get('content-type'));
    this.resp.gzip = isGzip(headers.get('content-encoding'));
    const sse = mime === 'text/event-stream';
    this.resp.streaming =
      sse || (GEMINI_LIKE.has(this.provider) && mime === 'application/json' && this.req.streaming);
    const guards = this.policy?.responseGuards;
    if (sse && this.resp.gzip) {
      if (guards) {
        // Compressed SSE cannot be guarded chunk by chunk: fail closed rather than leak.
        return {
          bodyPlan: 'observe',
          reply: {
            status: 500,
            body: RESPONSE_GUARD_FAILURE_MESSAGE,
            details: 'compressed_stream_cannot_be_guarded',
          },
        };
      }
      return { bodyPlan: 'observe' };
    }
    if (sse) {
      const guard = guards
        ? this.deps.guards.streaming(guards, this.guardContext(NOOP_SPAN, 'response'))
        : undefined;
      this.resp.sse = { decoder: new SseDecoder(), facts: new StreamFactsAccumulator(this.provider), guard };
      this.resp.plan = guard ? 'transform' : 'observe';
    } else {
      this.resp.plan = guards && isJsonMime(mime) ? 'buffer' : 'observe';
    }
    return { bodyPlan: this.resp.plan };
  }

  private async responseChunk(chunk: Buffer): Promise<ChunkOutcome> {
    if (this.resp.firstByteAt === undefined && chunk.length > 0) this.resp.firstByteAt = performance.now();
    const sse = this.resp.sse;
    if (!sse) {
      if (this.resp.plan === 'observe') this.resp.copy.push(chunk);
      return EMPTY_OUTCOME;
    }
    let events;
    try {
      events = sse.decoder.push(chunk);
    } catch (err) {
      this.exception('response-sse', err);
      if (sse.guard) return { reply: this.streamFailure('sse_event_too_large') };
      this.resp.sse = undefined; // stop parsing; the bytes still flow through untouched
      return EMPTY_OUTCOME;
    }
    for (const ev of events) sse.facts.onEvent(ev);
    if (!sse.guard) return EMPTY_OUTCOME;
    try {
      const r = await sse.guard.push(events);
      this.resp.maskedWindows += r.maskedWindows;
      return { body: Buffer.from(r.bytes) };
    } catch {
      return { reply: this.streamFailure('guardrails_webhook_error') };
    }
  }

  private streamFailure(details: string): LocalReply {
    // The client has the headers already: Envoy resets the stream (kgateway-contract.md §5).
    return { status: 500, body: RESPONSE_GUARD_FAILURE_MESSAGE, details };
  }

  private async responseEnd(held: Buffer | undefined, span: PhaseSpan): Promise<BodyEndOutcome> {
    let tail: Buffer | undefined;
    let facts: ResponseFacts | undefined;
    let body: Obj | undefined;
    const sse = this.resp.sse;
    if (sse) {
      try {
        const last = sse.decoder.end();
        for (const ev of last) sse.facts.onEvent(ev);
        if (sse.guard) {
          const a = await sse.guard.push(last);
          const b = await sse.guard.end();
          this.resp.maskedWindows += a.maskedWindows + b.maskedWindows;
          tail = Buffer.from(a.bytes + b.bytes);
          this.deps.guards.recordStream(this.guardContext(span, 'response'), this.resp.maskedWindows);
        }
      } catch (err) {
        this.exception('response-sse', err);
        if (sse.guard) return { reply: this.streamFailure('guardrails_webhook_error') };
      }
      facts = sse.facts.facts;
    } else {
      const parsed = this.parseJsonResponse(this.resp.plan === 'buffer' ? held : undefined);
      if (!parsed) return {};
      ({ facts, body } = parsed);
      const guards = this.policy?.responseGuards;
      if (guards && body && this.resp.plan === 'buffer' && !facts.isToolCall) {
        const r = await this.deps.guards.response(body, guards, this.guardContext(span, 'response'));
        if (r.kind === 'fail') return { reply: r.reply };
        if (r.changed) {
          const json = Buffer.from(JSON.stringify(this.parsedRoot ?? body));
          tail = this.resp.gzip ? gzip(json) : json;
        }
      }
    }
    return { ...(tail ? { body: tail } : {}), metadata: this.finish(facts, body, span) };
  }

  /** The parsed JSON root (an array for Gemini's JSON streaming), kept so a rewrite keeps its shape. */
  private parsedRoot: unknown;

  /** Usage and model of a finished JSON response; undefined when it was not parseable. */
  private parseJsonResponse(
    held: Buffer | undefined,
  ): { facts: ResponseFacts; body: Obj | undefined } | undefined {
    const copy = this.resp.copy;
    if (!held && copy.overflowed) return undefined;
    const raw = held ?? copy.bytes();
    try {
      if (raw.length === 0) return { facts: { finishReasons: [], isToolCall: false }, body: undefined };
      const bytes = this.resp.gzip ? gunzipBounded(raw, this.deps.maxBodyBytes) : raw;
      const parsed = JSON.parse(bytes.toString('utf8')) as unknown;
      this.parsedRoot = parsed;
      // Gemini's JSON-array streaming: the last element carries the final usage.
      const last = Array.isArray(parsed) ? (parsed[parsed.length - 1] as unknown) : parsed;
      return { facts: parseResponseFacts(this.provider, last), body: asObj(last) };
    } catch {
      // Not JSON (an HTML error page, a truncated body): it passed through; no usage to report.
      return undefined;
    } finally {
      copy.release();
    }
  }

  /** Final metadata, metrics and the gen_ai.response span. */
  private finish(facts: ResponseFacts, body: Obj | undefined, span: PhaseSpan): DynamicMetadata {
    const estimate = this.settleEstimate();
    const prompt = facts.usage?.promptTokens ?? 0;
    const completion = facts.usage?.completionTokens ?? 0;
    const responseModel = facts.responseModel ?? '';
    recordResponseSpan(
      span,
      facts,
      { id: body?.id, output: body ? (body.choices ?? body.content ?? body.candidates) : undefined },
      this.deps.tracer.includeContent,
    );
    const status = this.resp.status;
    const durationSeconds = (performance.now() - this.startedAt) / 1000;
    const ttft =
      this.resp.streaming && this.resp.firstByteAt !== undefined
        ? (this.resp.firstByteAt - this.startedAt) / 1000
        : undefined;
    this.summary = {
      responseModel,
      streaming: this.resp.streaming,
      promptTokens: prompt,
      completionTokens: completion,
      rateLimitedTokens: estimate,
      ...(ttft !== undefined ? { ttftMs: Math.round(ttft * 1000) } : {}),
    };
    this.deps.observer.exchangeCompleted?.({
      labels: this.labels(responseModel),
      requestId: this.policy?.requestId,
      operation: operationName(this.path),
      requestModel: this.req.model,
      promptTokens: prompt,
      completionTokens: completion,
      cachedInputTokens: facts.usage?.cachedInputTokens,
      cacheCreationInputTokens: facts.usage?.cacheCreationInputTokens,
      reasoningTokens: facts.usage?.reasoningTokens,
      rateLimitedTokens: estimate,
      responseModel,
      streaming: this.resp.streaming,
      status,
      durationSeconds,
      timeToFirstTokenSeconds: ttft,
      errorType: errorTypeFor(status),
    });
    const final: DynamicMetadata = {
      [KGATEWAY_NS]: {
        prompt_tokens: prompt,
        completion_tokens: completion,
        total_tokens: prompt + completion,
        rate_limited_tokens: estimate,
        model: this.req.model,
        provider: this.provider,
        provider_model: responseModel,
        streaming: this.resp.streaming,
      },
    };
    // Only when Envoy skipped the response headers.
    return mergeMetadata(this.owedHitsAddend(), final) ?? final;
  }
}

function withOwed(out: HeadersOutcome, owed: DynamicMetadata | undefined): HeadersOutcome {
  return owed ? { ...out, metadata: mergeMetadata(out.metadata, owed) ?? owed } : out;
}

/** kgateway derives the OTel operation from :path (kgateway-contract.md §2.4). */
export function operationName(path: string): string {
  const p = path.split('?')[0] ?? '';
  if (p.includes('chat/completion')) return 'chat';
  if (p.includes('completions')) return 'text_completion';
  return 'generate_content';
}

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

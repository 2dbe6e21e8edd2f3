/**
 * One HTTP exchange through the gateway, in either mode. It owns the skeleton of a request and
 * does none of the capabilities' work: the mode resolves the route, the body plans come from what
 * the route's stages and codec declare, the body is parsed once, the stages run in the order of
 * stage.ts (via stage-runner.ts), the codec translates, and the exchange finishes, records and logs.
 * Bodies are held back only when a stage or the codec may change them; otherwise the original
 * bytes flow through and a bounded copy is parsed.
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
import type { ExchangeObserver } from './observer.js';
import type { LogSink } from './log.js';
import { errorSummary } from './log.js';
import type { ExchangeTracer, PhaseSpan } from './tracer.js';
import { NOOP_SPAN, NOOP_TRACER } from './tracer.js';
import type { CustomLabel } from '../config/otel-files.js';
import { openingFacts } from './facts.js';
import { mergeMetadata } from './metadata.js';
import { withStageHeaders } from './header-edits.js';
import { BoundedBody } from './bounded-body.js';
import { recordResponseSpan, requestAttributes } from './span-attributes.js';
import type { FactsSeed, Mode, Route, RequestBody } from './route.js';
export type { FactsSeed, Mode, Opened, Thrower } from './route.js';
export { operationName } from './route.js';
import type { ExchangeFacts, ExchangeOutcome, Json } from './stage.js';
import { StageRunner } from './stage-runner.js';
import { AnswerError, RefusalError } from './reply.js';
import type { Refusal } from './reply.js';
import { readHeldBody, readObservedBody } from './request-body.js';

export interface ExchangeDeps {
  readonly mode: Mode;
  readonly customLabels: readonly CustomLabel[];
  readonly observer: ExchangeObserver;
  readonly log: LogSink;
  readonly maxBodyBytes: number;
  readonly tracer: ExchangeTracer;
}

const EMPTY_OUTCOME: ChunkOutcome = {};

export class AiExchange implements Exchange {
  private route: Route | undefined;
  private x: ExchangeFacts | undefined;
  private run: StageRunner | undefined;
  private reqPlan: BodyPlan = 'observe';
  private respPlan: BodyPlan = 'observe';
  private respStream = false;
  /** The route may change the request body (a codec or stage holds it). */
  private reqHolds = false;
  private reqEnded = false;
  private respEnded = false;
  private closed = false;
  private readonly reqCopy: BoundedBody;
  private readonly respCopy: BoundedBody;
  /** The span a guarded stream's work (webhook calls) hangs off; ended with the response. */
  private streamSpan: PhaseSpan | undefined;

  constructor(
    private readonly info: StreamInfo,
    private readonly deps: ExchangeDeps,
  ) {
    this.reqCopy = new BoundedBody(deps.maxBodyBytes);
    this.respCopy = new BoundedBody(deps.maxBodyBytes);
  }

  private trace(name: string): PhaseSpan {
    // Tracing off: no span, and no trace context to look up for one.
    if (this.deps.tracer === NOOP_TRACER) return NOOP_SPAN;
    const md = this.info.grpcMetadata;
    const h = this.x?.headers;
    return this.deps.tracer.phase(name, {
      traceparent: this.x?.traceparent ?? (md.get('traceparent') || h?.get('traceparent') || undefined),
      tracestate: this.x?.tracestate ?? (md.get('tracestate') || h?.get('tracestate') || undefined),
    });
  }

  private readonly exception = (where: string, err: unknown): void => {
    const x = this.x;
    this.deps.observer.exceptionRaised?.(
      {
        llm: x?.provider || this.info.grpcMetadata.get('x-llm-provider') || 'unknown',
        model: x?.model ?? '',
        custom: x?.custom ?? {},
      },
      where,
      err,
    );
    this.deps.log.warn(
      {
        where,
        requestId: x?.requestId ?? this.info.grpcMetadata.get('x-request-id'),
        err: errorSummary(err),
      },
      'exchange stage failed',
    );
  };

  private refusalOutcome(r: Refusal): { reply: LocalReply } {
    return { reply: this.route!.render(r) };
  }

  headers(dir: Direction, headers: HeaderView, eos: boolean, ctx: MessageContext): HeadersOutcome {
    if (dir === 'response') {
      if (!this.route || !this.run) return { bodyPlan: 'observe' };
      const span = this.trace('handle_response_headers');
      try {
        return this.run.withOwed(this.responseHeaders(headers));
      } finally {
        span.end();
      }
    }
    const span = this.trace('handle_request_headers');
    try {
      return this.requestHeaders(headers, eos, ctx, span);
    } finally {
      span.end();
    }
  }

  private requestHeaders(
    headers: HeaderView,
    eos: boolean,
    ctx: MessageContext,
    span: PhaseSpan,
  ): HeadersOutcome {
    const seed: FactsSeed = { family: 'openai', provider: '', model: '', streaming: false };
    const parse = span.child('parse_config');
    const opened = this.deps.mode.open(this.info, headers, eos, seed, this.exception);
    parse.end();
    if (opened.kind === 'pass')
      return { bodyPlan: 'observe', ...(opened.headers ? { headers: opened.headers } : {}) };
    if (opened.kind === 'reply') return { bodyPlan: 'observe', reply: opened.reply };
    const route = opened.route;
    this.route = route;
    this.x = openingFacts(
      seed,
      route,
      headers,
      opened.view ?? headers,
      this.info.grpcMetadata,
      ctx,
      this.deps.customLabels,
    );
    this.run = new StageRunner(route, this.x, this.exception);
    if (opened.refuse) {
      this.x.outcome = 'rejected';
      return { bodyPlan: 'observe', ...this.refusalOutcome(opened.refuse) };
    }
    const holds = route.codec.holdsRequest || this.run.needs.request === 'hold';
    this.reqHolds = holds;
    this.reqPlan = holds && !eos ? 'buffer' : 'observe';
    const edits = route.codec.requestHeaderEdits(this.run.needs.response !== undefined);
    return {
      bodyPlan: this.reqPlan,
      ...(opened.metadata ? { metadata: opened.metadata } : {}),
      ...(edits ? { headers: edits } : {}),
    };
  }

  chunk(dir: Direction, chunk: Buffer): ChunkOutcome | Promise<ChunkOutcome> {
    if (!this.route) return EMPTY_OUTCOME;
    if (dir === 'request') {
      if (this.reqPlan === 'observe') this.reqCopy.push(chunk);
      return EMPTY_OUTCOME;
    }
    if (this.x!.firstByteAt === undefined && chunk.length > 0) this.x!.firstByteAt = performance.now();
    if (!this.respStream) {
      if (this.respPlan === 'observe') this.respCopy.push(chunk);
      return EMPTY_OUTCOME;
    }
    return this.streamChunk(chunk);
  }

  end(dir: Direction, body: Buffer | undefined, complete: boolean): BodyEndOutcome | Promise<BodyEndOutcome> {
    if (!this.route) return {};
    if (dir === 'request') {
      if (this.reqEnded) return {};
      this.reqEnded = true;
      const span = this.trace('handle_request_body');
      return settle(this.requestEnd(body, complete, span), span);
    }
    if (this.respEnded) return {};
    this.respEnded = true;
    const span = this.trace('handle_response_body');
    return settle(this.responseEnd(body, span), span);
  }

  trailers(): { readonly headers?: HeaderEdits } {
    return {};
  }

  tooLarge(dir: Direction): LocalReply | undefined {
    if (!this.route || !this.x) return undefined;
    this.x.outcome = 'rejected';
    return this.route.render({
      status: dir === 'request' ? 413 : 500,
      message: dir === 'request' ? 'Request body too large' : 'Response body too large',
      code: 'ai_extproc_body_too_large',
    });
  }

  close(outcome: ExchangeOutcome): void {
    if (this.closed) return;
    this.closed = true;
    this.reqCopy.release();
    this.respCopy.release();
    this.streamSpan?.end();
    this.route?.codec.release?.(outcome);
    // Stages (the record stage writes the summary line) close only on a route of ours.
    if (!this.run) return;
    this.run.close(outcome);
  }

  // ---- request ----------------------------------------------------------------------------

  private readBody(held: Buffer | undefined, complete: boolean): RequestBody {
    const bytes =
      this.reqPlan === 'buffer' ? held : this.reqCopy.overflowed ? undefined : this.reqCopy.bytes();
    if (!complete || (bytes === undefined && this.reqPlan === 'buffer') || this.reqCopy.overflowed)
      return { json: undefined, problem: 'too-large', bytes: bytes?.length ?? 0 };
    if (!bytes || bytes.length === 0) return { json: undefined, problem: 'empty', bytes: 0 };
    // A held body is read strictly (decoded, UTF-8 checked): what a stage cannot read it must not
    // pass. An observed one (nothing may change it) is only parsed, to keep that path cheap.
    const body = this.reqHolds
      ? readHeldBody(bytes, this.x!.headers.get('content-encoding'), this.deps.maxBodyBytes)
      : readObservedBody(bytes);
    this.reqCopy.release();
    return body;
  }

  private async requestEnd(
    held: Buffer | undefined,
    complete: boolean,
    span: PhaseSpan,
  ): Promise<BodyEndOutcome> {
    const route = this.route!;
    const x = this.x!;
    const run = this.run!;
    const read = this.readBody(held, complete);
    let body: Json | undefined;
    try {
      body = route.codec.decodeRequest(read, x);
    } catch (err) {
      if (err instanceof RefusalError) return this.refused(err.refusal);
      throw err;
    }
    const genAi =
      span === NOOP_SPAN ? NOOP_SPAN : span.child(`gen_ai.request ${x.operation} ${x.model}`.trimEnd());
    try {
      if (!body) return {};
      const r = await run.request(body, read.bytes, genAi);
      if ('refuse' in r) return this.refused(r.refuse);
      if ('answer' in r) return this.answered(r.answer);
      const enc = route.codec.encodeRequest(body, r.changed, x);
      const metadata = mergeMetadata(r.metadata, enc.metadata);
      const headers = withStageHeaders(enc.headers, r.headers);
      return {
        ...(enc.body ? { body: enc.body } : {}),
        ...(headers ? { headers } : {}),
        ...(enc.clearRouteCache ? { clearRouteCache: true } : {}),
        ...(metadata ? { metadata } : {}),
      };
    } catch (err) {
      if (err instanceof RefusalError) return this.refused(err.refusal);
      if (err instanceof AnswerError) return this.answered(err.reply);
      throw err;
    } finally {
      // After the stages: with content capture on, the span holds what went upstream (masked).
      if (genAi !== NOOP_SPAN) {
        genAi.setAttributes({
          ...requestAttributes(x.provider, x.operation, x.model, body, this.deps.tracer.includeContent),
          ...route.codec.spanAttributes(x),
        });
        genAi.end();
      }
    }
  }

  /** A local answer to the request: it does not count toward rate limiting. */
  private refused(r: Refusal): BodyEndOutcome {
    this.x!.outcome = 'rejected';
    this.x!.estimate = 0;
    this.run!.dropOwed();
    return this.refusalOutcome(r);
  }

  /** A stage answered in full (a cache hit): nothing went upstream; the request counts, no tokens. */
  private answered(reply: LocalReply): BodyEndOutcome {
    const x = this.x!;
    x.outcome = 'completed';
    x.status = reply.status;
    x.estimate = 0;
    this.run!.dropOwed();
    return { reply };
  }

  // ---- response ---------------------------------------------------------------------------

  private responseHeaders(headers: HeaderView): HeadersOutcome {
    const x = this.x!;
    const run = this.run!;
    if (!this.reqEnded && this.reqPlan === 'observe') {
      // The response started before the request body ended (e.g. an early upstream error).
      this.reqEnded = true;
      const span = this.trace('handle_request_body');
      void settle(this.requestEnd(undefined, !this.reqCopy.overflowed, span), span);
    }
    x.status = Number(headers.get(':status')) || undefined;
    x.responseHeaders = headers;
    const start = this.route!.codec.responseHeaders(
      headers,
      x,
      run.needs.response === 'read' ? undefined : run.needs.response,
    );
    if (start.refusal) return { bodyPlan: 'observe', ...this.refusalOutcome(start.refusal) };
    this.respPlan = start.plan;
    this.respStream = start.stream;
    // A rewritten stream's guard work (webhook calls) hangs off its own span.
    if (start.stream && run.needs.response === 'rewrite')
      this.streamSpan = this.trace('handle_response_stream');
    const added = run.responseHeaders();
    const edits = added
      ? { ...start.headers, set: [...(start.headers?.set ?? []), ...added] }
      : start.headers;
    return { bodyPlan: start.plan, ...(edits ? { headers: edits } : {}) };
  }

  private async streamChunk(chunk: Buffer): Promise<ChunkOutcome> {
    const codec = this.route!.codec;
    const events = codec.streamChunk(chunk, this.x!);
    if (this.respPlan !== 'transform') return EMPTY_OUTCOME;
    if (codec.streamFailure) return this.refusalOutcome(codec.streamFailure);
    try {
      const out = await this.run!.events(events, this.streamSpan!);
      return { body: Buffer.from(codec.encodeEvents(out)) };
    } catch (err) {
      if (err instanceof RefusalError) return this.refusalOutcome(err.refusal);
      throw err;
    }
  }

  private async responseEnd(held: Buffer | undefined, span: PhaseSpan): Promise<BodyEndOutcome> {
    const route = this.route!;
    const codec = route.codec;
    const x = this.x!;
    const run = this.run!;
    // Anything still owed (Envoy skipped the response headers) settles now, before the stages record it.
    const owed = run.takeOwed();
    try {
      let tail = '';
      if (this.respStream) {
        const last = codec.streamEnd(x);
        if (this.respPlan === 'transform') {
          if (codec.streamFailure) return this.refusalOutcome(codec.streamFailure);
          const out = await run.events(last, this.streamSpan ?? span);
          const held = await run.streamEnd(this.streamSpan ?? span);
          tail = codec.encodeEvents([...out, ...held]) + codec.encodeStreamEnd();
        }
        x.facts = codec.streamFacts();
        const v = await run.responseEnd({ kind: 'stream' }, span);
        if (v) return this.refusalOutcome(v);
        return { ...(tail ? { body: Buffer.from(tail) } : {}), ...this.finish(owed, span, undefined) };
      }
      const raw =
        this.respPlan === 'buffer'
          ? (held ?? Buffer.alloc(0))
          : this.respCopy.overflowed
            ? undefined
            : this.respCopy.bytes();
      const result = codec.bodyEnd(raw, x);
      this.respCopy.release();
      if (result.kind === 'opaque') return {};
      x.facts = result.facts;
      if (result.kind === 'upstream-error') {
        x.outcome = 'upstream-error';
        const v = await run.responseEnd({ kind: 'upstream-error' }, span);
        if (v) return this.refusalOutcome(v);
        return { body: result.body, ...this.finish(owed, span, undefined) };
      }
      let changed = false;
      const v = await run.responseEnd(
        {
          kind: 'completion',
          completion: result.completion,
          ...(result.chunks ? { chunks: result.chunks } : {}),
          rewritable: this.respPlan === 'buffer',
          changed: () => void (changed = true),
        },
        span,
      );
      if (v) return this.refusalOutcome(v);
      const body = codec.encodeBody(result.completion, changed);
      return { ...(body ? { body } : {}), ...this.finish(owed, span, result.completion) };
    } catch (err) {
      if (err instanceof RefusalError) return this.refusalOutcome(err.refusal);
      throw err;
    } finally {
      this.streamSpan?.end();
      this.streamSpan = undefined;
    }
  }

  /**
   * The gen_ai.response span, and the finished response's metadata plus anything still owed
   * (when Envoy skipped the response headers).
   */
  private finish(
    owed: DynamicMetadata | undefined,
    span: PhaseSpan,
    completion: Json | undefined,
  ): { metadata: DynamicMetadata } {
    const x = this.x!;
    if (x.outcome === 'incomplete') x.outcome = 'completed';
    const facts = x.facts ?? { finishReasons: [], isToolCall: false };
    const output = completion
      ? (completion.choices ?? completion.content ?? completion.candidates)
      : undefined;
    if (span !== NOOP_SPAN)
      recordResponseSpan(span, facts, { id: completion?.id, output }, this.deps.tracer.includeContent);
    const final = this.route!.finalMetadata(x, facts);
    return { metadata: mergeMetadata(owed, final) ?? final };
  }
}

/** Ends the phase span when the work settles (sync or async). */
function settle<T>(out: Promise<T>, span: PhaseSpan): Promise<T> {
  return out.finally(() => span.end());
}

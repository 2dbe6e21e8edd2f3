/**
 * One HTTP exchange through the gateway: the kgateway-compatible request/response pipeline.
 *
 * It sequences the stages and does none of their work: policy from the PolicySource, prompt
 * token estimate (tokens/), SSE decoding and gunzip (streaming/), usage and model extraction
 * (providers/). Bodies are observed, not held, because nothing in this pipeline changes them yet;
 * the original bytes always reach the upstream and the client.
 */
import type {
  BodyEndOutcome,
  ChunkOutcome,
  Direction,
  DynamicMetadata,
  Exchange,
  HeaderEdits,
  HeaderView,
  HeadersOutcome,
  MessageContext,
  StreamInfo,
} from './types.js';
import type { RoutePolicy } from './policy.js';
import type { ExchangeLabels, ExchangeObserver } from './observer.js';
import type { LogSink } from './log.js';
import type { CustomLabel } from '../config/otel-files.js';
import { customLabelValue } from '../config/otel-files.js';
import { estimatePromptTokens } from '../tokens/prompt-estimate.js';
import { SseDecoder } from '../streaming/sse-decoder.js';
import { gunzipBounded, isGzip } from '../streaming/gzip.js';
import type { ResponseFacts } from '../providers/usage.js';
import { StreamFactsAccumulator, parseResponseFacts } from '../providers/usage.js';
import { BoundedBody } from './bounded-body.js';
import type { ExchangeTracer, PhaseSpan } from './tracer.js';
import { requestAttributes, responseAttributes } from '../tracing/attributes.js';

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
  /** Bodies up to this size are token-counted before the reply (to emit hits_addend); larger ones after it. */
  readonly syncTokenCountMaxBytes: number;
  readonly tracer: ExchangeTracer;
}

const GEMINI_LIKE = new Set(['gemini', 'vertex-ai']);
const EMPTY_OUTCOME: ChunkOutcome = {};

interface RequestState {
  readonly body: BoundedBody;
  model: string;
  streaming: boolean;
  /** Prompt-token estimate; a promise while it is computed off the critical path. */
  estimate: number | Promise<number>;
  ended: boolean;
}

interface ResponseState {
  status: number | undefined;
  /** performance.now() of the first non-empty response body chunk. */
  firstByteAt: number | undefined;
  streaming: boolean;
  gzip: boolean;
  readonly body: BoundedBody;
  sse: { decoder: SseDecoder; facts: StreamFactsAccumulator } | undefined;
  finished: boolean;
}

function mimeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

export class AiExchange implements Exchange {
  private policy: RoutePolicy | undefined;
  private custom: Record<string, string> = {};
  private readonly startedAt = performance.now();
  private path = '';
  private readonly req: RequestState;
  private readonly resp: ResponseState;

  constructor(
    private readonly info: StreamInfo,
    private readonly deps: ExchangeDeps,
  ) {
    this.req = {
      body: new BoundedBody(deps.maxBodyBytes),
      model: '',
      streaming: false,
      estimate: 0,
      ended: false,
    };
    this.resp = {
      status: undefined,
      firstByteAt: undefined,
      streaming: false,
      gzip: false,
      body: new BoundedBody(deps.maxBodyBytes),
      sse: undefined,
      finished: false,
    };
  }

  private get provider(): string {
    return this.policy?.provider ?? this.info.grpcMetadata.get('x-llm-provider') ?? 'unknown';
  }

  private labels(responseModel = ''): ExchangeLabels {
    return { llm: this.provider, model: this.req.model || responseModel, custom: this.custom };
  }

  private exception(where: string, err: unknown): void {
    this.deps.observer.exceptionRaised?.(this.labels(), where, err);
    this.deps.log.warn(
      {
        where,
        requestId: this.policy?.requestId ?? this.info.grpcMetadata.get('x-request-id'),
        err: errMessage(err),
      },
      'exchange stage failed; passing the message through',
    );
  }

  headers(dir: Direction, headers: HeaderView, _eos: boolean, ctx: MessageContext): HeadersOutcome {
    return dir === 'request' ? this.requestHeaders(headers, ctx) : this.responseHeaders(headers);
  }

  /** The incoming W3C trace context: Envoy's tracer puts it in the gRPC initial metadata. */
  private get traceParent(): { traceparent?: string | undefined; tracestate?: string | undefined } {
    return {
      traceparent: this.info.grpcMetadata.get('traceparent'),
      tracestate: this.info.grpcMetadata.get('tracestate'),
    };
  }

  private requestHeaders(headers: HeaderView, ctx: MessageContext): HeadersOutcome {
    const span = this.deps.tracer.phase('handle_request_headers', this.traceParent);
    try {
      return this.requestHeadersTraced(headers, ctx, span);
    } finally {
      span.end();
    }
  }

  private requestHeadersTraced(headers: HeaderView, ctx: MessageContext, span: PhaseSpan): HeadersOutcome {
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
    for (const label of this.deps.customLabels)
      this.custom[label.name] = customLabelValue(ctx.filterMetadata, label);
    this.path = headers.get(':path') ?? '';
    // Passthrough auth reads the upstream credential from this key (kgateway-contract.md §3.1).
    const auth = headers.get('authorization');
    const token = auth === undefined ? 'unknown' : auth.startsWith('Bearer ') ? auth.slice(7) : auth;
    return { bodyPlan: 'observe', metadata: { [KGATEWAY_NS]: { auth_token: token } } };
  }

  chunk(dir: Direction, chunk: Buffer): ChunkOutcome {
    if (dir === 'request') {
      this.req.body.push(chunk);
      return EMPTY_OUTCOME;
    }
    if (this.resp.firstByteAt === undefined && chunk.length > 0) this.resp.firstByteAt = performance.now();
    const sse = this.resp.sse;
    if (sse) {
      try {
        for (const ev of sse.decoder.push(chunk)) sse.facts.onEvent(ev);
      } catch (err) {
        this.resp.sse = undefined; // stop parsing; the bytes still flow through untouched
        this.exception('response-sse', err);
      }
    } else {
      this.resp.body.push(chunk);
    }
    return EMPTY_OUTCOME;
  }

  end(
    dir: Direction,
    _body: Buffer | undefined,
    complete: boolean,
  ): BodyEndOutcome | Promise<BodyEndOutcome> {
    return dir === 'request' ? this.requestEnd(complete) : this.responseEnd();
  }

  private requestEnd(complete: boolean): BodyEndOutcome {
    if (this.req.ended) return {};
    this.req.ended = true;
    const span = this.deps.tracer.phase('handle_request_body', this.traceParent);
    try {
      return this.requestEndTraced(complete, span);
    } finally {
      span.end();
    }
  }

  private requestEndTraced(complete: boolean, span: PhaseSpan): BodyEndOutcome {
    const provider = this.provider;
    const geminiLike = GEMINI_LIKE.has(provider);
    let parsed: unknown;
    if (complete && !this.req.body.overflowed && this.req.body.length > 0) {
      try {
        parsed = JSON.parse(this.req.body.text());
      } catch (err) {
        // kgateway mode: a malformed body reaches the upstream unchanged; count and log it.
        this.exception('request-json', err);
      }
    }
    const obj =
      parsed && typeof parsed === 'object' && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : undefined;
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
    genAi.end();
    if (!obj) return {};
    const size = this.req.body.length;
    this.req.body.release();
    if (size <= this.deps.syncTokenCountMaxBytes) {
      const n = this.safeEstimate(obj, provider);
      this.req.estimate = n;
      return { metadata: { [RATELIMIT_NS]: { hits_addend: n } } };
    }
    // Large prompt: count after the reply, while the upstream works on the request.
    this.req.estimate = new Promise((resolve) =>
      setImmediate(() => resolve(this.safeEstimate(obj, provider))),
    );
    return {};
  }

  private safeEstimate(body: unknown, provider: string): number {
    try {
      return estimatePromptTokens(body, provider);
    } catch (err) {
      this.exception('token-estimate', err);
      return 0;
    }
  }

  private responseHeaders(headers: HeaderView): HeadersOutcome {
    this.deps.tracer.phase('handle_response_headers', this.traceParent).end();
    if (!this.req.ended) this.requestEnd(true); // response started before the request body ended
    this.resp.status = Number(headers.get(':status')) || undefined;
    const mime = mimeOf(headers.get('content-type'));
    this.resp.gzip = isGzip(headers.get('content-encoding'));
    const sse = mime === 'text/event-stream';
    this.resp.streaming =
      sse || (GEMINI_LIKE.has(this.provider) && mime === 'application/json' && this.req.streaming);
    if (sse && !this.resp.gzip) {
      this.resp.sse = { decoder: new SseDecoder(), facts: new StreamFactsAccumulator(this.provider) };
    }
    return { bodyPlan: 'observe' };
  }

  private async responseEnd(): Promise<BodyEndOutcome> {
    if (this.resp.finished) return {};
    this.resp.finished = true;
    const span = this.deps.tracer.phase('handle_response_body', this.traceParent);
    try {
      return await this.responseEndTraced(span);
    } finally {
      span.end();
    }
  }

  private async responseEndTraced(span: PhaseSpan): Promise<BodyEndOutcome> {
    const parsed = this.responseFacts();
    if (!parsed) return {};
    const { facts, body } = parsed;
    const estimate = await this.req.estimate;
    const prompt = facts.usage?.promptTokens ?? 0;
    const completion = facts.usage?.completionTokens ?? 0;
    const responseModel = facts.responseModel ?? '';
    const metadata: DynamicMetadata = {
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
    const genAi = span.child('gen_ai.response');
    genAi.setAttributes(
      responseAttributes({
        id: typeof body?.id === 'string' ? body.id : undefined,
        model: responseModel,
        finishReasons: facts.finishReasons,
        inputTokens: prompt,
        outputTokens: completion,
        output: body ? (body.choices ?? body.content ?? body.candidates) : undefined,
        includeContent: this.deps.tracer.includeContent,
      }),
    );
    genAi.end();
    const now = performance.now();
    const status = this.resp.status;
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
      durationSeconds: (now - this.startedAt) / 1000,
      timeToFirstTokenSeconds:
        this.resp.streaming && this.resp.firstByteAt !== undefined
          ? (this.resp.firstByteAt - this.startedAt) / 1000
          : undefined,
      errorType: status !== undefined && status >= 400 ? `http_${status}` : undefined,
    });
    return { metadata };
  }

  /**
   * Usage and model of the finished response (and the parsed body when it was JSON); undefined
   * when the body was not parseable.
   */
  private responseFacts(): { facts: ResponseFacts; body: Record<string, unknown> | undefined } | undefined {
    const sse = this.resp.sse;
    if (sse) {
      try {
        for (const ev of sse.decoder.end()) sse.facts.onEvent(ev);
      } catch (err) {
        this.exception('response-sse', err);
      }
      return { facts: sse.facts.facts, body: undefined };
    }
    const body = this.resp.body;
    if (body.overflowed) return undefined;
    if (body.length === 0) return { facts: { finishReasons: [], isToolCall: false }, body: undefined };
    try {
      const bytes = this.resp.gzip ? gunzipBounded(body.bytes(), this.deps.maxBodyBytes) : body.bytes();
      const parsed = JSON.parse(bytes.toString('utf8')) as unknown;
      // Gemini's JSON-array streaming: the last element carries the final usage.
      const last = Array.isArray(parsed) ? (parsed[parsed.length - 1] as unknown) : parsed;
      const obj =
        last && typeof last === 'object' && !Array.isArray(last)
          ? (last as Record<string, unknown>)
          : undefined;
      return { facts: parseResponseFacts(this.provider, last), body: obj };
    } catch {
      // Not JSON (an HTML error page, a truncated body): it passed through; no usage to report.
      return undefined;
    } finally {
      body.release();
    }
  }

  close(outcome: 'completed' | 'cancelled' | 'error' | 'local-reply'): void {
    this.req.body.release();
    this.resp.body.release();
    this.resp.sse = undefined;
    if (outcome === 'cancelled' && !this.resp.finished) {
      this.deps.log.debug({ requestId: this.policy?.requestId }, 'stream ended before the response finished');
    }
  }

  trailers(): { readonly headers?: HeaderEdits } {
    return {};
  }
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

/**
 * One HTTP exchange in standalone mode: the extension routes, authenticates and translates.
 *
 * Request (BUFFERED in envoy/standalone/envoy.yaml, so request headers can still change):
 *   route match → client API → canonical OpenAI request → model alias → enrichment, defaults,
 *   stream usage → request guards → provider request → auth (headers or SigV4 over the final body)
 *   → one body reply carrying the new body, :path, :authority, x-ai-extproc-backend and
 *   clear_route_cache, so Envoy routes to the backend's cluster.
 * Response (STREAMED): a 2xx stream is translated event by event (provider stream → OpenAI chunks →
 *   client SSE, then the streaming guard); anything else is buffered and translated once (a
 *   success through the response guards, an error into the client's error format, status kept).
 * Every error the gateway itself raises is answered in the client's API format.
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
import { errorTypeFor } from './observer.js';
import type { LogSink } from './log.js';
import type { ExchangeTracer, PhaseSpan } from './tracer.js';
import { NOOP_SPAN } from './tracer.js';
import type { GuardContext, GuardRunner } from './guard-stages.js';
import { operationName } from './exchange.js';
import type {
  CanonicalError,
  ClientAdapter,
  ClientApi,
  ClientStreamEncoder,
  Json,
  OpenAIChatChunk,
  ProviderAdapter,
  ProviderStreamDecoder,
  UpstreamTarget,
} from '../providers/translate/types.js';
import { TranslationError } from '../providers/translate/types.js';
import { clientAdapter, clientApiForPath, providerAdapter } from '../providers/translate/registry.js';
import { anthropicDroppedParams } from '../providers/anthropic/index.js';
import { clientAskedStreamUsage, dropInjectedUsageChunk } from '../providers/openai/index.js';
import { signBedrockRequest } from '../providers/bedrock/index.js';
import { openAIUsage, parseResponseFacts } from '../providers/usage.js';
import type { ResponseFacts } from '../providers/usage.js';
import type {
  CompiledBackend,
  CompiledRoute,
  ModelListing,
  RuntimeConfig,
} from '../config/standalone/index.js';
import { applyDefaults, applyEnrichment, applyStreamUsage, listModels } from '../config/standalone/index.js';
import { modelList, modelObject } from '../providers/translate/model-list.js';
import { estimatePromptTokens } from '../tokens/prompt-estimate.js';
import { SseDecoder } from '../streaming/sse-decoder.js';
import { gunzipBounded, isGzip } from '../streaming/gzip.js';
import type { StreamingResponseGuard } from '../guards/streaming/stream-guard.js';
import { recordResponseSpan, requestAttributes } from './span-attributes.js';

export const STANDALONE_NS = 'ai_extproc';
export const DROPPED_PARAMS_HEADER = 'x-ai-extproc-dropped-params';
export const BACKEND_HEADER = 'x-ai-extproc-backend';

export interface StandaloneDeps {
  /** The live config snapshot (hot reload swaps it; an exchange keeps the one it started with). */
  readonly config: () => RuntimeConfig;
  readonly observer: ExchangeObserver & { droppedParam?(provider: string, param: string): void };
  readonly log: LogSink;
  readonly maxBodyBytes: number;
  readonly tracer: ExchangeTracer;
  readonly guards: GuardRunner;
}

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;

/** What the request phase decided, needed by the response phase. */
interface Routed {
  readonly route: CompiledRoute;
  readonly backend: CompiledBackend;
  readonly target: UpstreamTarget;
  readonly adapter: ProviderAdapter;
  readonly requestModel: string;
  readonly dropped: readonly string[];
  /** The gateway added stream_options.include_usage: the client must not see the usage chunk. */
  readonly injectedUsage: boolean;
  readonly estimate: number;
}

interface StreamState {
  readonly decoder: ProviderStreamDecoder;
  readonly encoder: ClientStreamEncoder;
  readonly guard: StreamingResponseGuard | undefined;
  readonly guardDecoder: SseDecoder | undefined;
  usage: Obj | undefined;
  model: string;
  readonly finishReasons: string[];
  failed: boolean;
}

const EMPTY_OUTCOME: ChunkOutcome = {};

export class StandaloneExchange implements Exchange {
  private readonly startedAt = performance.now();
  private config: RuntimeConfig | undefined;
  private api: ClientApi = 'openai';
  private client: ClientAdapter = clientAdapter('openai');
  private path = '';
  private headersIn: HeaderView = new Map();
  private route: CompiledRoute | undefined;
  private routed: Routed | undefined;
  private status: number | undefined;
  private responsePlan: BodyPlan = 'observe';
  private gzip = false;
  private stream: StreamState | undefined;
  private firstByteAt: number | undefined;
  private readonly guardDecisions: string[] = [];
  private outcome = 'incomplete';

  constructor(
    private readonly info: StreamInfo,
    private readonly deps: StandaloneDeps,
  ) {}

  private get requestId(): string | undefined {
    return this.headersIn.get('x-request-id') ?? this.info.grpcMetadata.get('x-request-id');
  }

  private get traceParent(): { traceparent: string | undefined; tracestate: string | undefined } {
    return {
      traceparent:
        this.info.grpcMetadata.get('traceparent') || this.headersIn.get('traceparent') || undefined,
      tracestate: this.info.grpcMetadata.get('tracestate') || this.headersIn.get('tracestate') || undefined,
    };
  }

  /** An error the gateway raises, in the client's API format. */
  private errorReply(status: number, message: string, type: string, details: string): LocalReply {
    const err: CanonicalError = { status, message, type };
    return {
      status,
      body: JSON.stringify(this.client.error(err)),
      headers: [['content-type', 'application/json']],
      details,
    };
  }

  /** GET …/models: the config's model names in the client API's list format. */
  private modelsReply(listing: ModelListing): LocalReply {
    this.api = listing.api;
    this.client = clientAdapter(listing.api);
    const entries = listing.models.map((m) => ({ id: m.id, ownedBy: m.provider }));
    const headers: [string, string][] = [['content-type', 'application/json']];
    if (listing.id === undefined)
      return {
        status: 200,
        body: JSON.stringify(modelList(this.api, entries)),
        headers,
        details: 'ai_extproc_models',
      };
    const one = entries.find((m) => m.id === listing.id);
    if (!one)
      return this.errorReply(
        404,
        `unknown model ${JSON.stringify(listing.id)}`,
        'not_found_error',
        'ai_extproc_models',
      );
    return {
      status: 200,
      body: JSON.stringify(modelObject(this.api, one)),
      headers,
      details: 'ai_extproc_models',
    };
  }

  private guardContext(span: PhaseSpan, phase: Direction): GuardContext {
    const g = this.route?.policy.guards;
    return {
      // Guards see the canonical OpenAI request and the client's own response format.
      family: phase === 'request' ? 'openai' : this.api === 'anthropic' ? 'anthropic' : 'openai',
      headers: this.headersIn,
      ...this.traceParent,
      span,
      cacheKey: (phase === 'request' ? g?.requestKey : g?.responseKey) ?? '',
      requestId: this.requestId,
      decisions: this.guardDecisions,
      // Standalone webhooks verify TLS unless the route's config says otherwise.
      webhookTransport: (phase === 'request' ? g?.requestWebhook : g?.responseWebhook) ?? {
        scheme: 'https',
        insecureSkipVerify: false,
      },
    };
  }

  headers(dir: Direction, headers: HeaderView, eos: boolean, _ctx: MessageContext): HeadersOutcome {
    if (dir === 'response') return this.responseHeaders(headers);
    this.config = this.deps.config();
    this.headersIn = headers;
    this.path = headers.get(':path') ?? '';
    if (eos) {
      const listing = listModels(this.config, headers);
      if (listing) return { bodyPlan: 'observe', reply: this.modelsReply(listing) };
    }
    this.route = this.config.matchRoute(headers);
    // No route: not LLM traffic for this gateway; Envoy's catch-all answers it.
    if (!this.route) return { bodyPlan: 'observe' };
    this.api = clientApiForPath(this.path);
    this.client = clientAdapter(this.api);
    if (eos) {
      return {
        bodyPlan: 'observe',
        reply: this.errorReply(
          400,
          'A JSON request body is required',
          'invalid_request_error',
          'ai_extproc_no_body',
        ),
      };
    }
    return { bodyPlan: 'buffer' };
  }

  chunk(dir: Direction, chunk: Buffer): ChunkOutcome | Promise<ChunkOutcome> {
    return dir === 'response' && this.stream ? this.responseChunk(chunk) : EMPTY_OUTCOME;
  }

  end(dir: Direction, body: Buffer | undefined, complete: boolean): BodyEndOutcome | Promise<BodyEndOutcome> {
    if (dir === 'request') {
      if (!this.route) return {};
      const span = this.deps.tracer.phase('handle_request_body', this.traceParent);
      return this.requestEnd(this.route, body, complete, span).finally(() => span.end());
    }
    const span = this.deps.tracer.phase('handle_response_body', this.traceParent);
    return this.responseEnd(body, span).finally(() => span.end());
  }

  trailers(): { readonly headers?: HeaderEdits } {
    return {};
  }

  // ---- request ----------------------------------------------------------------------------

  private async requestEnd(
    route: CompiledRoute,
    held: Buffer | undefined,
    complete: boolean,
    span: PhaseSpan,
  ): Promise<BodyEndOutcome> {
    try {
      return await this.translateRequest(route, held, complete, span);
    } catch (err) {
      if (err instanceof TranslationError) {
        this.outcome = 'rejected';
        return { reply: this.errorReply(err.status, err.message, err.type, 'ai_extproc_translation_error') };
      }
      throw err;
    }
  }

  private async translateRequest(
    route: CompiledRoute,
    held: Buffer | undefined,
    complete: boolean,
    span: PhaseSpan,
  ): Promise<BodyEndOutcome> {
    if (!complete || !held) throw new TranslationError(413, 'Request body too large');
    let body: Obj | undefined;
    try {
      body = asObj(JSON.parse(held.toString('utf8')));
    } catch {
      throw new TranslationError(400, 'The request body is not valid JSON');
    }
    if (!body) throw new TranslationError(400, 'The request body must be a JSON object');
    const dropped: string[] = this.api === 'anthropic' ? anthropicDroppedParams(body) : [];
    const canonical = this.client.request(body);
    const requestModel = typeof canonical.model === 'string' ? canonical.model : '';
    const resolved = route.resolveModel(requestModel || undefined);
    if ('error' in resolved) throw new TranslationError(404, resolved.error, 'not_found_error');
    const { backend, model } = resolved;
    const stream = canonical.stream === true;
    // Whoever adds include_usage (this policy, or an adapter that always does), a client that did
    // not ask for the usage-only chunk must not receive it.
    const clientWantsUsage = this.api === 'anthropic' || clientAskedStreamUsage(canonical);
    const policy = route.policy;
    if (policy.promptEnrichment) applyEnrichment(canonical, policy.promptEnrichment, 'openai');
    applyDefaults(canonical, policy.defaults);
    if (stream && policy.streamUsage) applyStreamUsage(canonical);
    const injectedUsage = stream && !clientWantsUsage;
    const estimate = this.safeEstimate(canonical);

    const operation = operationName(this.path);
    const genAi = span.child(`gen_ai.request ${operation} ${requestModel}`.trimEnd());
    genAi.setAttributes({
      ...requestAttributes(
        backend.provider,
        operation,
        requestModel,
        canonical,
        this.deps.tracer.includeContent,
      ),
      'ai_extproc.backend': backend.name,
      'ai_extproc.route': route.name,
    });
    try {
      const guards = policy.guards.request;
      if (guards) {
        const r = await this.deps.guards.request(canonical, guards, this.guardContext(genAi, 'request'));
        if (r.kind === 'reject') {
          this.outcome = 'rejected';
          const text = typeof r.reply.body === 'string' ? r.reply.body : r.reply.body.toString();
          const type = r.reply.status === 403 ? 'permission_error' : 'invalid_request_error';
          return {
            reply: this.errorReply(r.reply.status, text, type, r.reply.details ?? 'rejected by guardrails'),
          };
        }
      }
    } finally {
      genAi.end();
    }

    const target = backend.target(model, stream);
    const adapter = providerAdapter(backend.provider);
    const translated = adapter.request(canonical, target);
    dropped.push(...translated.droppedParams);
    for (const p of dropped) this.deps.observer.droppedParam?.(backend.provider, p);

    const set: [string, string][] = [
      [':path', translated.path],
      [':authority', backend.baseUrl.authority],
      [BACKEND_HEADER, backend.cluster],
      ...translated.headers.map(([k, v]) => [k, v] as [string, string]),
    ];
    // The response must be readable to translate it: no compression from the upstream.
    const remove = ['accept-encoding'];
    const auth = backend.authFor(this.headersIn);
    switch (auth.kind) {
      case 'missing':
        throw new TranslationError(401, auth.message, 'authentication_error');
      case 'headers':
        set.push(...auth.set.map(([k, v]) => [k, v] as [string, string]));
        remove.push(...auth.remove.filter((h) => !auth.set.some(([k]) => k === h)));
        break;
      case 'sigv4': {
        // Signed over the final body and the exact headers the upstream receives.
        const signed = signBedrockRequest({
          method: 'POST',
          host: backend.baseUrl.authority,
          path: translated.path,
          headers: Object.fromEntries(translated.headers),
          body: translated.body,
          region: auth.region,
          credentials: auth.credentials,
        });
        set.push(...Object.entries(signed));
        remove.push(...auth.remove);
        break;
      }
    }
    this.routed = { route, backend, target, adapter, requestModel, dropped, injectedUsage, estimate };
    return {
      body: translated.body,
      headers: { set, remove },
      clearRouteCache: true,
      metadata: {
        [STANDALONE_NS]: { backend: backend.name, route: route.name, rate_limited_tokens: estimate },
      },
    };
  }

  private safeEstimate(body: Json): number {
    try {
      return estimatePromptTokens(body, 'openai');
    } catch {
      return 0;
    }
  }

  // ---- response ---------------------------------------------------------------------------

  private responseHeaders(headers: HeaderView): HeadersOutcome {
    const routed = this.routed;
    if (!routed) return { bodyPlan: 'observe' };
    this.deps.tracer.phase('handle_response_headers', this.traceParent).end();
    this.status = Number(headers.get(':status')) || undefined;
    this.gzip = isGzip(headers.get('content-encoding'));
    const ok = this.status !== undefined && this.status >= 200 && this.status < 300;
    const set: [string, string][] = [];
    const remove: string[] = ['content-length'];
    if (routed.dropped.length > 0) set.push([DROPPED_PARAMS_HEADER, [...new Set(routed.dropped)].join(',')]);
    if (ok && routed.target.stream && !this.gzip) {
      const guardCfg = routed.route.policy.guards.response;
      const guard = guardCfg
        ? this.deps.guards.streaming(guardCfg, this.guardContext(NOOP_SPAN, 'response'))
        : undefined;
      this.stream = {
        decoder: routed.adapter.stream(routed.target),
        encoder: this.client.stream(),
        guard,
        guardDecoder: guard ? new SseDecoder() : undefined,
        usage: undefined,
        model: '',
        finishReasons: [],
        failed: false,
      };
      this.responsePlan = 'transform';
      set.push(['content-type', 'text/event-stream'], ['cache-control', 'no-cache']);
    } else {
      // JSON success or any error: buffered, translated once, sent as identity-encoded JSON.
      this.responsePlan = 'buffer';
      set.push(['content-type', 'application/json']);
      remove.push('content-encoding');
    }
    return { bodyPlan: this.responsePlan, headers: { set, remove } };
  }

  private async responseChunk(chunk: Buffer): Promise<ChunkOutcome> {
    const s = this.stream!;
    if (s.failed) return { body: Buffer.alloc(0) };
    let chunks: OpenAIChatChunk[];
    try {
      chunks = s.decoder.push(chunk);
    } catch (err) {
      return { body: Buffer.from(this.streamError(err)) };
    }
    return { body: Buffer.from(await this.emit(chunks, '')) };
  }

  /** Canonical chunks → client SSE (through the streaming guard when configured). */
  private async emit(chunks: readonly OpenAIChatChunk[], tail: string): Promise<string> {
    const s = this.stream!;
    for (const c of chunks) {
      if (this.firstByteAt === undefined) this.firstByteAt = performance.now();
      const usage = asObj(c.usage);
      if (usage) s.usage = usage;
      if (!s.model && typeof c.model === 'string') s.model = c.model;
      for (const choice of Array.isArray(c.choices) ? (c.choices as unknown[]) : []) {
        const reason = asObj(choice)?.finish_reason;
        if (typeof reason === 'string') s.finishReasons.push(reason);
      }
    }
    const visible =
      this.routed?.injectedUsage && this.api === 'openai' ? dropInjectedUsageChunk(chunks) : chunks;
    const text = s.encoder.push(visible) + tail;
    if (!s.guard || !s.guardDecoder) return text;
    const r = await s.guard.push(s.guardDecoder.push(Buffer.from(text)));
    return r.bytes;
  }

  /** A mid-stream failure: tell the client in its own format, then stop. */
  private streamError(err: unknown): string {
    const s = this.stream!;
    s.failed = true;
    const e =
      err instanceof TranslationError
        ? err
        : new TranslationError(502, 'upstream stream failed', 'api_error');
    this.deps.log.warn({ requestId: this.requestId, err: e.message }, 'upstream stream failed');
    if (this.api === 'anthropic')
      return s.encoder.push([{ error: { message: e.message, type: e.type, status: e.status } }]);
    return `data: ${JSON.stringify(this.client.error({ status: e.status, message: e.message, type: e.type }))}\n\n`;
  }

  private async responseEnd(held: Buffer | undefined, span: PhaseSpan): Promise<BodyEndOutcome> {
    const routed = this.routed;
    if (!routed) return {};
    try {
      if (this.stream) return await this.finishStream(routed, span);
      return await this.finishBuffered(routed, held ?? Buffer.alloc(0), span);
    } catch (err) {
      if (err instanceof TranslationError) {
        return { reply: this.errorReply(err.status, err.message, err.type, 'ai_extproc_translation_error') };
      }
      throw err;
    }
  }

  private async finishStream(routed: Routed, span: PhaseSpan): Promise<BodyEndOutcome> {
    const s = this.stream!;
    let out = '';
    if (!s.failed) {
      let last: OpenAIChatChunk[] = [];
      try {
        last = s.decoder.end();
      } catch (err) {
        out = this.streamError(err);
      }
      if (!s.failed) out = await this.emit(last, s.encoder.end());
    }
    if (s.guard && s.guardDecoder) {
      const a = await s.guard.push(s.guardDecoder.end());
      const b = await s.guard.end();
      out += a.bytes + b.bytes;
    }
    const usage = openAIUsage(s.usage);
    const metadata = this.finish(
      routed,
      span,
      {
        ...(usage ? { usage } : {}),
        responseModel: s.model,
        finishReasons: s.finishReasons,
        isToolCall: false,
      },
      undefined,
    );
    this.outcome = s.failed ? 'upstream-error' : 'completed';
    return { body: Buffer.from(out), metadata };
  }

  private async finishBuffered(routed: Routed, held: Buffer, span: PhaseSpan): Promise<BodyEndOutcome> {
    const raw = this.gzip ? gunzipBounded(held, this.deps.maxBodyBytes) : held;
    const ok = this.status !== undefined && this.status >= 200 && this.status < 300;
    if (!ok) {
      const err = routed.adapter.error(this.status ?? 502, raw);
      this.outcome = 'upstream-error';
      const metadata = this.finish(routed, span, { finishReasons: [], isToolCall: false }, undefined);
      return { body: Buffer.from(JSON.stringify(this.client.error(err))), metadata };
    }
    let json: Obj | undefined;
    try {
      json = asObj(JSON.parse(raw.toString('utf8')));
    } catch {
      /* handled below */
    }
    if (!json)
      throw new TranslationError(502, 'The upstream answered with a body that is not JSON', 'api_error');
    const completion = routed.adapter.response(json, routed.target);
    const guards = routed.route.policy.guards.response;
    if (guards) {
      const r = await this.deps.guards.response(completion, guards, {
        ...this.guardContext(span, 'response'),
        family: 'openai',
      });
      if (r.kind === 'fail') {
        const text = typeof r.reply.body === 'string' ? r.reply.body : r.reply.body.toString();
        return { reply: this.errorReply(r.reply.status, text, 'api_error', r.reply.details ?? 'guardrails') };
      }
    }
    const metadata = this.finish(routed, span, parseResponseFacts('openai', completion), completion);
    this.outcome = 'completed';
    return { body: Buffer.from(JSON.stringify(this.client.response(completion))), metadata };
  }

  /**
   * Metrics, the gen_ai.response span and the final metadata. `facts` come from the canonical
   * (OpenAI-form) completion or stream usage, parsed by the same code as kgateway mode.
   */
  private finish(
    routed: Routed,
    span: PhaseSpan,
    facts: ResponseFacts,
    completion: Json | undefined,
  ): DynamicMetadata {
    const prompt = facts.usage?.promptTokens ?? 0;
    const completionTokens = facts.usage?.completionTokens ?? 0;
    const responseModel = facts.responseModel ?? '';
    recordResponseSpan(
      span,
      facts,
      { id: completion?.id, output: completion?.choices },
      this.deps.tracer.includeContent,
    );
    const status = this.status;
    const ttft =
      this.stream && this.firstByteAt !== undefined ? (this.firstByteAt - this.startedAt) / 1000 : undefined;
    this.deps.observer.exchangeCompleted?.({
      labels: { llm: routed.backend.provider, model: routed.requestModel || responseModel, custom: {} },
      requestId: this.requestId,
      operation: operationName(this.path),
      requestModel: routed.requestModel,
      promptTokens: prompt,
      completionTokens,
      cachedInputTokens: facts.usage?.cachedInputTokens,
      cacheCreationInputTokens: facts.usage?.cacheCreationInputTokens,
      reasoningTokens: facts.usage?.reasoningTokens,
      rateLimitedTokens: routed.estimate,
      responseModel,
      streaming: this.stream !== undefined,
      status,
      durationSeconds: (performance.now() - this.startedAt) / 1000,
      timeToFirstTokenSeconds: ttft,
      errorType: errorTypeFor(status),
    });
    return {
      [STANDALONE_NS]: {
        prompt_tokens: prompt,
        completion_tokens: completionTokens,
        total_tokens: prompt + completionTokens,
        model: routed.requestModel,
        provider: routed.backend.provider,
        provider_model: responseModel,
        backend: routed.backend.name,
        streaming: this.stream !== undefined,
      },
    };
  }

  close(outcome: 'completed' | 'cancelled' | 'error' | 'local-reply'): void {
    if (!this.route) return;
    this.deps.log.info(
      {
        requestId: this.requestId,
        route: this.route.name,
        backend: this.routed?.backend.name,
        provider: this.routed?.backend.provider,
        path: this.path,
        model: this.routed?.requestModel,
        status: this.status,
        outcome: outcome === 'local-reply' ? 'rejected' : this.outcome,
        dropped: this.routed?.dropped,
        guards: this.guardDecisions,
        latencyMs: Math.round(performance.now() - this.startedAt),
      },
      'request summary',
    );
  }
}

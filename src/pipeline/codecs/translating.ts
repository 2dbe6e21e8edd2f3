/**
 * Standalone mode's codec: client API ⇄ canonical OpenAI Chat Completions ⇄ provider API.
 *
 * Request: client body → canonical request → model alias → (stages) → provider request, :path,
 * :authority, x-ai-extproc-backend, auth (headers, or SigV4 over the final body), one body reply
 * with clear_route_cache so Envoy routes to the backend's cluster.
 * Response: a 2xx stream is decoded into canonical chunks (stream events the stages see, each
 * carrying its parsed chunk), then encoded once for the client; anything else is buffered and
 * translated once (a success through the stages, an error into the client's format, status kept).
 */
import type { CompiledBackend, CompiledRoute, ModelResolution } from '../../config/standalone/index.js';
import { DROPPED_PARAMS_HEADER, STANDALONE_NS } from '../../config/internal-headers.js';
import { retriesInRequest } from '../../config/standalone/failover-clusters.js';
import { anthropicDroppedParams } from '../../providers/anthropic/index.js';
import { clientAskedStreamUsage, dropInjectedUsageChunk } from '../../providers/openai/index.js';
import { providerAdapterFor } from '../../providers/translate/registry.js';
import { speaksNatively } from '../../providers/translate/native.js';
import { NativeCodec } from './native.js';
import { encodeForTarget } from './target-encoding.js';
import { translated } from './translated.js';
import { upstreamErrorResult } from './upstream-error.js';
import { RetryingRequest, nativeTargetsOnly } from '../attempts/retrying-request.js';
import type { HeldRequests } from '../attempts/held-requests.js';
import { firstTarget } from '../failover.js';
import type { FailoverChoice, FailoverState } from '../failover.js';
import type {
  ClientAdapter,
  ClientApi,
  ClientStreamEncoder,
  OpenAIChatChunk,
  ProviderAdapter,
  ProviderStreamDecoder,
  UpstreamTarget,
} from '../../providers/translate/types.js';
import { TranslationError } from '../../providers/translate/types.js';
import { openAIUsage, parseResponseFacts } from '../../providers/usage.js';
import type { ResponseFacts } from '../../providers/usage.js';
import { contentCoding, decodeContent, stripUtf8Bom } from '../../streaming/content-coding.js';
import type { ContentCoding } from '../../streaming/content-coding.js';
import { RESPONSE_GUARD_FAILURE_MESSAGE } from '../guard-runner.js';
import type { StreamEvent } from '../../streaming/stream-event.js';
import type { LogSink } from '../log.js';
import { refuse } from '../reply.js';
import type { Refusal } from '../reply.js';
import type { BodyResult, Codec, RequestBody, RequestEncoding, ResponseStart } from '../route.js';
import type { ExchangeFacts, ExchangeOutcome, Json } from '../stage.js';
import type { SpanAttributes } from '../tracer.js';
import type { HeaderEdits, HeaderView } from '../types.js';
import { asObj } from '../../json.js';

export { BACKEND_HEADER, DROPPED_PARAMS_HEADER, STANDALONE_NS } from '../../config/internal-headers.js';
export { translated } from './translated.js';

export interface TranslatingDeps {
  readonly maxBodyBytes: number;
  /** Failover aliases: target order and cooldowns, shared by every request (absent: first target). */
  readonly failover?: FailoverState;
  readonly log: LogSink;
  readonly droppedParam?: (provider: string, param: string) => void;
  /** A failover alias's upstream attempt ended (route, target id, ok | http_<status>). */
  readonly upstreamAttempt?: (route: string, target: string, result: string) => void;
  /** Failover inside a request: requests held for their attempts (absent: no retries). */
  readonly attempts?: HeldRequests;
}

interface Stream {
  readonly decoder: ProviderStreamDecoder;
  readonly encoder: ClientStreamEncoder;
  usage: Json | undefined;
  model: string;
  readonly finishReasons: string[];
  failed: boolean;
}

/** A Responses request that uses OpenAI's server-side state. */
const responsesNeedsState = (json: Json): boolean =>
  (json.previous_response_id ?? null) !== null || json.store === true;

export class TranslatingCodec implements Codec {
  readonly holdsRequest = true;
  get streamFailure(): Refusal | undefined {
    return this.native?.streamFailure;
  }
  private backend: CompiledBackend | undefined;
  private target: UpstreamTarget | undefined;
  private adapter: ProviderAdapter | undefined;
  /** The gateway added stream_options.include_usage: an OpenAI client must not see the usage chunk. */
  private injectedUsage = false;
  private clientWantsUsage = false;
  /** The response's content-encoding; undefined: one we cannot decode. */
  private coding: ContentCoding | undefined = 'identity';
  /** A stage reads or rewrites the response (a response guard). */
  private guarded = false;
  /** The client's body arrived compressed; the translated one goes upstream as identity. */
  private decodedRequest = false;
  private stream: Stream | undefined;
  /** Same API in and out: the lossless half (codecs/native.ts). */
  private native: NativeCodec | undefined;
  /** A failover alias: the targets in this request's order (the first one serves). */
  private choice: FailoverChoice | undefined;
  /** A failover alias that retries inside the request: every attempt translated upstream. */
  private retrying: RetryingRequest | undefined;

  /** The client adapter, made for this request when its rendering depends on it (forRequest). */
  private client: ClientAdapter;

  constructor(
    private readonly route: CompiledRoute,
    readonly api: ClientApi,
    client: ClientAdapter,
    private readonly deps: TranslatingDeps,
  ) {
    this.client = client;
  }

  requestHeaderEdits(): undefined {
    return undefined; // every edit rides on the body reply, with the route choice
  }

  decodeRequest(body: RequestBody, x: ExchangeFacts): Json {
    if (body.problem === 'too-large')
      throw refuse(413, 'Request body too large', 'ai_extproc_translation_error');
    if (body.problem === 'encoding')
      throw refuse(
        415,
        'The request body is in an unsupported content-encoding',
        'ai_extproc_translation_error',
      );
    if (body.problem === 'undecodable')
      throw refuse(400, 'The request body could not be decoded', 'ai_extproc_translation_error');
    if (body.problem === 'not-json' || body.problem === 'empty')
      throw refuse(400, 'The request body is not valid JSON', 'ai_extproc_translation_error');
    // The translated body goes upstream unencoded (encodeRequest drops the header).
    this.decodedRequest = body.coding !== undefined && body.coding !== 'identity';
    const json = body.json;
    if (!json) throw refuse(400, 'The request body must be a JSON object', 'ai_extproc_translation_error');
    if (this.sameApi(json, x)) return json;
    if (this.api === 'anthropic') x.dropped.push(...anthropicDroppedParams(json));
    if (this.client.droppedParams) x.dropped.push(...this.client.droppedParams(json));
    const canonical = translated(() => this.client.request(json));
    const own = this.client.forRequest?.(json);
    if (own) {
      this.client = own;
      // A stored answer is rendered by the plain adapter, which would not know this request's tools.
      x.uncacheable = 'request-specific rendering';
    }
    const requestModel = typeof canonical.model === 'string' ? canonical.model : '';
    const resolved = this.resolve(requestModel);
    if ('error' in resolved)
      throw refuse(404, resolved.error, 'ai_extproc_translation_error', 'not_found_error');
    const stream = canonical.stream === true;
    // Whoever adds include_usage (a route policy, or an adapter that always does), a client that
    // did not ask for the usage-only chunk must not receive it.
    this.clientWantsUsage = this.api !== 'openai' || clientAskedStreamUsage(canonical);
    this.injectedUsage = stream && !this.clientWantsUsage;
    this.backend = resolved.backend;
    this.target = resolved.backend.target(resolved.model, stream);
    this.adapter = providerAdapterFor(this.target);
    const c = this.choice;
    this.retrying = RetryingRequest.start(
      this.deps,
      this.deps.attempts,
      c,
      this.route.name,
      stream,
      body.bytes,
      this.decodedRequest,
    );
    x.provider = resolved.backend.provider;
    x.backend = resolved.backend.name;
    x.model = requestModel;
    x.streaming = stream;
    return canonical;
  }

  /** The model alias; a failover alias is planned once per request (both resolutions see one plan). */
  private resolve(requestModel: string): ModelResolution {
    const resolved = this.route.resolveModel(requestModel || undefined);
    if ('error' in resolved || resolved.failover === undefined || this.deps.failover === undefined)
      return resolved;
    this.choice ??= this.deps.failover.plan(resolved.failover);
    return firstTarget(this.choice);
  }

  /**
   * Same API in and out (client API == the backend's): the native codec takes over, lossless.
   * The model alias is resolved from the client's own `model` (both APIs name it so).
   */
  private sameApi(json: Json, x: ExchangeFacts): boolean {
    const named = this.client.pathModel;
    const requestModel = named ? named.model : typeof json.model === 'string' ? json.model : '';
    let resolved = this.resolve(requestModel);
    if ('error' in resolved) return false;
    const stream = named ? named.stream : json.stream === true;
    if (this.choice) {
      // Failover: server-side state stays with its provider (never retried elsewhere); any other
      // request of a retrying alias is translated per attempt from the canonical form.
      if (this.api === 'openai-responses' && responsesNeedsState(json)) {
        this.choice = nativeTargetsOnly(this.choice, this.api, stream);
        resolved = firstTarget(this.choice);
      } else if (this.deps.attempts && retriesInRequest(this.choice.failover)) return false;
    }
    const target = resolved.backend.target(resolved.model, stream);
    if (!speaksNatively(target, this.api)) return false;
    // A Responses body on OpenAI goes native, lossless (OpenAI's encrypted reasoning, include, phase),
    // unless the route needs the canonical form (response guards, cache): then a stateless one is
    // translated and a stateful one refused (where a response guard could not read its answer).
    if (this.api === 'openai-responses') {
      const canonicalOnly =
        this.route.policy.guards.response !== undefined || this.route.policy.cache !== undefined;
      if (!responsesNeedsState(json) && canonicalOnly) return false;
      if (this.route.policy.guards.response !== undefined)
        throw refuse(
          400,
          'previous_response_id and store: true are not available on a route with response guards; send the whole conversation in input with store: false',
          'ai_extproc_translation_error',
        );
    }
    this.native = new NativeCodec(
      {
        api: this.api,
        backend: resolved.backend,
        target,
        routeName: this.route.name,
        encodedRequest: this.decodedRequest,
        maxBodyBytes: this.deps.maxBodyBytes,
        droppedParam: this.deps.droppedParam,
        ...(this.api === 'gemini' ? { geminiSse: this.client.streamContentType !== 'application/json' } : {}),
      },
      json,
      x,
    );
    x.provider = resolved.backend.provider;
    x.backend = resolved.backend.name;
    x.model = requestModel;
    x.streaming = stream;
    return true;
  }

  release(outcome: ExchangeOutcome): void {
    this.retrying?.end(outcome);
  }

  spanAttributes(x: ExchangeFacts): SpanAttributes {
    return { 'ai_extproc.backend': x.backend, 'ai_extproc.route': this.route.name };
  }

  encodeRequest(canonical: Json, changed: boolean, x: ExchangeFacts): RequestEncoding {
    const e = this.encodeFor(canonical, changed, x);
    const c = this.choice;
    if (!c) return e;
    // Which failover target serves (Envoy's access log reads it with the backend).
    const ns = { ...e.metadata?.[STANDALONE_NS], failover_target: c.order[0]!.id };
    return { ...e, metadata: { ...e.metadata, [STANDALONE_NS]: ns } };
  }

  private encodeFor(canonical: Json, changed: boolean, x: ExchangeFacts): RequestEncoding {
    if (this.native) return this.native.encodeRequest(canonical, changed, x);
    const held = this.retrying?.hold(canonical, x);
    if (held) return held;
    this.retrying = undefined; // the held store is full: the first target alone
    const spec = {
      backend: this.backend!,
      target: this.target!,
      adapter: this.adapter!,
      routeName: this.route.name,
      decodedRequest: this.decodedRequest,
    };
    return encodeForTarget(canonical, spec, x.headers, x.dropped, x.estimate, this.deps.droppedParam);
  }

  responseHeaders(
    headers: HeaderView,
    x: ExchangeFacts,
    rewrite: 'hold' | 'rewrite' | undefined,
  ): ResponseStart {
    const c = this.choice;
    const served = this.retrying?.served(x);
    if (served) {
      // The attempt that answered: its provider's answer is translated back.
      this.backend = served.backend;
      this.target = served.backend.target(served.model, this.target!.stream);
      this.adapter = providerAdapterFor(this.target);
    } else if (c && x.status !== undefined) {
      const served = c.order[0]!;
      this.deps.failover?.answered(served, c.failover, x.status, headers);
      const result = x.status >= 200 && x.status < 300 ? 'ok' : `http_${x.status}`;
      this.deps.upstreamAttempt?.(this.route.name, served.id, result);
    }
    if (this.native) return this.native.responseHeaders(headers, x, rewrite);
    this.coding = contentCoding(headers.get('content-encoding'));
    this.guarded = rewrite !== undefined;
    const ok = x.status !== undefined && x.status >= 200 && x.status < 300;
    const set: [string, string][] = [];
    const remove: string[] = ['content-length'];
    if (x.dropped.length > 0) set.push([DROPPED_PARAMS_HEADER, [...new Set(x.dropped)].join(',')]);
    const edits = (): HeaderEdits => ({ set, remove });
    if (ok && this.target!.stream && this.coding === 'identity') {
      this.stream = {
        decoder: this.adapter!.stream(this.target!),
        encoder: this.client.stream(),
        usage: undefined,
        model: '',
        finishReasons: [],
        failed: false,
      };
      x.responseStreaming = true;
      set.push(
        ['content-type', this.client.streamContentType ?? 'text/event-stream'],
        ['cache-control', 'no-cache'],
      );
      return { plan: 'transform', stream: true, headers: edits() };
    }
    // JSON success or any error: buffered, translated once, sent as identity-encoded JSON.
    set.push(['content-type', 'application/json']);
    remove.push('content-encoding');
    return { plan: 'buffer', stream: false, headers: edits() };
  }

  /** Canonical chunks → stream events (facts taken on the way). */
  private events(chunks: readonly OpenAIChatChunk[]): StreamEvent[] {
    const s = this.stream!;
    const out: StreamEvent[] = [];
    for (const c of chunks) {
      const usage = asObj(c.usage);
      if (usage) s.usage = usage;
      if (!s.model && typeof c.model === 'string') s.model = c.model;
      for (const choice of Array.isArray(c.choices) ? (c.choices as unknown[]) : []) {
        const reason = asObj(choice)?.finish_reason;
        if (typeof reason === 'string') s.finishReasons.push(reason);
      }
      out.push({ data: JSON.stringify(c), json: c });
    }
    return out;
  }

  /** A mid-stream failure: one error event for the client, then nothing more. */
  private failure(err: unknown, x: ExchangeFacts): StreamEvent[] {
    const s = this.stream!;
    s.failed = true;
    x.outcome = 'upstream-error';
    const e =
      err instanceof TranslationError
        ? err
        : new TranslationError(502, 'upstream stream failed', 'api_error');
    // The provider's message may quote what it was sent: only its class goes to warn.
    this.deps.log.warn({ requestId: x.requestId, status: e.status, type: e.type }, 'upstream stream failed');
    const json = { error: { message: e.message, type: e.type, status: e.status } };
    return [{ event: 'error', data: JSON.stringify(json), json }];
  }

  streamChunk(chunk: Buffer, x: ExchangeFacts): readonly StreamEvent[] {
    if (this.native) return this.native.streamChunk(chunk);
    const s = this.stream;
    if (!s || s.failed) return [];
    try {
      return this.events(s.decoder.push(chunk));
    } catch (err) {
      return this.failure(err, x);
    }
  }

  streamEnd(x: ExchangeFacts): readonly StreamEvent[] {
    if (this.native) return this.native.streamEnd();
    const s = this.stream;
    if (!s || s.failed) return [];
    try {
      return this.events(s.decoder.end());
    } catch (err) {
      return this.failure(err, x);
    }
  }

  encodeEvents(events: readonly StreamEvent[]): string {
    if (this.native) return this.native.encodeEvents(events);
    const s = this.stream!;
    if (this.api === 'openai') {
      let out = '';
      for (const ev of events) {
        const e = ev.event === 'error' ? asObj(ev.json?.error) : undefined;
        if (e) {
          const err = { status: Number(e.status), message: String(e.message), type: String(e.type) };
          out += `data: ${JSON.stringify(this.client.error(err))}\n\n`;
        } else if (this.injectedUsage && ev.json && 'usage' in ev.json) {
          for (const c of dropInjectedUsageChunk([ev.json])) out += `data: ${JSON.stringify(c)}\n\n`;
        } else out += `data: ${ev.data}\n\n`;
      }
      return out;
    }
    const chunks = events.map((ev) => ev.json ?? asObj(JSON.parse(ev.data)) ?? {});
    return s.encoder.push(chunks);
  }

  encodeStreamEnd(): string {
    if (this.native) return '';
    const s = this.stream;
    return !s || s.failed ? '' : s.encoder.end();
  }

  streamFacts(): ResponseFacts {
    if (this.native) return this.native.streamFacts();
    const s = this.stream!;
    const usage = openAIUsage(s.usage);
    return {
      ...(usage ? { usage } : {}),
      responseModel: s.model,
      finishReasons: s.finishReasons,
      isToolCall: false,
    };
  }

  bodyEnd(held: Buffer | undefined, x: ExchangeFacts): BodyResult {
    if (this.native) return this.native.bodyEnd(held, x);
    const raw = held ?? Buffer.alloc(0);
    const ok = x.status !== undefined && x.status >= 200 && x.status < 300;
    let bytes: Buffer | undefined;
    try {
      bytes =
        this.coding === undefined
          ? undefined
          : stripUtf8Bom(decodeContent(raw, this.coding, this.deps.maxBodyBytes));
    } catch {
      /* handled below */
    }
    if (!ok) return upstreamErrorResult(this.adapter, this.client, x.status, bytes);
    let json: Json | undefined;
    try {
      if (bytes) json = asObj(JSON.parse(bytes.toString('utf8')));
    } catch {
      /* handled below */
    }
    // A guarded answer its guards cannot read fails closed, as a guard failure.
    if (!json && this.guarded)
      throw refuse(500, RESPONSE_GUARD_FAILURE_MESSAGE, 'guardrails_unreadable_body', 'api_error');
    if (!json)
      throw refuse(
        502,
        'The upstream answered with a body that is not JSON',
        'ai_extproc_translation_error',
        'api_error',
      );
    const completion = translated(() => this.adapter!.response(json, this.target!));
    return { kind: 'completion', completion, facts: parseResponseFacts('openai', completion) };
  }

  encodeBody(completion: Json | undefined, changed: boolean): Buffer | undefined {
    if (this.native) return this.native.encodeBody(completion, changed);
    return Buffer.from(JSON.stringify(this.client.response(completion ?? {})));
  }
}

/**
 * Standalone mode, same API in and out (an Anthropic client on an Anthropic backend, an OpenAI
 * client on OpenAI or Azure OpenAI; see providers/translate/native.ts): nothing is translated.
 * The stages see the client's own body (x.family is the client's API; the pure guards read every
 * family) and edit it in place; the codec sends the original bytes when nothing changed and the
 * edited body when something did, so every field (thinking signatures, cache_control, server
 * tools, citations, fields we do not know) reaches the provider as the client wrote it.
 *
 * What still changes, as on the translated path: the model alias becomes the provider model, a
 * streaming OpenAI request gets stream_options.include_usage (and the usage the client did not
 * ask for is kept from it), routing/auth headers. Answers pass byte-identical unless a response
 * guard rewrites them or usage was injected; upstream errors are already in the client's format.
 */
import { upstreamHeaders } from './upstream-headers.js';
import type { CompiledBackend } from '../../config/standalone/index.js';
import { DROPPED_PARAMS_HEADER, STANDALONE_NS } from '../../config/internal-headers.js';
import { clientAskedStreamUsage, dropInjectedUsageChunk } from '../../providers/openai/index.js';
import { nativeUpstream } from '../../providers/translate/native.js';
import {
  BEDROCK_EVENT_STREAM,
  BedrockInvokeStream,
  claudePlatform,
  claudePlatformError,
  toClaudePlatformBody,
} from '../../providers/claude-platforms/index.js';
import type { ClaudePlatform } from '../../providers/claude-platforms/index.js';
import type { ClientApi, UpstreamTarget } from '../../providers/translate/types.js';
import { StreamFactsAccumulator, parseResponseFacts } from '../../providers/usage.js';
import type { ResponseFacts } from '../../providers/usage.js';
import { contentCoding, decodeContent, encodeContent, stripUtf8Bom } from '../../streaming/content-coding.js';
import type { ContentCoding } from '../../streaming/content-coding.js';
import { SseDecoder } from '../../streaming/sse-decoder.js';
import type { StreamEvent } from '../../streaming/stream-event.js';
import { encodeSse } from '../../streaming/stream-event.js';
import { asObj, isObj } from '../../json.js';
import { RESPONSE_GUARD_FAILURE_MESSAGE } from '../guard-runner.js';
import { translated } from './translated.js';
import { RefusalError, refuse } from '../reply.js';
import type { Refusal } from '../reply.js';
import type { BodyResult, RequestEncoding, ResponseStart } from '../route.js';
import type { ExchangeFacts, Json } from '../stage.js';
import type { HeaderEdits, HeaderView } from '../types.js';

const NO_FACTS: ResponseFacts = { finishReasons: [], isToolCall: false };

export interface NativeParts {
  readonly api: ClientApi;
  readonly backend: CompiledBackend;
  readonly target: UpstreamTarget;
  readonly routeName: string;
  /** The client's body arrived content-encoded. */
  readonly encodedRequest: boolean;
  readonly maxBodyBytes: number;
  readonly droppedParam: ((provider: string, param: string) => void) | undefined;
  /** A Gemini client: its stream form (SSE, or false for the JSON array); the model is in the path. */
  readonly geminiSse?: boolean;
}

/** The same-API half of the standalone codec (TranslatingCodec hands over to it). */
export class NativeCodec {
  streamFailure: Refusal | undefined;
  /** The gateway added stream_options.include_usage: the client must not see the usage. */
  private injectedUsage = false;
  private readonly clientWantsUsage: boolean;
  private coding: ContentCoding | undefined = 'identity';
  private guarded = false;
  private sse: { decoder: SseDecoder; facts: StreamFactsAccumulator } | undefined;
  /** Claude on Vertex or Bedrock: the Messages API with the platform's body, path and errors. */
  private readonly platform: ClaudePlatform | undefined;
  /** Bedrock InvokeModel's event-stream, read into Anthropic events. */
  private invoke: { decoder: BedrockInvokeStream; facts: StreamFactsAccumulator } | undefined;
  private amznErrorType: string | undefined;
  /** The parsed answer's root (a Gemini JSON-array stream is an array), kept for a rewrite. */
  private root: unknown;

  constructor(
    private readonly p: NativeParts,
    client: Json,
    x: ExchangeFacts,
  ) {
    // A Responses body is read by the stages as OpenAI's (usage fields differ; see encodeRequest).
    x.family = p.api === 'openai-responses' ? 'openai' : p.api;
    this.platform = claudePlatform(p.target);
    this.clientWantsUsage = p.api === 'anthropic' || clientAskedStreamUsage(client);
  }

  encodeRequest(body: Json, changed: boolean, x: ExchangeFacts): RequestEncoding {
    const { backend, target } = this.p;
    let edited = changed;
    if (this.platform !== undefined) {
      toClaudePlatformBody(this.platform, body, target.stream, x.headers.get('anthropic-beta'));
      edited = true;
    } else if (this.p.api !== 'gemini' && body.model !== target.model) {
      body.model = target.model;
      edited = true;
    }
    if (this.p.api === 'openai') edited = this.openaiStreamOptions(body, x) || edited;
    // Responses streams always end with their usage; stream_options.include_usage (a route's stream
    // usage default) is not a Responses field.
    if (this.p.api === 'openai-responses' && asObj(body.stream_options)?.include_usage !== undefined) {
      delete body.stream_options;
      edited = true;
    }
    for (const param of x.dropped) this.p.droppedParam?.(backend.provider, param);
    // A misconfigured Gemini/Vertex backend is a 500 in the client's format, not a crash.
    const up = translated(() => nativeUpstream(target, this.p.api, this.p.geminiSse ?? true));
    // An edited body goes upstream as identity JSON; an unchanged one keeps its bytes and coding.
    const send = edited || this.p.encodedRequest;
    const out = send ? Buffer.from(JSON.stringify(body)) : undefined;
    if (backend.authFor(x.headers).kind === 'sigv4' && this.platform !== 'bedrock')
      throw refuse(500, 'SigV4 is not a same-API backend', 'ai_extproc_translation_error', 'api_error');
    const { set, remove } = upstreamHeaders(
      backend,
      { path: up.path, headers: up.headers, body: out },
      x.headers,
      send && this.p.encodedRequest,
    );
    return {
      ...(out ? { body: out } : {}),
      headers: { set, remove },
      clearRouteCache: true,
      metadata: {
        [STANDALONE_NS]: { backend: backend.name, route: this.p.routeName, rate_limited_tokens: x.estimate },
      },
    };
  }

  /** OpenAI: usage on streams (the gateway needs it); no stream_options without a stream. */
  private openaiStreamOptions(body: Json, x: ExchangeFacts): boolean {
    const opts = body.stream_options;
    if (!this.p.target.stream) {
      if (opts === undefined) return false;
      if (opts !== null) x.dropped.push('stream_options');
      delete body.stream_options;
      return true;
    }
    this.injectedUsage = !this.clientWantsUsage;
    if (isObj(opts) && opts.include_usage === true) return false;
    body.stream_options = { ...asObj(opts), include_usage: true };
    return true;
  }

  responseHeaders(
    headers: HeaderView,
    x: ExchangeFacts,
    rewrite: 'hold' | 'rewrite' | undefined,
  ): ResponseStart {
    this.coding = contentCoding(headers.get('content-encoding'));
    const ok = x.status !== undefined && x.status >= 200 && x.status < 300;
    this.guarded = rewrite !== undefined && ok;
    const set: [string, string][] = [];
    const remove: string[] = [];
    if (x.dropped.length > 0) set.push([DROPPED_PARAMS_HEADER, [...new Set(x.dropped)].join(',')]);
    const edits = (): HeaderEdits => ({ set, remove });
    const type = (headers.get('content-type') ?? '').toLowerCase();
    const sse = type.startsWith('text/event-stream');
    this.amznErrorType = headers.get('x-amzn-errortype');
    if (ok && type.startsWith(BEDROCK_EVENT_STREAM) && this.platform === 'bedrock' && this.p.target.stream) {
      // Bedrock's frames become the Anthropic SSE the client reads: always rewritten.
      x.responseStreaming = true;
      if (this.coding !== 'identity')
        return { plan: 'observe', stream: false, refusal: unreadable('compressed_stream_cannot_be_read') };
      this.invoke = {
        decoder: new BedrockInvokeStream(this.p.maxBodyBytes),
        facts: new StreamFactsAccumulator(this.p.api),
      };
      set.push(['content-type', 'text/event-stream'], ['cache-control', 'no-cache']);
      remove.push('content-length');
      return { plan: 'transform', stream: true, headers: edits() };
    }
    if (!ok && this.platform !== undefined) set.push(['content-type', 'application/json']);
    if (ok && sse && this.p.target.stream) {
      x.responseStreaming = true;
      if (this.coding !== 'identity')
        // Compressed SSE cannot be read event by event: guarded, it fails closed; else it passes.
        return rewrite === 'rewrite'
          ? { plan: 'observe', stream: false, refusal: unreadable('compressed_stream_cannot_be_guarded') }
          : { plan: 'observe', stream: false, headers: edits() };
      this.sse = { decoder: new SseDecoder(), facts: new StreamFactsAccumulator(this.p.api) };
      const transform = rewrite === 'rewrite' || this.injectedUsage;
      if (transform) remove.push('content-length');
      return { plan: transform ? 'transform' : 'observe', stream: true, headers: edits() };
    }
    // Gemini's JSON-array stream is one JSON body that grows: observed, or held whole for a guard.
    if (ok && this.p.api === 'gemini' && this.p.target.stream) x.responseStreaming = true;
    // Errors are buffered (the summary counts them); a guarded answer is held for its guards.
    const buffer = !ok || this.guarded;
    if (buffer) remove.push('content-length');
    return { plan: buffer ? 'buffer' : 'observe', stream: false, headers: edits() };
  }

  streamChunk(chunk: Buffer): readonly StreamEvent[] {
    if (this.invoke) return this.invokeEvents(this.invoke.decoder.push(chunk));
    const sse = this.sse;
    if (!sse || this.streamFailure) return [];
    try {
      const events = sse.decoder.push(chunk);
      for (const ev of events) sse.facts.onEvent(this.factsEvent(ev));
      return events;
    } catch {
      // An event over the limit: unguarded bytes still flow; a rewritten stream fails closed.
      this.streamFailure = unreadable('sse_event_too_large');
      return [];
    }
  }

  streamEnd(): readonly StreamEvent[] {
    if (this.invoke) return this.invokeEvents(this.invoke.decoder.end());
    const sse = this.sse;
    if (!sse || this.streamFailure) return [];
    try {
      const last = sse.decoder.end();
      for (const ev of last) sse.facts.onEvent(this.factsEvent(ev));
      return last;
    } catch {
      return [];
    }
  }

  /**
   * A Responses stream's usage and model are in its last event's `response` (input_tokens…, which the
   * OpenAI facts parser reads): that object is what the facts see.
   */
  private factsEvent(ev: StreamEvent): StreamEvent {
    if (this.p.api !== 'openai-responses' || !/^response\.(completed|incomplete)$/.test(ev.event ?? ''))
      return ev;
    const response = asObj(asObj(safeParse(ev.data))?.response);
    return response ? { data: JSON.stringify(response), json: response } : ev;
  }

  encodeEvents(events: readonly StreamEvent[]): string {
    let out = '';
    for (const ev of events) {
      if (this.injectedUsage && ev.data.includes('"usage"')) {
        const json = ev.json ?? asObj(safeParse(ev.data));
        if (json && 'usage' in json) {
          for (const c of dropInjectedUsageChunk([json])) out += `data: ${JSON.stringify(c)}\n\n`;
          continue;
        }
      }
      out += encodeSse(ev);
    }
    return out;
  }

  private invokeEvents(events: readonly StreamEvent[]): readonly StreamEvent[] {
    for (const ev of events) this.invoke?.facts.onEvent(ev);
    return events;
  }

  streamFacts(): ResponseFacts {
    return (this.invoke ?? this.sse)?.facts.facts ?? NO_FACTS;
  }

  bodyEnd(raw: Buffer | undefined, x: ExchangeFacts): BodyResult {
    const ok = x.status !== undefined && x.status >= 200 && x.status < 300;
    // The provider's error is already in the client's API format: it goes back as it came.
    if (!ok && this.platform !== undefined) {
      const body = claudePlatformError(
        this.platform,
        x.status ?? 502,
        raw ?? Buffer.alloc(0),
        this.amznErrorType,
      );
      return { kind: 'upstream-error', body, facts: NO_FACTS };
    }
    if (!ok) return { kind: 'upstream-error', body: raw ?? Buffer.alloc(0), facts: NO_FACTS };
    let json: Json | undefined;
    let chunks: Json[] | undefined;
    try {
      if (raw && this.coding !== undefined) {
        const parsed: unknown = JSON.parse(
          stripUtf8Bom(decodeContent(raw, this.coding, this.p.maxBodyBytes)).toString('utf8'),
        );
        this.root = parsed;
        if (Array.isArray(parsed) && this.p.api === 'gemini') {
          // Gemini's JSON-array stream: the chunks in order; the last carries the usage.
          chunks = parsed.map((c) => asObj(c)).filter((c): c is Json => c !== undefined);
          json = chunks[chunks.length - 1];
        } else json = asObj(parsed);
      }
    } catch {
      /* handled below */
    }
    if (!json) {
      if (this.guarded) throw new RefusalError(unreadable('unreadable_body'));
      // Not JSON (a proxy's HTML page): it went to the client as it came; no usage to report.
      x.outcome = 'upstream-error';
      return { kind: 'completion', completion: undefined, facts: NO_FACTS };
    }
    const facts = parseResponseFacts(this.p.api, json);
    return chunks
      ? { kind: 'completion', completion: json, facts, chunks }
      : { kind: 'completion', completion: json, facts };
  }

  encodeBody(completion: Json | undefined, changed: boolean): Buffer | undefined {
    if (!changed || !completion) return undefined;
    // A rewritten JSON-array stream keeps its shape (its chunks were edited in place).
    const out = Array.isArray(this.root) ? this.root : completion;
    return encodeContent(Buffer.from(JSON.stringify(out)), this.coding ?? 'identity');
  }
}

const unreadable = (code: string): Refusal => ({
  status: 500,
  message: RESPONSE_GUARD_FAILURE_MESSAGE,
  code: `guardrails_${code}`,
});

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

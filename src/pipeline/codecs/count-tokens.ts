/**
 * Token counting (standalone mode): Anthropic's `POST /v1/messages/count_tokens` and Gemini's
 * `models/{m}:countTokens`. On a backend that speaks the client's API (Anthropic; Gemini or Vertex
 * AI) the request goes there as the client wrote it (the model alias made the provider model, the
 * gateway's credential): the answer is the provider's own count. Any other backend has no such
 * endpoint for this body, so the gateway answers from its own prompt estimate (the prompt-estimate
 * stage's count of the client's body) in the client's shape (`{"input_tokens": N}`,
 * `{"totalTokens": N}`), with `x-ai-extproc-token-count: estimate` so the client can tell. That
 * answer is served, not refused (it counts as completed). Counting is not generating: no guards,
 * defaults or budgets run on these routes.
 */
import { upstreamHeaders } from './upstream-headers.js';
import type { CompiledBackend, CompiledRoute } from '../../config/standalone/index.js';
import { STANDALONE_NS, TOKEN_COUNT_HEADER } from '../../config/internal-headers.js';
import { DEFAULT_ANTHROPIC_VERSION } from '../../providers/anthropic/index.js';
import type { GeminiCall } from '../../providers/gemini-client/index.js';
import { nativeUpstream } from '../../providers/translate/native.js';
import { claudePlatform } from '../../providers/claude-platforms/index.js';
import { translated } from './translated.js';
import type { ResponseFacts } from '../../providers/usage.js';
import type { StreamEvent } from '../../streaming/stream-event.js';
import { asObj } from '../../json.js';
import { AnswerError, refuse } from '../reply.js';
import type { BodyResult, Codec, RequestBody, RequestEncoding, ResponseStart } from '../route.js';
import type { ExchangeFacts, Json } from '../stage.js';
import type { SpanAttributes } from '../tracer.js';
import type { LocalReply } from '../types.js';

export const COUNT_TOKENS_PATH = '/v1/messages/count_tokens';
const COUNT_TOKENS = /\/messages\/count_tokens\/?$/;
/** Envoy's response code details of the gateway's own count. */
export const ESTIMATE_CODE = 'ai_extproc_token_count_estimate';

const NO_FACTS: ResponseFacts = { finishReasons: [], isToolCall: false };

/** Whether a request path is Anthropic's count_tokens. */
export function isCountTokensPath(path: string): boolean {
  return COUNT_TOKENS.test(path.split('?')[0] ?? '');
}

export class CountTokensCodec implements Codec {
  readonly holdsRequest = true;
  readonly streamFailure = undefined;
  private backend: CompiledBackend | undefined;
  private model = '';
  /** A Gemini countTokens body as the client sent it (the estimate reads its contents). */
  private geminiBody: Json | undefined;

  /** `gemini`: a Gemini client's `:countTokens` call (else Anthropic's count_tokens). */
  constructor(
    private readonly route: CompiledRoute,
    private readonly gemini?: GeminiCall,
  ) {}

  requestHeaderEdits(): undefined {
    return undefined;
  }

  decodeRequest(body: RequestBody, x: ExchangeFacts): Json {
    if (body.problem === 'too-large')
      throw refuse(413, 'Request body too large', 'ai_extproc_translation_error');
    const json = body.json;
    if (body.problem !== undefined || !json)
      throw refuse(400, 'The request body must be a JSON object', 'ai_extproc_translation_error');
    const requestModel = this.gemini ? this.gemini.model : typeof json.model === 'string' ? json.model : '';
    const resolved = this.route.resolveModel(requestModel || undefined);
    if ('error' in resolved)
      throw refuse(404, resolved.error, 'ai_extproc_translation_error', 'not_found_error');
    this.backend = resolved.backend;
    this.model = resolved.model;
    x.family = this.gemini ? 'gemini' : 'anthropic';
    x.provider = resolved.backend.provider;
    x.backend = resolved.backend.name;
    x.model = requestModel;
    x.streaming = false;
    if (!this.gemini) return json;
    this.geminiBody = json;
    // `{generateContentRequest: {...}}` counts that request's contents (what the estimate reads).
    return asObj(json.generateContentRequest) ?? json;
  }

  spanAttributes(x: ExchangeFacts): SpanAttributes {
    return { 'ai_extproc.backend': x.backend, 'ai_extproc.route': this.route.name };
  }

  /** The backend counts this API's requests itself. */
  private counts(backend: CompiledBackend): boolean {
    if (!this.gemini) return backend.provider === 'anthropic';
    const p = backend.provider;
    return (
      (p === 'gemini' || p === 'vertex-ai') &&
      claudePlatform({ provider: p, model: this.model }) === undefined
    );
  }

  encodeRequest(body: Json, _changed: boolean, x: ExchangeFacts): RequestEncoding {
    const backend = this.backend!;
    // Not counted there: the gateway's own count is the answer.
    if (!this.counts(backend)) throw new AnswerError(this.estimateReply(x.estimate));
    const headers: [string, string][] = [['content-type', 'application/json']];
    let out: Json;
    let path: string;
    if (this.gemini) {
      out = this.geminiBody!;
      path = geminiCountPath(backend, this.model);
      const inner = asObj(out.generateContentRequest);
      if (inner && typeof inner.model === 'string') inner.model = `models/${this.model}`;
    } else {
      out = body;
      out.model = this.model;
      path = COUNT_TOKENS_PATH;
      headers.push(['anthropic-version', backend.settings.anthropicVersion ?? DEFAULT_ANTHROPIC_VERSION]);
    }
    if (backend.authFor(x.headers).kind === 'sigv4')
      throw refuse(500, 'SigV4 is not a counting backend', 'ai_extproc_translation_error', 'api_error');
    const bytes = Buffer.from(JSON.stringify(out));
    // The count request is always identity JSON of our own.
    const { set, remove } = upstreamHeaders(backend, { path, headers, body: bytes }, x.headers, true);
    return {
      body: bytes,
      headers: { set, remove },
      clearRouteCache: true,
      metadata: {
        [STANDALONE_NS]: { backend: backend.name, route: this.route.name, rate_limited_tokens: 0 },
      },
    };
  }

  /** The gateway's own count in the client's shape, marked as an estimate. */
  private estimateReply(tokens: number): LocalReply {
    const body = this.gemini ? { totalTokens: tokens } : { input_tokens: tokens };
    return {
      status: 200,
      body: JSON.stringify(body),
      headers: [
        ['content-type', 'application/json'],
        [TOKEN_COUNT_HEADER, 'estimate'],
      ],
      details: ESTIMATE_CODE,
    };
  }

  responseHeaders(): ResponseStart {
    // The provider's answer (count or error) is already in the client's format: it passes as it came.
    return { plan: 'observe', stream: false };
  }

  streamChunk(): readonly StreamEvent[] {
    return [];
  }
  streamEnd(): readonly StreamEvent[] {
    return [];
  }
  encodeEvents(): string {
    return '';
  }
  encodeStreamEnd(): string {
    return '';
  }
  streamFacts(): ResponseFacts {
    return NO_FACTS;
  }

  bodyEnd(raw: Buffer | undefined, x: ExchangeFacts): BodyResult {
    const ok = x.status !== undefined && x.status >= 200 && x.status < 300;
    if (!ok) return { kind: 'upstream-error', body: raw ?? Buffer.alloc(0), facts: NO_FACTS };
    return { kind: 'completion', completion: undefined, facts: NO_FACTS };
  }

  encodeBody(): undefined {
    return undefined;
  }
}

/** `…/models/{m}:countTokens` on the Gemini or Vertex AI backend. */
function geminiCountPath(backend: CompiledBackend, model: string): string {
  const path = translated(() => nativeUpstream(backend.target(model, false), 'gemini').path);
  return path.replace(/:generateContent$/, ':countTokens');
}

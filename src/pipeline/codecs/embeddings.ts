/**
 * Standalone mode's embeddings codec (`POST …/embeddings`, OpenAI format in and out): the stages see
 * the client's OpenAI embeddings body (x.family 'openai'; the guards read `input`), the codec turns
 * it into the backend's embeddings request (providers/embeddings) and the answer back into OpenAI's.
 * OpenAI and Azure OpenAI get the body as it is but for the model, and their answer passes
 * unchanged (lossless). Embeddings never stream: every answer is buffered, read for its usage
 * (the provider's count, or our estimate where it reports none) and translated once.
 */
import { upstreamHeaders } from './upstream-headers.js';
import type { CompiledBackend, CompiledRoute } from '../../config/standalone/index.js';
import { DROPPED_PARAMS_HEADER, STANDALONE_NS } from '../../config/internal-headers.js';
import type { EmbeddingsCall } from '../../providers/embeddings/index.js';
import {
  embedsText,
  fromProviderEmbeddingsError,
  fromProviderEmbeddingsResponse,
  nativeEmbeddings,
  toProviderEmbeddingsRequest,
} from '../../providers/embeddings/index.js';
import { openaiClient } from '../../providers/openai/index.js';
import type { UpstreamTarget } from '../../providers/translate/types.js';
import type { ResponseFacts } from '../../providers/usage.js';
import { contentCoding, decodeContent, stripUtf8Bom } from '../../streaming/content-coding.js';
import type { ContentCoding } from '../../streaming/content-coding.js';
import type { StreamEvent } from '../../streaming/stream-event.js';
import { asCount, asObj } from '../../json.js';
import { refuse } from '../reply.js';
import type { BodyResult, Codec, RequestBody, RequestEncoding, ResponseStart } from '../route.js';
import type { ExchangeFacts, Json } from '../stage.js';
import type { SpanAttributes } from '../tracer.js';
import type { HeaderView } from '../types.js';
import type { TranslatingDeps } from './translating.js';
import { translated } from './translated.js';

const NO_FACTS: ResponseFacts = { finishReasons: [], isToolCall: false };
const CODE = 'ai_extproc_translation_error';
/** Bedrock's count of the input tokens of an InvokeModel call. */
const BEDROCK_TOKENS_HEADER = 'x-amzn-bedrock-input-token-count';

/** `…/embeddings` (OpenAI's path, under any route prefix). */
export function isEmbeddingsPath(path: string): boolean {
  return /\/embeddings\/?$/.test(path.split('?')[0] ?? '');
}

export class EmbeddingsCodec implements Codec {
  readonly holdsRequest = true;
  readonly streamFailure = undefined;
  private backend: CompiledBackend | undefined;
  private target: UpstreamTarget | undefined;
  private call: EmbeddingsCall | undefined;
  private coding: ContentCoding | undefined = 'identity';
  private headerTokens: number | undefined;
  /** The client's body arrived compressed; the one sent upstream is identity JSON. */
  private decodedRequest = false;

  constructor(
    private readonly route: CompiledRoute,
    private readonly deps: TranslatingDeps,
  ) {}

  private get native(): boolean {
    return this.backend !== undefined && nativeEmbeddings(this.backend.provider);
  }

  requestHeaderEdits(): undefined {
    return undefined; // every edit rides on the body reply, with the route choice
  }

  decodeRequest(body: RequestBody, x: ExchangeFacts): Json {
    if (body.problem === 'too-large') throw refuse(413, 'Request body too large', CODE);
    if (body.problem === 'encoding')
      throw refuse(415, 'The request body is in an unsupported content-encoding', CODE);
    if (body.problem === 'undecodable') throw refuse(400, 'The request body could not be decoded', CODE);
    const json = body.json;
    if (!json) throw refuse(400, 'The request body must be a JSON object', CODE);
    this.decodedRequest = body.coding !== undefined && body.coding !== 'identity';
    const requestModel = typeof json.model === 'string' ? json.model : '';
    const resolved = this.route.resolveModel(requestModel || undefined);
    if ('error' in resolved) throw refuse(404, resolved.error, CODE, 'not_found_error');
    const backend = resolved.backend;
    if (!embedsText(backend.provider))
      throw refuse(400, `backend ${backend.name} (${backend.provider}) has no embeddings API`, CODE);
    this.backend = backend;
    this.target = backend.target(resolved.model, false);
    x.family = 'openai';
    x.provider = backend.provider;
    x.backend = backend.name;
    x.model = requestModel;
    x.streaming = false;
    return json;
  }

  spanAttributes(x: ExchangeFacts): SpanAttributes {
    return { 'ai_extproc.backend': x.backend, 'ai_extproc.route': this.route.name };
  }

  encodeRequest(canonical: Json, _changed: boolean, x: ExchangeFacts): RequestEncoding {
    const backend = this.backend!;
    const out = translated(() => toProviderEmbeddingsRequest(backend.provider, canonical, this.target!));
    this.call = out.call;
    x.dropped.push(...out.droppedParams);
    for (const p of x.dropped) this.deps.droppedParam?.(backend.provider, p);
    const { set, remove } = upstreamHeaders(backend, out, x.headers, this.decodedRequest);
    return {
      body: out.body,
      headers: { set, remove },
      clearRouteCache: true,
      metadata: {
        [STANDALONE_NS]: { backend: backend.name, route: this.route.name, rate_limited_tokens: x.estimate },
      },
    };
  }

  responseHeaders(headers: HeaderView, x: ExchangeFacts): ResponseStart {
    this.coding = contentCoding(headers.get('content-encoding'));
    this.headerTokens = asCount(Number(headers.get(BEDROCK_TOKENS_HEADER) ?? NaN));
    const set: [string, string][] = [];
    const remove = ['content-length'];
    if (x.dropped.length > 0) set.push([DROPPED_PARAMS_HEADER, [...new Set(x.dropped)].join(',')]);
    // OpenAI and Azure answers pass as they came; the others are rewritten as identity JSON.
    if (!this.native) {
      set.push(['content-type', 'application/json']);
      remove.push('content-encoding');
    }
    return { plan: 'buffer', stream: false, headers: { set, remove } };
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

  bodyEnd(held: Buffer | undefined, x: ExchangeFacts): BodyResult {
    const provider = this.backend!.provider;
    const ok = x.status !== undefined && x.status >= 200 && x.status < 300;
    let bytes: Buffer | undefined;
    try {
      if (this.coding !== undefined)
        bytes = stripUtf8Bom(decodeContent(held ?? Buffer.alloc(0), this.coding, this.deps.maxBodyBytes));
    } catch {
      /* handled below */
    }
    if (!ok) {
      // OpenAI's own errors are already in the client's format.
      if (this.native) return { kind: 'upstream-error', body: held ?? Buffer.alloc(0), facts: NO_FACTS };
      const err = fromProviderEmbeddingsError(provider, x.status ?? 502, bytes ?? Buffer.alloc(0));
      return {
        kind: 'upstream-error',
        body: Buffer.from(JSON.stringify(openaiClient.error(err))),
        facts: NO_FACTS,
      };
    }
    let json: Json | undefined;
    try {
      if (bytes) json = asObj(JSON.parse(bytes.toString('utf8')));
    } catch {
      /* handled below */
    }
    if (!json) throw refuse(502, 'The upstream answered with a body that is not JSON', CODE, 'api_error');
    const call = this.call!;
    const a = translated(() =>
      fromProviderEmbeddingsResponse(provider, json, call, {
        ...(this.headerTokens !== undefined ? { headerTokens: this.headerTokens } : {}),
      }),
    );
    const model = typeof a.response.model === 'string' ? a.response.model : call.model;
    const facts: ResponseFacts = {
      usage: { promptTokens: a.promptTokens, completionTokens: 0 },
      responseModel: model,
      finishReasons: [],
      isToolCall: false,
    };
    return { kind: 'completion', completion: a.response, facts };
  }

  encodeBody(completion: Json | undefined): Buffer | undefined {
    // OpenAI and Azure: the provider's bytes, unchanged (no stage rewrites a vector answer).
    if (this.native || !completion) return undefined;
    return Buffer.from(JSON.stringify(completion));
  }
}

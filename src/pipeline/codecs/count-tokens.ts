/**
 * Anthropic's `POST /v1/messages/count_tokens` (standalone mode). On an `anthropic` backend the
 * request goes there as the client wrote it (the model alias made the provider model, the gateway's
 * credential): the answer is Anthropic's own count. Any other backend has no such endpoint for this
 * body, so the gateway answers from its own prompt estimate (the prompt-estimate stage's count of
 * the Messages body), `{"input_tokens": N}`, with `x-ai-extproc-token-count: estimate` so the client
 * can tell. Counting is not generating: no guards, defaults or budgets run on these routes.
 */
import type { CompiledBackend, CompiledRoute } from '../../config/standalone/index.js';
import { BACKEND_HEADER, STANDALONE_NS, TOKEN_COUNT_HEADER } from '../../config/internal-headers.js';
import { DEFAULT_ANTHROPIC_VERSION } from '../../providers/anthropic/index.js';
import type { ResponseFacts } from '../../providers/usage.js';
import type { StreamEvent } from '../../streaming/stream-event.js';
import { RefusalError, refuse } from '../reply.js';
import type { Refusal } from '../reply.js';
import type { BodyResult, Codec, RequestBody, RequestEncoding, ResponseStart } from '../route.js';
import type { ExchangeFacts, Json } from '../stage.js';
import type { SpanAttributes } from '../tracer.js';
import type { LocalReply } from '../types.js';

export const COUNT_TOKENS_PATH = '/v1/messages/count_tokens';
const COUNT_TOKENS = /\/messages\/count_tokens\/?$/;
/** The refusal code of the gateway's own count: the route renders it as the answer, not an error. */
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

  constructor(private readonly route: CompiledRoute) {}

  requestHeaderEdits(): undefined {
    return undefined;
  }

  decodeRequest(body: RequestBody, x: ExchangeFacts): Json {
    if (body.problem === 'too-large')
      throw refuse(413, 'Request body too large', 'ai_extproc_translation_error');
    const json = body.json;
    if (body.problem !== undefined || !json)
      throw refuse(400, 'The request body must be a JSON object', 'ai_extproc_translation_error');
    const requestModel = typeof json.model === 'string' ? json.model : '';
    const resolved = this.route.resolveModel(requestModel || undefined);
    if ('error' in resolved)
      throw refuse(404, resolved.error, 'ai_extproc_translation_error', 'not_found_error');
    this.backend = resolved.backend;
    this.model = resolved.model;
    x.family = 'anthropic';
    x.provider = resolved.backend.provider;
    x.backend = resolved.backend.name;
    x.model = requestModel;
    x.streaming = false;
    return json;
  }

  spanAttributes(x: ExchangeFacts): SpanAttributes {
    return { 'ai_extproc.backend': x.backend, 'ai_extproc.route': this.route.name };
  }

  encodeRequest(body: Json, _changed: boolean, x: ExchangeFacts): RequestEncoding {
    const backend = this.backend!;
    // Not Anthropic: the gateway's own count, answered locally (rendered by countTokensReply).
    if (backend.provider !== 'anthropic')
      throw new RefusalError({ status: 200, message: String(x.estimate), code: ESTIMATE_CODE });
    body.model = this.model;
    const set: [string, string][] = [
      [':path', COUNT_TOKENS_PATH],
      [':authority', backend.baseUrl.authority],
      [BACKEND_HEADER, backend.cluster],
      ['content-type', 'application/json'],
      ['anthropic-version', backend.settings.anthropicVersion ?? DEFAULT_ANTHROPIC_VERSION],
    ];
    const remove = ['accept-encoding', 'content-encoding'];
    const auth = backend.authFor(x.headers);
    if (auth.kind === 'missing')
      throw refuse(401, auth.message, 'ai_extproc_translation_error', 'authentication_error');
    if (auth.kind === 'sigv4')
      throw refuse(500, 'SigV4 is not an Anthropic backend', 'ai_extproc_translation_error', 'api_error');
    set.push(...auth.set.map(([k, v]) => [k, v] as [string, string]));
    remove.push(...auth.remove.filter((h) => !set.some(([k]) => k === h)));
    return {
      body: Buffer.from(JSON.stringify(body)),
      headers: { set, remove },
      clearRouteCache: true,
      metadata: {
        [STANDALONE_NS]: { backend: backend.name, route: this.route.name, rate_limited_tokens: 0 },
      },
    };
  }

  responseHeaders(): ResponseStart {
    // Anthropic's answer (count or error) is already in the client's format: it passes as it came.
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

/** The gateway's own count as the answer, when `r` is one; undefined for a real refusal. */
export function countTokensReply(r: Refusal): LocalReply | undefined {
  if (r.code !== ESTIMATE_CODE) return undefined;
  return {
    status: 200,
    body: JSON.stringify({ input_tokens: Number(r.message) || 0 }),
    headers: [
      ['content-type', 'application/json'],
      [TOKEN_COUNT_HEADER, 'estimate'],
    ],
    details: ESTIMATE_CODE,
  };
}

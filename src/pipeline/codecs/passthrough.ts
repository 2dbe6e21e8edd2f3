/**
 * kgateway mode's codec: the canonical form is the provider's own wire format, so bodies pass
 * through byte-identical unless a stage rewrites them, and a malformed body reaches the upstream
 * unchanged. It reads usage and model from what passes by: SSE events, Gemini's JSON-array
 * streaming, gzip bodies.
 */
import type { RoutePolicy } from '../../config/route-policy.js';
import { StreamFactsAccumulator, parseResponseFacts } from '../../providers/usage.js';
import type { ResponseFacts } from '../../providers/usage.js';
import { SseDecoder } from '../../streaming/sse-decoder.js';
import type { StreamEvent } from '../../streaming/stream-event.js';
import { encodeSseAll } from '../../streaming/stream-event.js';
import { RESPONSE_GUARD_FAILURE_MESSAGE } from '../guard-runner.js';
import { RefusalError } from '../reply.js';
import type { Refusal } from '../reply.js';
import { contentCoding, decodeContent, encodeContent, stripUtf8Bom } from '../../streaming/content-coding.js';
import type { ContentCoding } from '../../streaming/content-coding.js';
import type { BodyResult, Codec, RequestBody, RequestEncoding, ResponseStart } from '../route.js';
import type { ExchangeFacts, Json } from '../stage.js';
import type { HeaderEdits, HeaderView } from '../types.js';
import { asObj } from '../../json.js';

const GEMINI_LIKE = new Set(['gemini', 'vertex-ai']);
const NO_FACTS: ResponseFacts = { finishReasons: [], isToolCall: false };

const mimeOf = (contentType: string | undefined): string =>
  (contentType ?? '').split(';')[0]!.trim().toLowerCase();
const isJsonMime = (mime: string): boolean =>
  mime === 'application/json' || mime.endsWith('+json') || mime === '';

export const UNREADABLE_REQUEST_MESSAGE = 'The request body could not be read by its guardrails';

/** Why a guarded route refuses a request body it cannot read (undefined: it can, or it is empty). */
function unreadable(body: RequestBody): Refusal | undefined {
  switch (body.problem) {
    case undefined:
    case 'empty':
      return undefined;
    case 'too-large':
      return { status: 413, message: 'Request body too large', code: 'ai_extproc_body_too_large' };
    case 'encoding':
      return {
        status: 415,
        message: 'The request body is in a content-encoding its guardrails cannot read',
        code: 'guardrails_unsupported_encoding',
      };
    case 'undecodable':
    case 'not-json':
    case 'not-object':
      return { status: 400, message: UNREADABLE_REQUEST_MESSAGE, code: 'guardrails_unreadable_body' };
  }
}

const unreadableResponse = (why: string): Refusal => ({
  status: 500,
  message: RESPONSE_GUARD_FAILURE_MESSAGE,
  code: `guardrails_${why}`,
});

export class PassthroughCodec implements Codec {
  readonly holdsRequest = false;
  streamFailure: Refusal | undefined;
  /** The response's content-encoding (a rewritten body is encoded back the same way). */
  private coding: ContentCoding = 'identity';
  /** A response guard reads this (successful) response: what it cannot read fails closed. */
  private guarded = false;
  private reqCoding: ContentCoding = 'identity';
  private sse: { decoder: SseDecoder; facts: StreamFactsAccumulator } | undefined;
  /** The parsed JSON root (an array for Gemini's JSON streaming), kept so a rewrite keeps its shape. */
  private root: unknown;

  constructor(
    private readonly policy: RoutePolicy,
    private readonly maxBodyBytes: number,
    private readonly exception: (where: string, err: unknown) => void,
  ) {}

  requestHeaderEdits(readsResponse: boolean): HeaderEdits | undefined {
    // A guarded response must be readable: ask the upstream not to compress it.
    return readsResponse ? { remove: ['accept-encoding'] } : undefined;
  }

  decodeRequest(body: RequestBody, x: ExchangeFacts): Json | undefined {
    // kgateway mode: a malformed body reaches the upstream unchanged; count and log it.
    if (body.problem === 'not-json') this.exception('request-json', body.error);
    // ...unless the route guards its requests: what its guards cannot read does not pass.
    if (this.policy.requestGuards) {
      const refusal = unreadable(body);
      if (refusal) throw new RefusalError(refusal);
      this.reqCoding = body.coding ?? 'identity';
    }
    const geminiLike = GEMINI_LIKE.has(x.provider);
    const json = body.json;
    x.model = geminiLike ? (this.policy.model ?? '') : typeof json?.model === 'string' ? json.model : '';
    x.streaming = geminiLike ? this.policy.chatStreaming : Boolean(json?.stream);
    return json;
  }

  spanAttributes(): Record<string, never> {
    return {};
  }

  encodeRequest(body: Json, changed: boolean): RequestEncoding {
    // A rewritten body goes upstream in the content-encoding it arrived in.
    return changed ? { body: encodeContent(Buffer.from(JSON.stringify(body)), this.reqCoding) } : {};
  }

  responseHeaders(
    headers: HeaderView,
    x: ExchangeFacts,
    rewrite: 'hold' | 'rewrite' | undefined,
  ): ResponseStart {
    const mime = mimeOf(headers.get('content-type'));
    const coding = contentCoding(headers.get('content-encoding'));
    this.coding = coding ?? 'identity';
    this.guarded = rewrite !== undefined && (x.status === undefined || x.status < 400);
    const sse = mime === 'text/event-stream';
    x.responseStreaming = sse || (GEMINI_LIKE.has(x.provider) && mime === 'application/json' && x.streaming);
    if (coding === undefined && rewrite && isJsonMime(mime) && this.guarded)
      // A coding we cannot decode: the guards could not read the body.
      return { plan: 'observe', stream: false, refusal: unreadableResponse('unsupported_encoding') };
    if (sse && coding !== 'identity') {
      // Compressed SSE cannot be guarded chunk by chunk: fail closed rather than leak.
      if (rewrite)
        return {
          plan: 'observe',
          stream: false,
          refusal: {
            status: 500,
            message: RESPONSE_GUARD_FAILURE_MESSAGE,
            code: 'compressed_stream_cannot_be_guarded',
          },
        };
      return { plan: 'observe', stream: false };
    }
    if (sse) {
      this.sse = { decoder: new SseDecoder(), facts: new StreamFactsAccumulator(x.provider) };
      return { plan: rewrite === 'rewrite' ? 'transform' : 'observe', stream: true };
    }
    return { plan: rewrite && isJsonMime(mime) ? 'buffer' : 'observe', stream: false };
  }

  streamChunk(chunk: Buffer): readonly StreamEvent[] {
    const sse = this.sse;
    if (!sse || this.streamFailure) return [];
    let events;
    try {
      events = sse.decoder.push(chunk);
    } catch (err) {
      this.exception('response-sse', err);
      // Unguarded, the bytes still flow through untouched; a guarded stream fails closed.
      this.streamFailure = {
        status: 500,
        message: RESPONSE_GUARD_FAILURE_MESSAGE,
        code: 'sse_event_too_large',
      };
      return [];
    }
    for (const ev of events) sse.facts.onEvent(ev);
    return events;
  }

  streamEnd(): readonly StreamEvent[] {
    const sse = this.sse;
    if (!sse || this.streamFailure) return [];
    try {
      const last = sse.decoder.end();
      for (const ev of last) sse.facts.onEvent(ev);
      return last;
    } catch (err) {
      this.exception('response-sse', err);
      return [];
    }
  }

  encodeEvents(events: readonly StreamEvent[]): string {
    return encodeSseAll(events);
  }

  encodeStreamEnd(): string {
    return '';
  }

  streamFacts(): ResponseFacts {
    return this.sse?.facts.facts ?? NO_FACTS;
  }

  bodyEnd(raw: Buffer | undefined, x: ExchangeFacts): BodyResult {
    if (!raw) return { kind: 'opaque' }; // the copy outgrew its limit
    if (raw.length === 0) return { kind: 'completion', completion: undefined, facts: NO_FACTS };
    try {
      const bytes = stripUtf8Bom(decodeContent(raw, this.coding, this.maxBodyBytes));
      const parsed = JSON.parse(bytes.toString('utf8')) as unknown;
      this.root = parsed;
      // Gemini's JSON-array streaming: the last element carries the final usage.
      const last = Array.isArray(parsed) ? (parsed[parsed.length - 1] as unknown) : parsed;
      const facts = parseResponseFacts(x.provider, last);
      if (!Array.isArray(parsed)) return { kind: 'completion', completion: asObj(last), facts };
      const chunks = parsed.map((c) => asObj(c)).filter((c): c is Json => c !== undefined);
      return { kind: 'completion', completion: asObj(last), facts, chunks };
    } catch (err) {
      // A guarded answer its guards cannot read (truncated, undecodable, inflating past the limit,
      // SSE without its content-type) fails closed.
      if (this.guarded) {
        this.exception('response-body', err);
        throw new RefusalError(unreadableResponse('unreadable_body'));
      }
      // Not JSON (an HTML error page, a truncated body): it passed through; no usage to report.
      return { kind: 'opaque' };
    }
  }

  encodeBody(completion: Json | undefined, changed: boolean): Buffer | undefined {
    if (!changed) return undefined;
    const json = Buffer.from(JSON.stringify(this.root ?? completion));
    return encodeContent(json, this.coding);
  }
}

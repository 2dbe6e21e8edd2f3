/**
 * OpenAI-compatible SSE stream → chat.completion.chunk objects.
 *
 * `[DONE]` is skipped (the client encoder writes its own end marker). A data payload that is not a JSON
 * object, or an in-band `{"error": …}` event, becomes a TranslationError: the chunks decoded before it are
 * returned normally and the error is thrown by the next push() or end() call.
 */
import { SseDecoder, SseLimitError } from '../../streaming/sse-decoder.js';
import type { SseEvent } from '../../streaming/sse-decoder.js';
import type { OpenAIChatChunk, ProviderStreamDecoder } from '../translate/types.js';
import { TranslationError } from '../translate/types.js';
import { errorTypeForStatus } from './openai-compat-to-openai.error.js';
import { isObj, nonEmptyString, tryParseJson } from '../../json.js';
import type { Dialect } from './openai-compat-to-openai.response.js';
import { ChunkNormalizer } from './openai-compat-to-openai.response.js';

/** Largest accepted SSE event (a chunk carrying e.g. audio or image data can be large). */
export const MAX_STREAM_EVENT_BYTES = 16 * 1024 * 1024;

/** The TranslationError for an in-band stream error object (`{error:{message,type,code}}` or similar). */
export function streamErrorOf(err: unknown): TranslationError {
  if (isObj(err)) {
    const code = typeof err.code === 'number' && err.code >= 400 && err.code <= 599 ? err.code : 502;
    const message = nonEmptyString(err.message) ?? 'Upstream provider reported an error mid-stream';
    return new TranslationError(code, message, nonEmptyString(err.type) ?? errorTypeForStatus(code));
  }
  const message = nonEmptyString(err) ?? 'Upstream provider reported an error mid-stream';
  return new TranslationError(502, message, 'api_error');
}

export function malformedStream(what: string): TranslationError {
  return new TranslationError(502, `Upstream provider sent a malformed stream: ${what}`, 'api_error');
}

/** Holds a decode error until the next call, so that chunks decoded before it are not lost. */
export abstract class DeferredErrorDecoder implements ProviderStreamDecoder {
  private pending: TranslationError | undefined;

  push(bytes: Uint8Array): OpenAIChatChunk[] {
    this.throwPending();
    const out: OpenAIChatChunk[] = [];
    this.guard(() => this.decode(bytes, out));
    return out;
  }

  end(): OpenAIChatChunk[] {
    this.throwPending();
    const out: OpenAIChatChunk[] = [];
    this.guard(() => this.finish(out));
    this.throwPending();
    return out;
  }

  protected abstract decode(bytes: Uint8Array, out: OpenAIChatChunk[]): void;

  /** Framing errors (bad upstream bytes) as a 502; anything else is rethrown. */
  protected framingError(e: unknown): TranslationError | undefined {
    return e instanceof SseLimitError ? malformedStream(e.message) : undefined;
  }
  protected abstract finish(out: OpenAIChatChunk[]): void;

  private guard(f: () => void): void {
    try {
      f();
    } catch (e) {
      const err = e instanceof TranslationError ? e : this.framingError(e);
      if (err === undefined) throw e; // a bug, not bad upstream data
      this.pending = err;
    }
  }

  private throwPending(): void {
    const e = this.pending;
    if (e === undefined) return;
    this.pending = undefined;
    throw e;
  }
}

class OpenAIStreamDecoder extends DeferredErrorDecoder {
  private readonly sse = new SseDecoder({ maxEventBytes: MAX_STREAM_EVENT_BYTES });
  private readonly normalizer: ChunkNormalizer;

  constructor(dialect: Dialect) {
    super();
    this.normalizer = new ChunkNormalizer(dialect);
  }

  protected decode(bytes: Uint8Array, out: OpenAIChatChunk[]): void {
    for (const ev of this.sse.push(bytes)) this.onEvent(ev, out);
  }

  protected finish(out: OpenAIChatChunk[]): void {
    for (const ev of this.sse.end()) this.onEvent(ev, out);
  }

  private onEvent(ev: SseEvent, out: OpenAIChatChunk[]): void {
    const data = ev.data.trim();
    if (data === '' || data === '[DONE]') return;
    const obj = tryParseJson(data);
    if (!isObj(obj)) throw malformedStream('an event is not a JSON object');
    if (obj.error !== undefined && obj.error !== null && obj.choices === undefined) {
      throw streamErrorOf(obj.error);
    }
    out.push(this.normalizer.chunk(obj));
  }
}

export function openAICompatToOpenAIStream(dialect: Dialect): ProviderStreamDecoder {
  return new OpenAIStreamDecoder(dialect);
}

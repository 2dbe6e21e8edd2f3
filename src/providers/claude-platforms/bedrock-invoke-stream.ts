/**
 * Bedrock `invoke-with-response-stream` for Claude → Anthropic stream events, as an Anthropic
 * client reads them over SSE. Each event-stream frame `:event-type chunk` carries
 * `{"bytes": base64(<one Anthropic stream event as JSON>)}`; the event is passed on as it was
 * (its `type` names the SSE event). An `exception` frame becomes Anthropic's `error` event, and
 * nothing follows it. Framing errors (CRC, size, truncation) do the same, as an api_error.
 * Bounded: frames by the decoder's limit, and a chunk's bytes by that same limit.
 */
import { EventStreamDecoder } from '../bedrock/event-stream-decoder.js';
import { EventStreamError, headerString } from '../bedrock/event-stream-types.js';
import type { EventStreamMessage } from '../bedrock/event-stream-types.js';
import { streamException } from '../bedrock/exceptions.js';
import { openAIToAnthropicError } from '../anthropic/openai-to-anthropic.error.js';
import { asObj, asString, parseJsonObject } from '../../json.js';
import type { Json } from '../translate/types.js';
import { TranslationError } from '../translate/types.js';

/** One Anthropic stream event: the SSE event name and its JSON. */
export interface AnthropicStreamEvent {
  readonly event: string;
  readonly data: string;
  readonly json: Json;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

export class BedrockInvokeStream {
  private readonly frames: EventStreamDecoder;
  private failed = false;

  constructor(maxMessageBytes?: number) {
    this.frames = new EventStreamDecoder(maxMessageBytes === undefined ? {} : { maxMessageBytes });
  }

  /** Raw upstream bytes, split anywhere → the events they complete. Never throws. */
  push(bytes: Uint8Array): AnthropicStreamEvent[] {
    if (this.failed) return [];
    const out: AnthropicStreamEvent[] = [];
    try {
      for (const msg of this.frames.push(bytes)) {
        this.onMessage(msg, out);
        if (this.failed) break;
      }
    } catch (err) {
      out.push(this.fail(err));
    }
    return out;
  }

  /** The upstream ended: a stream cut inside a frame is an error event. */
  end(): AnthropicStreamEvent[] {
    if (this.failed) return [];
    try {
      this.frames.end();
      return [];
    } catch (err) {
      return [this.fail(err)];
    }
  }

  private onMessage(msg: EventStreamMessage, out: AnthropicStreamEvent[]): void {
    const kind = headerString(msg, ':message-type') ?? 'event';
    if (kind === 'exception') {
      const text = Buffer.from(msg.payload).toString('utf8');
      const body = parseJsonObject(text);
      const message = body === undefined ? text : (asString(body.message) ?? asString(body.Message));
      out.push(this.fail(streamException(headerString(msg, ':exception-type'), message || undefined)));
      return;
    }
    if (kind === 'error') {
      out.push(
        this.fail(streamException(headerString(msg, ':error-code'), headerString(msg, ':error-message'))),
      );
      return;
    }
    if (kind !== 'event' || headerString(msg, ':event-type') !== 'chunk') return;
    const payload = parseJsonObject(UTF8.decode(msg.payload));
    const b64 = asString(payload?.bytes);
    if (b64 === undefined) throw new TranslationError(502, 'Bedrock sent a chunk without bytes', 'api_error');
    const data = Buffer.from(b64, 'base64').toString('utf8');
    const json = asObj(parseJsonObject(data));
    const type = asString(json?.type);
    if (json === undefined || type === undefined)
      throw new TranslationError(502, 'Bedrock sent a chunk that is not an Anthropic event', 'api_error');
    out.push({ event: type, data, json });
  }

  private fail(err: unknown): AnthropicStreamEvent {
    this.failed = true;
    const e =
      err instanceof TranslationError && !(err instanceof EventStreamError)
        ? err
        : new TranslationError(502, 'upstream stream failed', 'api_error');
    const json = openAIToAnthropicError({ status: e.status, message: e.message, type: e.type });
    return { event: 'error', data: JSON.stringify(json), json };
  }
}

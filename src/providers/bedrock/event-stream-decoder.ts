/**
 * Incremental AWS event-stream decoder: bytes split anywhere in, whole messages out.
 *
 * - Both CRCs are verified. The prelude is checked as soon as its 12 bytes are in, so a corrupt length
 *   fails fast instead of making the decoder wait for bytes that never come.
 * - Memory is bounded: a message larger than `maxMessageBytes` (default 16 MiB) is refused at its prelude.
 * - Bytes are copied once on arrival and concatenated once per message (no rescanning).
 * - Any framing problem throws {@link EventStreamError}; the decoder then rethrows it on every call.
 */
import { crc32 } from './crc32.js';
import type { EventStreamHeaderValue, EventStreamMessage } from './event-stream-types.js';
import {
  CRC_BYTES,
  DEFAULT_MAX_MESSAGE_BYTES,
  EventStreamError,
  HeaderType,
  MIN_MESSAGE_BYTES,
  PRELUDE_BYTES,
} from './event-stream-types.js';

export interface EventStreamDecoderOptions {
  /** Largest accepted message in bytes, prelude and CRC included (default 16 MiB). */
  readonly maxMessageBytes?: number;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

export class EventStreamDecoder {
  readonly maxMessageBytes: number;
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  /** Total length of the message being assembled, known once its prelude was read; 0 before. */
  private expected = 0;
  private failure: EventStreamError | undefined;

  constructor(options: EventStreamDecoderOptions = {}) {
    const max = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    if (!Number.isInteger(max) || max < MIN_MESSAGE_BYTES) {
      throw new RangeError(`maxMessageBytes must be an integer >= ${MIN_MESSAGE_BYTES}, got ${max}`);
    }
    this.maxMessageBytes = max;
  }

  /** Bytes held for a message not yet complete. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /** Buffers bytes (copied) without decoding; pair with {@link next}. */
  write(bytes: Uint8Array): void {
    if (this.failure !== undefined) throw this.failure;
    if (bytes.length === 0) return;
    this.chunks.push(new Uint8Array(bytes)); // a copy: Buffer#slice would share memory
    this.buffered += bytes.length;
  }

  /** The next complete message, or undefined when more bytes are needed. */
  next(): EventStreamMessage | undefined {
    if (this.failure !== undefined) throw this.failure;
    try {
      if (this.expected === 0) {
        if (this.buffered < PRELUDE_BYTES) return undefined;
        this.expected = this.readPrelude(this.peek(PRELUDE_BYTES));
      }
      if (this.buffered < this.expected) return undefined;
      const bytes = this.take(this.expected);
      this.expected = 0;
      return parseMessage(bytes);
    } catch (err) {
      if (err instanceof EventStreamError) this.failure = err;
      throw err;
    }
  }

  /** Feeds bytes and returns every message they complete. */
  push(bytes: Uint8Array): EventStreamMessage[] {
    this.write(bytes);
    const out: EventStreamMessage[] = [];
    for (let m = this.next(); m !== undefined; m = this.next()) out.push(m);
    return out;
  }

  /** The stream ended: throws if it stopped inside a message. */
  end(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.buffered > 0) {
      this.failure = new EventStreamError(
        'truncated',
        `stream ended inside a message (${this.buffered} of ${this.expected || 'unknown'} bytes)`,
      );
      throw this.failure;
    }
  }

  private readPrelude(prelude: Uint8Array): number {
    const view = new DataView(prelude.buffer, prelude.byteOffset, PRELUDE_BYTES);
    const total = view.getUint32(0);
    const headersLength = view.getUint32(4);
    if (crc32(prelude, 0, 8) !== view.getUint32(8)) {
      throw new EventStreamError('prelude_crc_mismatch', 'prelude CRC-32 mismatch');
    }
    if (total > this.maxMessageBytes) {
      throw new EventStreamError(
        'message_too_large',
        `message of ${total} bytes exceeds ${this.maxMessageBytes}`,
      );
    }
    if (total < MIN_MESSAGE_BYTES || headersLength > total - MIN_MESSAGE_BYTES) {
      throw new EventStreamError('malformed', `bad lengths (total ${total}, headers ${headersLength})`);
    }
    return total;
  }

  /** The first `n` buffered bytes, without consuming them (n ≤ buffered). */
  private peek(n: number): Uint8Array {
    const first = this.chunks[0]!;
    if (first.length >= n) return first.subarray(0, n);
    return concat(this.chunks, n);
  }

  /** Removes and returns the first `n` buffered bytes (n ≤ buffered). */
  private take(n: number): Uint8Array {
    const out = concat(this.chunks, n);
    let left = n;
    let whole = 0;
    while (left > 0 && this.chunks[whole]!.length <= left) left -= this.chunks[whole++]!.length;
    this.chunks.splice(0, whole);
    if (left > 0) this.chunks[0] = this.chunks[0]!.subarray(left);
    this.buffered -= n;
    return out;
  }
}

function concat(chunks: readonly Uint8Array[], n: number): Uint8Array {
  const first = chunks[0]!;
  if (first.length >= n) return first.subarray(0, n);
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    const part = c.length <= n - at ? c : c.subarray(0, n - at);
    out.set(part, at);
    at += part.length;
    if (at === n) break;
  }
  return out;
}

function parseMessage(bytes: Uint8Array): EventStreamMessage {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const total = bytes.length;
  if (crc32(bytes, 0, total - CRC_BYTES) !== view.getUint32(total - CRC_BYTES)) {
    throw new EventStreamError('message_crc_mismatch', 'message CRC-32 mismatch');
  }
  const headersEnd = PRELUDE_BYTES + view.getUint32(4);
  return {
    headers: parseHeaders(bytes, view, PRELUDE_BYTES, headersEnd),
    payload: bytes.subarray(headersEnd, total - CRC_BYTES),
  };
}

function parseHeaders(
  bytes: Uint8Array,
  view: DataView,
  start: number,
  end: number,
): Map<string, EventStreamHeaderValue> {
  const headers = new Map<string, EventStreamHeaderValue>();
  let pos = start;
  const need = (n: number): number => {
    if (pos + n > end) throw new EventStreamError('malformed', 'header runs past the headers section');
    const at = pos;
    pos += n;
    return at;
  };
  const text = (at: number, n: number): string => {
    try {
      return UTF8.decode(bytes.subarray(at, at + n));
    } catch {
      throw new EventStreamError('malformed', 'header is not valid UTF-8');
    }
  };
  while (pos < end) {
    const nameLength = view.getUint8(need(1));
    if (nameLength === 0) throw new EventStreamError('malformed', 'empty header name');
    const name = text(need(nameLength), nameLength);
    const type = view.getUint8(need(1));
    headers.set(name, readValue(type, bytes, view, need, text));
  }
  return headers;
}

function readValue(
  type: number,
  bytes: Uint8Array,
  view: DataView,
  need: (n: number) => number,
  text: (at: number, n: number) => string,
): EventStreamHeaderValue {
  switch (type) {
    case HeaderType.boolTrue:
      return { type: 'boolean', value: true };
    case HeaderType.boolFalse:
      return { type: 'boolean', value: false };
    case HeaderType.byte:
      return { type: 'byte', value: view.getInt8(need(1)) };
    case HeaderType.short:
      return { type: 'short', value: view.getInt16(need(2)) };
    case HeaderType.integer:
      return { type: 'integer', value: view.getInt32(need(4)) };
    case HeaderType.long:
      return { type: 'long', value: view.getBigInt64(need(8)) };
    case HeaderType.timestamp:
      return { type: 'timestamp', value: new Date(Number(view.getBigInt64(need(8)))) };
    case HeaderType.uuid: {
      const at = need(16);
      return { type: 'uuid', value: bytes.slice(at, at + 16) };
    }
    case HeaderType.binary: {
      const n = view.getUint16(need(2));
      const at = need(n);
      return { type: 'binary', value: bytes.slice(at, at + n) };
    }
    case HeaderType.string: {
      const n = view.getUint16(need(2));
      return { type: 'string', value: text(need(n), n) };
    }
    default:
      throw new EventStreamError('malformed', `unknown header value type ${type}`);
  }
}

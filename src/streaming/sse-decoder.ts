/**
 * Incremental, byte-level Server-Sent Events decoder (WHATWG "event stream interpretation").
 *
 * - Bytes are scanned once for line terminators (LF, CRLF, lone CR; a CRLF may be split across chunks).
 * - The bytes of one event are kept raw until its terminating blank line, then UTF-8 decoded exactly once,
 *   so a multi-byte character split across chunks is never decoded in halves.
 * - A leading UTF-8 BOM of the stream is dropped (even when it arrives split across chunks).
 * - Surplus blank lines between events are ignored, so the kgateway Gemini framing
 *   `data: {...}\n\r\n\r\n` yields one event per message.
 * - Memory is bounded: an event (its field lines, excluding the blank line) larger than `maxEventBytes`
 *   throws {@link SseLimitError}. The decoder must be discarded after it threw.
 *
 * Deviations from the browser EventSource, on purpose: `id` is reported only on the event that carried it
 * (no last-event-id inheritance), `event` is omitted when absent (no "message" default), `retry` is ignored,
 * and {@link SseDecoder.end} dispatches a final event even when the stream lacks the closing blank line.
 */

export interface SseEvent {
  /** The `event:` field, when present and non-empty. */
  event?: string;
  /** The `data:` lines joined with "\n". */
  data: string;
  /** The `id:` field of this event, when present (ids containing NUL are ignored, as the spec says). */
  id?: string;
}

export interface SseDecoderOptions {
  /** Largest accepted event, in bytes of its field lines (default 1 MiB). */
  maxEventBytes?: number;
}

export const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;

/** Thrown when an event grows beyond `maxEventBytes`. */
export class SseLimitError extends Error {
  override readonly name = 'SseLimitError';
  readonly limit: number;
  readonly size: number;
  constructor(limit: number, size: number) {
    super(`SSE event exceeds ${limit} bytes (at least ${size} bytes buffered)`);
    this.limit = limit;
    this.size = size;
  }
}

const LF = 0x0a;
const CR = 0x0d;
const BOM = [0xef, 0xbb, 0xbf] as const;
const LINE_BREAK = /\r\n|\r|\n/;

export class SseDecoder {
  readonly maxEventBytes: number;

  /** Raw bytes (copies) of the current event that arrived in earlier chunks. */
  private segments: Uint8Array[] = [];
  private segmentsLen = 0;
  /** The current event has at least one non-empty line. */
  private inEvent = false;
  /** The current line has at least one byte. */
  private lineHasBytes = false;
  /** The last byte seen was a CR: a LF right after it belongs to the same terminator. */
  private pendingCR = false;
  /** Still looking at the first bytes of the stream for a BOM. */
  private bomPending = true;
  /** Bytes held while they are a proper prefix of the BOM. */
  private bomHeld: Uint8Array | undefined;
  private failed = false;

  constructor(options: SseDecoderOptions = {}) {
    const max = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
    if (!Number.isFinite(max) || max < 1) throw new RangeError(`maxEventBytes must be >= 1, got ${max}`);
    this.maxEventBytes = Math.floor(max);
  }

  /** Feeds bytes; returns the events completed by them (possibly none). */
  push(chunk: Uint8Array): SseEvent[] {
    if (this.failed) throw new Error('SseDecoder: cannot push after an SseLimitError');
    if (chunk.length === 0) return [];
    let buf = chunk;
    if (this.bomPending) {
      const stripped = this.stripBom(buf);
      if (stripped === undefined) return [];
      buf = stripped;
    }
    return this.scan(buf);
  }

  /**
   * Ends the stream: dispatches a final event that lacks its closing blank line, then resets the decoder so
   * that it can decode a new stream.
   */
  end(): SseEvent[] {
    if (this.failed) throw new Error('SseDecoder: cannot end after an SseLimitError');
    let out: SseEvent[] = [];
    if (this.bomHeld !== undefined) {
      // The stream ended inside what looked like a BOM: those bytes are content.
      const held = this.bomHeld;
      this.bomHeld = undefined;
      this.bomPending = false;
      out = this.scan(held);
    }
    if (this.inEvent) {
      const ev = this.decodeEvent(this.takeSegments(undefined, 0, 0));
      if (ev !== undefined) out.push(ev);
    }
    this.reset();
    return out;
  }

  /** Bytes of the current, incomplete event held by the decoder. */
  get bufferedBytes(): number {
    return this.segmentsLen + (this.bomHeld?.length ?? 0);
  }

  private reset(): void {
    this.segments = [];
    this.segmentsLen = 0;
    this.inEvent = false;
    this.lineHasBytes = false;
    this.pendingCR = false;
    this.bomPending = true;
    this.bomHeld = undefined;
  }

  /** Returns the chunk without a leading BOM, or undefined while it is still undecided. */
  private stripBom(chunk: Uint8Array): Uint8Array | undefined {
    let buf = chunk;
    if (this.bomHeld !== undefined) {
      const joined = new Uint8Array(this.bomHeld.length + chunk.length);
      joined.set(this.bomHeld, 0);
      joined.set(chunk, this.bomHeld.length);
      buf = joined;
      this.bomHeld = undefined;
    }
    const n = Math.min(buf.length, BOM.length);
    for (let i = 0; i < n; i++) {
      if (buf[i] !== BOM[i]) {
        this.bomPending = false;
        return buf;
      }
    }
    if (buf.length < BOM.length) {
      this.bomHeld = copyBytes(buf, 0, buf.length);
      return undefined;
    }
    this.bomPending = false;
    return buf.subarray(BOM.length);
  }

  private scan(buf: Uint8Array): SseEvent[] {
    const out: SseEvent[] = [];
    const len = buf.length;
    let i = 0;
    if (this.pendingCR) {
      this.pendingCR = false;
      if (buf[0] === LF) i = 1;
    }
    // Where the current event starts in this chunk; 0 when it continues from an earlier chunk.
    let eventStart = 0;
    // Cached positions of the next LF / CR at or after i (-1: none left in this chunk).
    let nextLF = len > i ? buf.indexOf(LF, i) : -1;
    let nextCR = len > i ? buf.indexOf(CR, i) : -1;

    while (i < len) {
      if (nextLF !== -1 && nextLF < i) nextLF = buf.indexOf(LF, i);
      if (nextCR !== -1 && nextCR < i) nextCR = buf.indexOf(CR, i);
      const p = nextLF === -1 ? nextCR : nextCR === -1 ? nextLF : Math.min(nextLF, nextCR);

      if (p === -1) {
        // The rest of the chunk is part of an unterminated line.
        if (!this.inEvent) {
          this.inEvent = true;
          eventStart = i;
        }
        this.lineHasBytes = true;
        break;
      }
      if (p > i) {
        if (!this.inEvent) {
          this.inEvent = true;
          eventStart = i;
        }
        this.lineHasBytes = true;
      }
      // Step over the terminator.
      let next = p + 1;
      if (buf[p] === CR) {
        if (next < len) {
          if (buf[next] === LF) next++;
        } else {
          this.pendingCR = true;
        }
      }
      if (this.lineHasBytes) {
        this.lineHasBytes = false;
      } else if (this.inEvent) {
        // A blank line: the event's bytes are [eventStart, p) plus the held segments.
        const size = this.segmentsLen + (p - eventStart);
        if (size > this.maxEventBytes) this.fail(size);
        const ev = this.decodeEvent(this.takeSegments(buf, eventStart, p));
        if (ev !== undefined) out.push(ev);
        this.inEvent = false;
      }
      i = next;
    }

    if (this.inEvent) {
      const tail = len - eventStart;
      const size = this.segmentsLen + tail;
      if (size > this.maxEventBytes) this.fail(size);
      if (tail > 0) {
        // Copy: the caller may reuse its chunk buffer.
        this.segments.push(copyBytes(buf, eventStart, len));
        this.segmentsLen = size;
      }
    }
    return out;
  }

  private fail(size: number): never {
    this.failed = true;
    this.segments = [];
    this.segmentsLen = 0;
    throw new SseLimitError(this.maxEventBytes, size);
  }

  /** Joins the held segments with buf[start, end) into one Buffer and clears the held segments. */
  private takeSegments(buf: Uint8Array | undefined, start: number, end: number): Buffer {
    const segs = this.segments;
    let result: Buffer;
    if (segs.length === 0) {
      result =
        buf === undefined ? Buffer.alloc(0) : Buffer.from(buf.buffer, buf.byteOffset + start, end - start);
    } else {
      if (buf !== undefined && end > start) segs.push(buf.subarray(start, end));
      const total = this.segmentsLen + (buf === undefined ? 0 : end - start);
      result = segs.length === 1 ? toBuffer(segs[0] as Uint8Array) : Buffer.concat(segs, total);
      this.segments = [];
      this.segmentsLen = 0;
    }
    return result;
  }

  /** Decodes one complete event's field lines (UTF-8, once) and interprets them. */
  private decodeEvent(raw: Buffer): SseEvent | undefined {
    const text = raw.toString('utf8');
    let eventType: string | undefined;
    let id: string | undefined;
    let data: string | undefined;
    const lines = text.split(LINE_BREAK);
    for (const line of lines) {
      if (line.length === 0 || line.charCodeAt(0) === 0x3a /* ':' */) continue;
      const colon = line.indexOf(':');
      let field: string;
      let value: string;
      if (colon === -1) {
        field = line;
        value = '';
      } else {
        field = line.slice(0, colon);
        value = line.charCodeAt(colon + 1) === 0x20 ? line.slice(colon + 2) : line.slice(colon + 1);
      }
      switch (field) {
        case 'data':
          data = data === undefined ? value : `${data}\n${value}`;
          break;
        case 'event':
          eventType = value;
          break;
        case 'id':
          if (!value.includes('\0')) id = value;
          break;
        default:
          // `retry` and unknown fields are ignored.
          break;
      }
    }
    if (data === undefined) return undefined;
    const ev: SseEvent = { data };
    if (eventType !== undefined && eventType !== '') ev.event = eventType;
    if (id !== undefined) ev.id = id;
    return ev;
  }
}

/** A real copy (Buffer#slice would return a view). */
function copyBytes(u: Uint8Array, start: number, end: number): Uint8Array {
  return Uint8Array.prototype.slice.call(u, start, end);
}

function toBuffer(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.length);
}

/** Convenience: decodes a whole byte stream at once. */
export function decodeSse(bytes: Uint8Array, options?: SseDecoderOptions): SseEvent[] {
  const d = new SseDecoder(options);
  const out = d.push(bytes);
  const tail = d.end();
  return tail.length === 0 ? out : [...out, ...tail];
}

/**
 * Incremental splitter for a stream of JSON objects: either the elements of one top-level array
 * (`[{…},\r\n{…}\n]`, Gemini's streamGenerateContent without `alt=sse`) or concatenated / newline-delimited
 * objects (`{…}\n{…}`).
 *
 * Bytes are scanned once, tracking strings (with escapes) and nesting depth; an object's bytes are kept raw
 * until it closes, then UTF-8 decoded exactly once, so a character split across pushes is never decoded in
 * halves. It does not validate JSON beyond structure: the caller parses each object text.
 */

import { isJsonSpace } from '../../json.js';

const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

export class JsonSyntaxError extends Error {
  override readonly name = 'JsonSyntaxError';
}

export class JsonElementSplitter {
  /** Array mode: before '[', inside, after ']'. */
  private arrayState: 'before' | 'inside' | 'after';
  private depth = 0;
  private inString = false;
  private escape = false;
  private inObject = false;
  private segments: Uint8Array[] = [];
  private segmentsLen = 0;

  constructor(
    readonly mode: 'array' | 'objects',
    private readonly maxObjectBytes: number,
  ) {
    this.arrayState = mode === 'array' ? 'before' : 'inside';
  }

  push(buf: Uint8Array): string[] {
    const out: string[] = [];
    let start = 0;
    for (let i = 0; i < buf.length; i++) {
      const b = buf[i] as number;
      if (this.inObject) {
        if (this.inString) {
          if (this.escape) this.escape = false;
          else if (b === BACKSLASH) this.escape = true;
          else if (b === QUOTE) this.inString = false;
        } else if (b === QUOTE) {
          this.inString = true;
        } else if (b === LBRACE || b === LBRACKET) {
          this.depth++;
        } else if (b === RBRACE || b === RBRACKET) {
          if (--this.depth === 0) {
            out.push(this.take(buf, start, i + 1));
            this.inObject = false;
          }
        }
        continue;
      }
      if (isJsonSpace(b)) continue;
      if (this.arrayState === 'before') {
        if (b !== LBRACKET) throw new JsonSyntaxError('expected "["');
        this.arrayState = 'inside';
      } else if (this.arrayState === 'after') {
        throw new JsonSyntaxError('data after the closing "]"');
      } else if (b === LBRACE) {
        this.inObject = true;
        this.depth = 1;
        start = i;
      } else if (this.mode === 'array' && b === COMMA) {
        // Element separator.
      } else if (this.mode === 'array' && b === RBRACKET) {
        this.arrayState = 'after';
      } else {
        throw new JsonSyntaxError(`unexpected byte 0x${b.toString(16)} between objects`);
      }
    }
    if (this.inObject) this.hold(buf, start);
    return out;
  }

  /** The stream ended: an unfinished object (or unclosed array) is an error. */
  end(): void {
    if (this.inObject) throw new JsonSyntaxError('stream ended inside an object');
    if (this.mode === 'array' && this.arrayState === 'inside') throw new JsonSyntaxError('unclosed "["');
  }

  private hold(buf: Uint8Array, start: number): void {
    const size = this.segmentsLen + (buf.length - start);
    if (size > this.maxObjectBytes) throw new JsonSyntaxError(`object exceeds ${this.maxObjectBytes} bytes`);
    if (buf.length > start) {
      this.segments.push(Uint8Array.prototype.slice.call(buf, start, buf.length));
      this.segmentsLen = size;
    }
  }

  private take(buf: Uint8Array, start: number, end: number): string {
    const size = this.segmentsLen + (end - start);
    if (size > this.maxObjectBytes) throw new JsonSyntaxError(`object exceeds ${this.maxObjectBytes} bytes`);
    const tail = Buffer.from(buf.buffer, buf.byteOffset + start, end - start);
    const text =
      this.segments.length === 0
        ? tail.toString('utf8')
        : Buffer.concat([...this.segments, tail], size).toString('utf8');
    this.segments = [];
    this.segmentsLen = 0;
    return text;
  }
}

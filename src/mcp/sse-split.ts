/**
 * Splits a POST-scoped SSE stream (an MCP server's answer to one request) into whole events, kept
 * as their raw text, so events the guard does not change go out byte for byte and only the one
 * carrying the answer is rewritten. Bounded: an event larger than the limit throws (the caller fails
 * closed). Pure: strings in, strings out.
 */

export class SseEventTooLarge extends Error {}

/** One whole event: its raw text (terminator included) and the `data:` lines joined. */
export interface RawSseEvent {
  readonly raw: string;
  readonly data: string;
}

const BOUNDARY = /\r\n\r\n|\n\n|\r\r/;

export class SseSplitter {
  private buf = '';
  private readonly decoder = new TextDecoder('utf-8');

  constructor(private readonly maxEventChars: number) {}

  /** Whole events completed by this chunk, in order. */
  push(chunk: Uint8Array): RawSseEvent[] {
    this.buf += this.decoder.decode(chunk, { stream: true });
    const out: RawSseEvent[] = [];
    for (;;) {
      const m = BOUNDARY.exec(this.buf);
      if (m === null) break;
      const end = m.index + m[0].length;
      out.push(event(this.buf.slice(0, end)));
      this.buf = this.buf.slice(end);
    }
    if (this.buf.length > this.maxEventChars)
      throw new SseEventTooLarge(`an SSE event exceeds ${this.maxEventChars} characters`);
    return out;
  }

  /** The rest of the stream (an event without its closing blank line), raw. */
  end(): string {
    const rest = this.buf + this.decoder.decode();
    this.buf = '';
    return rest;
  }
}

/** Joins the data lines of one event (WHATWG field parsing: one optional space after the colon). */
function event(raw: string): RawSseEvent {
  const data: string[] = [];
  for (const line of raw.split(/\r\n|\r|\n/)) {
    if (!line.startsWith('data')) continue;
    if (line.length === 4) data.push('');
    else if (line[4] === ':') data.push(line.slice(line[5] === ' ' ? 6 : 5));
  }
  return { raw, data: data.join('\n') };
}

/** The event again with new data (other fields, such as id and event, kept in place). */
export function withData(ev: RawSseEvent, data: string): string {
  const lines = ev.raw.split(/\r\n|\r|\n/);
  const out: string[] = [];
  let wrote = false;
  for (const line of lines) {
    if (line.startsWith('data:') || line === 'data') {
      if (!wrote) out.push(...data.split('\n').map((d) => `data: ${d}`));
      wrote = true;
    } else out.push(line);
  }
  // lines ends with two empty entries (the blank line terminator): join restores "\n\n".
  return out.join('\n');
}

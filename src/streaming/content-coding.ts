/**
 * HTTP content codings a guard can read through (`content-encoding`: gzip, deflate, br), decoded with
 * a bounded output size and re-encoded the same way, and the UTF-8 byte-order mark. Pure: bytes in,
 * bytes out.
 */
import {
  brotliCompressSync,
  brotliDecompressSync,
  deflateSync,
  gunzipSync,
  gzipSync,
  inflateRawSync,
  inflateSync,
} from 'node:zlib';
import { DecompressedTooLargeError } from './gzip.js';

export type ContentCoding = 'identity' | 'gzip' | 'deflate' | 'br';

/**
 * The one coding a `content-encoding` value names (`identity` entries ignored, `x-gzip` is gzip),
 * or undefined when it names one we cannot decode or more than one.
 */
export function contentCoding(header: string | undefined): ContentCoding | undefined {
  if (header === undefined) return 'identity';
  let found: ContentCoding = 'identity';
  for (const part of header.split(',')) {
    const c = part.trim().toLowerCase();
    if (c === '' || c === 'identity') continue;
    if (found !== 'identity') return undefined;
    if (c === 'gzip' || c === 'x-gzip') found = 'gzip';
    else if (c === 'deflate') found = 'deflate';
    else if (c === 'br') found = 'br';
    else return undefined;
  }
  return found;
}

function bounded(limit: number, run: (opts: { maxOutputLength: number }) => Buffer): Buffer {
  try {
    return run({ maxOutputLength: limit });
  } catch (err) {
    if (err instanceof RangeError && (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw new DecompressedTooLargeError(limit, { cause: err });
    throw err;
  }
}

/**
 * Decodes a body, producing at most `maxBytes` bytes (past it: DecompressedTooLargeError; corrupt
 * input: zlib's error). HTTP's `deflate` is zlib-wrapped; raw deflate, which some servers send, is
 * accepted too.
 */
export function decodeContent(buf: Buffer, coding: ContentCoding, maxBytes: number): Buffer {
  const limit = Math.max(1, Math.floor(maxBytes));
  switch (coding) {
    case 'identity':
      return buf;
    case 'gzip':
      return bounded(limit, (o) => gunzipSync(buf, o));
    case 'br':
      return bounded(limit, (o) => brotliDecompressSync(buf, o));
    case 'deflate':
      try {
        return bounded(limit, (o) => inflateSync(buf, o));
      } catch (err) {
        if (err instanceof DecompressedTooLargeError) throw err;
        return bounded(limit, (o) => inflateRawSync(buf, o));
      }
  }
}

/** Encodes a body in the coding it arrived in. */
export function encodeContent(buf: Buffer, coding: ContentCoding): Buffer {
  switch (coding) {
    case 'identity':
      return buf;
    case 'gzip':
      return gzipSync(buf);
    case 'br':
      return brotliCompressSync(buf);
    case 'deflate':
      return deflateSync(buf);
  }
}

/** The bytes without a leading UTF-8 byte-order mark (JSON.parse refuses one). */
export function stripUtf8Bom(buf: Buffer): Buffer {
  return buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? buf.subarray(3) : buf;
}

/** gzip helpers for response bodies (`content-encoding: gzip`). */
import { gunzipSync, gzipSync } from 'node:zlib';

/** Thrown when a gzip body inflates beyond the allowed size (a "zip bomb" or just too large). */
export class DecompressedTooLargeError extends Error {
  override readonly name = 'DecompressedTooLargeError';
  readonly limit: number;
  constructor(limit: number, options?: ErrorOptions) {
    super(`gzip body inflates beyond ${limit} bytes`, options);
    this.limit = limit;
  }
}

/**
 * Inflates a gzip body (multi-member streams included), refusing to produce more than `maxBytes` bytes:
 * zlib stops as soon as the output would exceed the bound, so memory stays bounded.
 * Throws {@link DecompressedTooLargeError} past the bound; corrupt input throws zlib's own error.
 */
export function gunzipBounded(buf: Buffer, maxBytes: number): Buffer {
  if (!Number.isFinite(maxBytes) || maxBytes < 1) {
    throw new RangeError(`maxBytes must be >= 1, got ${maxBytes}`);
  }
  const limit = Math.floor(maxBytes);
  try {
    return gunzipSync(buf, { maxOutputLength: limit });
  } catch (err) {
    if (err instanceof RangeError && (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DecompressedTooLargeError(limit, { cause: err });
    }
    throw err;
  }
}

export function gzip(buf: Buffer): Buffer {
  return gzipSync(buf);
}

/**
 * True when a `content-encoding` header value means the body is gzip-coded: `gzip` or `x-gzip`, any case,
 * surrounding whitespace ignored; in a list, `identity` entries are ignored and gzip must be the only coding.
 */
export function isGzip(contentEncoding: string | undefined): boolean {
  if (contentEncoding === undefined) return false;
  let gz = false;
  for (const part of contentEncoding.split(',')) {
    const coding = part.trim().toLowerCase();
    if (coding === '' || coding === 'identity') continue;
    if ((coding === 'gzip' || coding === 'x-gzip') && !gz) gz = true;
    else return false;
  }
  return gz;
}

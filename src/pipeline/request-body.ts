/**
 * A request body read once, into what the codec and the stages need (route.ts's RequestBody).
 * A held body is read strictly: content-encoding decoded (bounded), a UTF-8 BOM dropped, invalid
 * UTF-8 refused, because what a guard cannot read must not pass. An observed body (nothing may
 * change it) is only parsed, to keep that path cheap.
 */
import { asObj } from '../json.js';
import { contentCoding, decodeContent } from '../streaming/content-coding.js';
import { DecompressedTooLargeError } from '../streaming/gzip.js';
import type { RequestBody } from './route.js';

/** UTF-8, strictly: invalid bytes throw; a leading BOM is dropped. */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

export function readObservedBody(bytes: Buffer): RequestBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    return { json: undefined, problem: 'not-json', bytes: bytes.length, error: err };
  }
  const json = asObj(parsed);
  return { json, problem: json ? undefined : 'not-object', bytes: bytes.length };
}

export function readHeldBody(
  raw: Buffer,
  contentEncoding: string | undefined,
  maxBytes: number,
): RequestBody {
  const coding = contentCoding(contentEncoding);
  if (coding === undefined) return { json: undefined, problem: 'encoding', bytes: raw.length };
  let text: string;
  try {
    text = STRICT_UTF8.decode(decodeContent(raw, coding, maxBytes));
  } catch (err) {
    const problem = err instanceof DecompressedTooLargeError ? 'too-large' : 'undecodable';
    return { json: undefined, problem, bytes: raw.length, error: err, coding };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { json: undefined, problem: 'not-json', bytes: raw.length, error: err, coding };
  }
  const json = asObj(parsed);
  return { json, problem: json ? undefined : 'not-object', bytes: raw.length, coding };
}

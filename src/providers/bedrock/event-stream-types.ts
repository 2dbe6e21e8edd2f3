/**
 * AWS event-stream (`application/vnd.amazon.eventstream`) message model.
 *
 * Wire layout of one message, all integers big-endian:
 *   total length u32 | headers length u32 | prelude CRC-32 u32 (over the first 8 bytes)
 *   headers (name length u8, name UTF-8, value type u8, value) | payload | message CRC-32 u32 (over all before)
 * Header value types: 0 true, 1 false (no value), 2 byte, 3 short, 4 integer, 5 long (signed, 1/2/4/8 bytes),
 * 6 binary and 7 string (u16 length + bytes), 8 timestamp (i64 milliseconds since the epoch), 9 uuid (16 bytes).
 */
import { TranslationError } from '../translate/types.js';

export type EventStreamHeaderValue =
  | { readonly type: 'boolean'; readonly value: boolean }
  | { readonly type: 'byte' | 'short' | 'integer'; readonly value: number }
  | { readonly type: 'long'; readonly value: bigint }
  | { readonly type: 'binary' | 'uuid'; readonly value: Uint8Array }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'timestamp'; readonly value: Date };

export interface EventStreamMessage {
  readonly headers: ReadonlyMap<string, EventStreamHeaderValue>;
  readonly payload: Uint8Array;
}

export const HeaderType = {
  boolTrue: 0,
  boolFalse: 1,
  byte: 2,
  short: 3,
  integer: 4,
  long: 5,
  binary: 6,
  string: 7,
  timestamp: 8,
  uuid: 9,
} as const;

export const PRELUDE_BYTES = 12;
export const CRC_BYTES = 4;
/** Prelude plus message CRC: a message with no headers and no payload. */
export const MIN_MESSAGE_BYTES = PRELUDE_BYTES + CRC_BYTES;
export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

export type EventStreamErrorCode =
  'prelude_crc_mismatch' | 'message_crc_mismatch' | 'message_too_large' | 'malformed' | 'truncated';

/**
 * The upstream sent bytes that are not a valid event stream. A TranslationError (502, api_error), so callers
 * that render TranslationErrors handle it too; the decoder that threw it is unusable afterwards.
 */
export class EventStreamError extends TranslationError {
  override readonly name = 'EventStreamError';
  constructor(
    readonly code: EventStreamErrorCode,
    message: string,
  ) {
    super(502, `Invalid AWS event stream from upstream: ${message}`, 'api_error');
  }
}

/** The value of a string header, or undefined when absent or of another type. */
export function headerString(msg: EventStreamMessage, name: string): string | undefined {
  const h = msg.headers.get(name);
  return h?.type === 'string' ? h.value : undefined;
}

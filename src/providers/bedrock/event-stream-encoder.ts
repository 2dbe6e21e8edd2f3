/** Encodes AWS event-stream messages (used by tests and by the mock provider to serve ConverseStream). */
import { crc32 } from './crc32.js';
import type { EventStreamHeaderValue } from './event-stream-types.js';
import { CRC_BYTES, HeaderType, PRELUDE_BYTES } from './event-stream-types.js';

/** Header input: a plain string is shorthand for a `string` header. */
export type EventStreamHeaderInput = string | EventStreamHeaderValue;

const MAX_U16 = 0xffff;

/** Encodes one message. Header order follows the object's key order. */
export function encodeEventStreamMessage(
  headers: Readonly<Record<string, EventStreamHeaderInput>>,
  payload: Uint8Array | string,
): Buffer {
  const headerParts = Object.entries(headers).map(([name, v]) =>
    encodeHeader(name, typeof v === 'string' ? { type: 'string', value: v } : v),
  );
  const headerBytes = Buffer.concat(headerParts);
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const total = PRELUDE_BYTES + headerBytes.length + body.length + CRC_BYTES;
  const out = Buffer.alloc(total);
  out.writeUInt32BE(total, 0);
  out.writeUInt32BE(headerBytes.length, 4);
  out.writeUInt32BE(crc32(out, 0, 8), 8);
  headerBytes.copy(out, PRELUDE_BYTES);
  out.set(body, PRELUDE_BYTES + headerBytes.length);
  out.writeUInt32BE(crc32(out, 0, total - CRC_BYTES), total - CRC_BYTES);
  return out;
}

function encodeHeader(name: string, h: EventStreamHeaderValue): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  if (nameBytes.length < 1 || nameBytes.length > 255)
    throw new RangeError(`header name '${name}' must be 1..255 bytes`);
  const value = encodeValue(h);
  return Buffer.concat([Buffer.from([nameBytes.length]), nameBytes, value]);
}

function encodeValue(h: EventStreamHeaderValue): Buffer {
  switch (h.type) {
    case 'boolean':
      return Buffer.from([h.value ? HeaderType.boolTrue : HeaderType.boolFalse]);
    case 'byte': {
      const b = Buffer.alloc(2);
      b[0] = HeaderType.byte;
      b.writeInt8(h.value, 1);
      return b;
    }
    case 'short': {
      const b = Buffer.alloc(3);
      b[0] = HeaderType.short;
      b.writeInt16BE(h.value, 1);
      return b;
    }
    case 'integer': {
      const b = Buffer.alloc(5);
      b[0] = HeaderType.integer;
      b.writeInt32BE(h.value, 1);
      return b;
    }
    case 'long': {
      const b = Buffer.alloc(9);
      b[0] = HeaderType.long;
      b.writeBigInt64BE(h.value, 1);
      return b;
    }
    case 'timestamp': {
      const b = Buffer.alloc(9);
      b[0] = HeaderType.timestamp;
      b.writeBigInt64BE(BigInt(h.value.getTime()), 1);
      return b;
    }
    case 'uuid': {
      if (h.value.length !== 16) throw new RangeError('uuid header value must be 16 bytes');
      return Buffer.concat([Buffer.from([HeaderType.uuid]), h.value]);
    }
    case 'binary':
      return lengthPrefixed(HeaderType.binary, h.value);
    case 'string':
      return lengthPrefixed(HeaderType.string, Buffer.from(h.value, 'utf8'));
  }
}

function lengthPrefixed(type: number, bytes: Uint8Array): Buffer {
  if (bytes.length > MAX_U16) throw new RangeError(`header value must be at most ${MAX_U16} bytes`);
  const b = Buffer.alloc(3 + bytes.length);
  b[0] = type;
  b.writeUInt16BE(bytes.length, 1);
  b.set(bytes, 3);
  return b;
}

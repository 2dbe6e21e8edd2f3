/** Shared fixtures for the Bedrock stream tests: an independent event-stream encoder, chunkers and drivers. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { crc32 as zlibCrc32 } from 'node:zlib';

import type { OpenAIChatChunk, UpstreamTarget } from '../../../../src/providers/translate/types.js';
import type { EventStreamMessage } from '../../../../src/providers/bedrock/index.js';
import {
  EventStreamDecoder,
  EventStreamError,
  createBedrockProvider,
} from '../../../../src/providers/bedrock/index.js';

const FIXTURES = path.resolve('test/fixtures/translate/bedrock');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests poke at arbitrary JSON
export type AnyJson = any;
export const fixture = (name: string): AnyJson => JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8'));
/** The expected fixture; UPDATE_GOLDEN=1 rewrites it from `actual` first (then review the diff). */
export const golden = (name: string, actual: unknown): AnyJson => {
  if (process.env.UPDATE_GOLDEN === '1') {
    writeFileSync(path.join(FIXTURES, name), JSON.stringify(actual, null, 2) + '\n');
  }
  return fixture(name);
};
const MODEL = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
export const TARGET: UpstreamTarget = { provider: 'bedrock', model: MODEL, stream: true };

// ---------------------------------------------------------------------------------------------------------------
// Test-side encoder, written independently of src/: CRCs come from node:zlib, layout from the AWS spec.
// ---------------------------------------------------------------------------------------------------------------
type TestHeader =
  | [name: string, type: 0 | 1]
  | [name: string, type: 2 | 3 | 4, value: number]
  | [name: string, type: 5 | 8, value: bigint]
  | [name: string, type: 6 | 9, value: Buffer]
  | [name: string, type: 7, value: string];

export function frame(headers: readonly TestHeader[], payload: string | Buffer): Buffer {
  const parts: Buffer[] = [];
  for (const h of headers) {
    const name = Buffer.from(h[0]);
    parts.push(Buffer.from([name.length]), name, Buffer.from([h[1]]));
    switch (h[1]) {
      case 0:
      case 1:
        break;
      case 2:
        parts.push(Buffer.from([h[2] & 0xff]));
        break;
      case 3: {
        const b = Buffer.alloc(2);
        b.writeInt16BE(h[2]);
        parts.push(b);
        break;
      }
      case 4: {
        const b = Buffer.alloc(4);
        b.writeInt32BE(h[2]);
        parts.push(b);
        break;
      }
      case 5:
      case 8: {
        const b = Buffer.alloc(8);
        b.writeBigInt64BE(h[2]);
        parts.push(b);
        break;
      }
      case 6:
      case 7: {
        const v = typeof h[2] === 'string' ? Buffer.from(h[2]) : h[2];
        const len = Buffer.alloc(2);
        len.writeUInt16BE(v.length);
        parts.push(len, v);
        break;
      }
      case 9:
        parts.push(h[2]);
        break;
    }
  }
  const headerBytes = Buffer.concat(parts);
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const total = 12 + headerBytes.length + body.length + 4;
  const prelude = Buffer.alloc(8);
  prelude.writeUInt32BE(total, 0);
  prelude.writeUInt32BE(headerBytes.length, 4);
  const preludeCrc = Buffer.alloc(4);
  preludeCrc.writeUInt32BE(zlibCrc32(prelude));
  const withoutCrc = Buffer.concat([prelude, preludeCrc, headerBytes, body]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlibCrc32(withoutCrc));
  return Buffer.concat([withoutCrc, crc]);
}

export const event = (type: string, payload: unknown): Buffer =>
  frame(
    [
      [':event-type', 7, type],
      [':content-type', 7, 'application/json'],
      [':message-type', 7, 'event'],
    ],
    JSON.stringify(payload),
  );

export const exception = (type: string, payload: string): Buffer =>
  frame(
    [
      [':exception-type', 7, type],
      [':content-type', 7, 'application/json'],
      [':message-type', 7, 'exception'],
    ],
    payload,
  );

export function framesOf(file: string): Buffer {
  const events: { event: string; payload: unknown }[] = fixture(file);
  return Buffer.concat(events.map((e) => event(e.event, e.payload)));
}

// ---------------------------------------------------------------------------------------------------------------
// Chunkers and drivers.
// ---------------------------------------------------------------------------------------------------------------
export type Chunker = (b: Buffer) => Iterable<Uint8Array>;
export const whole: Chunker = (b) => [b];
export const byteByByte: Chunker = function* (b) {
  for (let i = 0; i < b.length; i++) yield b.subarray(i, i + 1);
};
export const sized = (n: number): Chunker =>
  function* (b) {
    for (let i = 0; i < b.length; i += n) yield b.subarray(i, i + n);
  };
export const CHUNKERS: [string, Chunker][] = [
  ['whole', whole],
  ['byte by byte', byteByByte],
  ['7 bytes', sized(7)],
  ['64 bytes', sized(64)],
];

export const fixedProvider = () =>
  createBedrockProvider({ idPrefix: 'chatcmpl-bedrock-test', now: () => 1_700_000_000_000 });

export interface Run {
  chunks: OpenAIChatChunk[];
  error?: unknown;
}

export function run(bytes: Buffer, chunker: Chunker): Run {
  const dec = fixedProvider().stream(TARGET);
  const chunks: OpenAIChatChunk[] = [];
  try {
    for (const c of chunker(bytes)) chunks.push(...dec.push(c));
    chunks.push(...dec.end());
  } catch (error) {
    return { chunks, error };
  }
  return { chunks };
}

export function decodeAll(
  bytes: Buffer,
  chunker: Chunker,
  dec = new EventStreamDecoder(),
): EventStreamMessage[] {
  const out: EventStreamMessage[] = [];
  for (const c of chunker(bytes)) out.push(...dec.push(c));
  dec.end();
  return out;
}

export function throwsCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof EventStreamError, `expected EventStreamError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.status, 502);
    assert.equal(err.type, 'api_error');
    return true;
  });
}

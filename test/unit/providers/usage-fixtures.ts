/** Shared fixtures for the usage tests: recorded provider bodies and streams, chunkers, stream drivers. */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { SseEvent } from '../../../src/streaming/sse-decoder.js';
import { SseDecoder } from '../../../src/streaming/sse-decoder.js';
import type { ResponseFacts } from '../../../src/providers/usage.js';
import { StreamFactsAccumulator } from '../../../src/providers/usage.js';

const FIXTURES = path.resolve('test/fixtures/providers');
export const bytes = (name: string): Buffer => readFileSync(path.join(FIXTURES, name));
export const json = (name: string): unknown => JSON.parse(bytes(name).toString('utf8'));

export type Chunker = (b: Buffer) => Iterable<Uint8Array>;
export const whole: Chunker = (b) => [b];
export const byteByByte: Chunker = function* (b) {
  for (let i = 0; i < b.length; i++) yield b.subarray(i, i + 1);
};
export const sized = (n: number): Chunker =>
  function* (b) {
    for (let i = 0; i < b.length; i += n) yield b.subarray(i, i + n);
  };

export interface StreamResult {
  facts: ResponseFacts;
  done: boolean;
  invalid: number;
  events: number;
}

export function streamFacts(provider: string, file: string, chunker: Chunker = whole): StreamResult {
  const dec = new SseDecoder();
  const acc = new StreamFactsAccumulator(provider);
  let events = 0;
  const feed = (evs: SseEvent[]): void => {
    for (const ev of evs) {
      events++;
      acc.onEvent(ev);
    }
  };
  for (const c of chunker(bytes(file))) feed(dec.push(c));
  feed(dec.end());
  return { facts: acc.facts, done: acc.done, invalid: acc.invalidEvents, events };
}

export function eventsOf(file: string): SseEvent[] {
  const dec = new SseDecoder();
  return [...dec.push(bytes(file)), ...dec.end()];
}

export function accumulate(provider: string, events: Iterable<SseEvent>): StreamFactsAccumulator {
  const acc = new StreamFactsAccumulator(provider);
  for (const ev of events) acc.onEvent(ev);
  return acc;
}

export const NO_FACTS: ResponseFacts = { finishReasons: [], isToolCall: false };

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { BedrockInvokeStream } from '../../../../src/providers/claude-platforms/index.js';
import type { AnthropicStreamEvent } from '../../../../src/providers/claude-platforms/index.js';
import {
  encodeConverseException,
  encodeEventStreamMessage,
} from '../../../../src/providers/bedrock/index.js';
import { encodeSseAll } from '../../../../src/streaming/stream-event.js';

const FIXTURES = path.resolve('test/fixtures/translate/claude-platforms');
const read = (name: string): string => readFileSync(path.join(FIXTURES, name), 'utf8');
/** The expected fixture; UPDATE_GOLDEN=1 rewrites it from `actual` first (then review the diff). */
const golden = (name: string, actual: string): string => {
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path.join(FIXTURES, name), actual);
  return read(name);
};

/** One InvokeModel stream frame, as Bedrock sends it: the event's JSON, base64, in `bytes`. */
const chunkFrame = (event: unknown): Buffer =>
  encodeEventStreamMessage(
    { ':event-type': 'chunk', ':content-type': 'application/json', ':message-type': 'event' },
    JSON.stringify({ bytes: Buffer.from(JSON.stringify(event)).toString('base64'), p: 'abcdefgh' }),
  );

function decode(bytes: Buffer, step: number): AnthropicStreamEvent[] {
  const d = new BedrockInvokeStream();
  const out: AnthropicStreamEvent[] = [];
  for (let i = 0; i < bytes.length; i += step) out.push(...d.push(bytes.subarray(i, i + step)));
  out.push(...d.end());
  return out;
}

const events = JSON.parse(read('invoke-stream-thinking-tool.events.json')) as { type: string }[];
const wire = Buffer.concat(events.map(chunkFrame));

describe('Bedrock InvokeModel stream → Anthropic SSE', () => {
  it('golden: thinking with its signature, a tool call, Bedrock metrics; whole and byte by byte', () => {
    const whole = encodeSseAll(decode(wire, wire.length));
    assert.equal(whole, golden('invoke-stream-thinking-tool.sse', whole));
    assert.equal(encodeSseAll(decode(wire, 1)), whole);
    assert.equal(encodeSseAll(decode(wire, 7)), whole);
  });

  it('every event passes as it came: same JSON, named by its type', () => {
    const out = decode(wire, 3);
    assert.deepEqual(
      out.map((e) => e.json),
      events,
    );
    assert.deepEqual(
      out.map((e) => e.event),
      events.map((e) => e.type),
    );
  });

  it('an exception frame becomes one Anthropic error event, and nothing follows', () => {
    const bytes = Buffer.concat([
      chunkFrame(events[0]),
      encodeConverseException('throttlingException', 'Too many tokens, please wait'),
      chunkFrame(events[1]),
    ]);
    for (const step of [bytes.length, 1]) {
      const out = decode(bytes, step);
      assert.deepEqual(
        out.map((e) => e.event),
        ['message_start', 'error'],
      );
      assert.deepEqual(out[1]?.json, {
        type: 'error',
        error: { type: 'rate_limit_error', message: 'Too many tokens, please wait' },
      });
    }
  });

  it('a stream cut inside a frame, a corrupt frame or a chunk that is not an event: an api_error event', () => {
    const cut = decode(wire.subarray(0, wire.length - 5), 11);
    assert.equal(cut.at(-1)?.event, 'error');
    assert.equal(cut.length, events.length);
    const corrupt = Buffer.from(wire);
    corrupt[20] = corrupt[20]! ^ 0xff;
    assert.deepEqual(
      decode(corrupt, 5).map((e) => e.event),
      ['error'],
    );
    const notEvent = encodeEventStreamMessage(
      { ':event-type': 'chunk', ':content-type': 'application/json', ':message-type': 'event' },
      JSON.stringify({ bytes: Buffer.from('[1,2]').toString('base64') }),
    );
    const bad = decode(notEvent, 4);
    assert.equal(bad.length, 1);
    assert.deepEqual((bad[0]?.json.error as { type: string }).type, 'api_error');
  });

  it('a frame over the size limit is refused at its prelude', () => {
    const d = new BedrockInvokeStream(64);
    const out = d.push(wire);
    assert.deepEqual(
      out.map((e) => e.event),
      ['error'],
    );
    assert.deepEqual(d.push(wire), []);
  });
});

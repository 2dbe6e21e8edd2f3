import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import {
  BedrockStreamError,
  EventStreamError,
  MAX_TOOL_BLOCKS,
} from '../../../../src/providers/bedrock/index.js';
import type { AnyJson } from './stream-fixtures.js';
import {
  CHUNKERS,
  TARGET,
  byteByByte,
  event,
  exception,
  fixedProvider,
  frame,
  framesOf,
  golden,
  run,
  whole,
} from './stream-fixtures.js';

describe('bedrock stream → OpenAI chunks', () => {
  for (const scenario of ['text', 'tools']) {
    for (const [name, chunker] of CHUNKERS) {
      it(`golden stream-${scenario}, fed ${name}`, () => {
        const result = run(framesOf(`stream-${scenario}.events.json`), chunker);
        assert.equal(result.error, undefined);
        assert.deepEqual(result.chunks, golden(`stream-${scenario}.chunks.json`, result.chunks));
      });
    }
  }

  it('sends a role chunk before content when messageStart is missing, and skips unknown events and headers', () => {
    const bytes = Buffer.concat([
      frame(
        [
          [':date', 8, 1_700_000_000_000n],
          [':event-type', 7, 'contentBlockDelta'],
          ['x-id', 9, Buffer.alloc(16, 7)],
          [':message-type', 7, 'event'],
          ['flag', 0],
        ],
        JSON.stringify({ contentBlockIndex: 0, delta: { text: 'hi' } }),
      ),
      event('somethingNew', { x: 1 }),
      frame([[':message-type', 7, 'weird']], 'ignored'),
      frame([[':event-type', 7, 'messageStop']], JSON.stringify({ stopReason: 'guardrail_intervened' })),
    ]);
    const deltas = run(bytes, whole).chunks.map((c: AnyJson): unknown => [
      c.choices[0].delta,
      c.choices[0].finish_reason,
    ]);
    assert.deepEqual(deltas, [
      [{ role: 'assistant', content: '' }, null],
      [{ content: 'hi' }, null],
      [{}, 'content_filter'],
    ]);
  });

  it('an exception after content: chunks first, then BedrockStreamError on the next call, for any split', () => {
    const bytes = Buffer.concat([
      event('messageStart', { role: 'assistant' }),
      event('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'partial' } }),
      exception('throttlingException', '{"message":"Too many tokens, please wait before trying again."}'),
      event('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'never seen' } }),
    ]);
    for (const [name, chunker] of CHUNKERS) {
      const result = run(bytes, chunker);
      assert.deepEqual(
        result.chunks.map((c: AnyJson): unknown => c.choices[0].delta),
        [{ role: 'assistant', content: '' }, { content: 'partial' }],
        name,
      );
      assert.ok(result.error instanceof BedrockStreamError, name);
      assert.equal(result.error.status, 429);
      assert.equal(result.error.type, 'rate_limit_error');
      assert.equal(result.error.code, 'throttlingException');
      assert.equal(result.error.message, 'Too many tokens, please wait before trying again.');
    }
  });

  it('an exception first throws at once, and the decoder keeps throwing', () => {
    const dec = fixedProvider().stream(TARGET);
    const bytes = exception('modelStreamErrorException', 'not json at all');
    assert.throws(
      () => dec.push(bytes),
      (err: unknown) =>
        err instanceof BedrockStreamError &&
        err.status === 424 &&
        err.type === 'api_error' &&
        err.code === 'modelStreamErrorException' &&
        err.message === 'not json at all',
    );
    assert.throws(() => dec.push(event('messageStart', {})), BedrockStreamError);
    assert.throws(() => dec.end(), BedrockStreamError);
  });

  it('maps unknown exceptions and protocol error messages', () => {
    const unknown = run(exception('brandNewException', '{}'), whole).error;
    assert.ok(unknown instanceof BedrockStreamError);
    assert.equal(unknown.status, 502);
    assert.equal(unknown.message, 'Bedrock stream reported brandNewException');
    const protocol = frame(
      [
        [':message-type', 7, 'error'],
        [':error-code', 7, 'InternalServerException'],
        [':error-message', 7, 'boom'],
      ],
      '',
    );
    const err = run(protocol, whole).error;
    assert.ok(err instanceof BedrockStreamError);
    assert.deepEqual(
      [err.status, err.type, err.code, err.message],
      [500, 'api_error', 'InternalServerException', 'boom'],
    );
  });

  it('a corrupted frame mid-stream: earlier chunks survive, then EventStreamError', () => {
    const good = event('messageStart', { role: 'assistant' });
    const bad = event('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'x' } });
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 0xff;
    for (const [name, chunker] of CHUNKERS) {
      const result = run(Buffer.concat([good, bad]), chunker);
      assert.equal(result.chunks.length, 1, name);
      assert.ok(result.error instanceof EventStreamError, name);
      assert.equal(result.error.code, 'message_crc_mismatch');
    }
  });

  it('a payload that is not a JSON object is a protocol error', () => {
    const bytes = frame([[':event-type', 7, 'contentBlockDelta']], '[1,2]');
    const { error } = run(bytes, whole);
    assert.ok(error instanceof EventStreamError);
    assert.equal(error.code, 'malformed');
  });

  it('a truncated stream: chunks so far, then EventStreamError(truncated) from end()', () => {
    const bytes = framesOf('stream-text.events.json');
    const result = run(bytes.subarray(0, bytes.length - 5), byteByByte);
    assert.equal(result.chunks.length, 6);
    assert.ok(result.error instanceof EventStreamError);
    assert.equal(result.error.code, 'truncated');
  });

  it('tool deltas without a contentBlockStart still get an index; too many tool blocks is an error', () => {
    const orphan = run(
      event('contentBlockDelta', { contentBlockIndex: 3, delta: { toolUse: { input: '{}' } } }),
      whole,
    );
    assert.deepEqual((orphan.chunks[1] as AnyJson).choices[0].delta, {
      tool_calls: [{ index: 0, function: { arguments: '{}' } }],
    });
    const many = Buffer.concat(
      Array.from({ length: MAX_TOOL_BLOCKS + 1 }, (_, i) =>
        event('contentBlockStart', {
          contentBlockIndex: i,
          start: { toolUse: { toolUseId: `t${i}`, name: 'f' } },
        }),
      ),
    );
    const result = run(many, whole);
    assert.equal(result.chunks.length, MAX_TOOL_BLOCKS + 1);
    assert.ok(result.error instanceof Error);
    assert.match(result.error.message, /more than 1000 tool blocks/);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StreamSession, MAX_STREAMED_PIECE } from '../../../src/server/stream-session.js';
import type { LocalReply } from '../../../src/pipeline/types.js';
import {
  FakeExchange,
  session,
  reqHeaders,
  respHeaders,
  body,
  trailers,
  mutationOf,
  mdKeys,
} from './stream-session-fixtures.js';

describe('StreamSession STREAMED', () => {
  it('observe: one unmutated reply per chunk, metadata on the last', async () => {
    const s = session(new FakeExchange('observe'));
    assert.equal((await s.handle(reqHeaders())).length, 1);
    const r1 = await s.handle(body('request', 'a', false));
    const r2 = await s.handle(body('request', 'b', false));
    const r3 = await s.handle(body('request', 'c', true));
    for (const r of [r1, r2, r3]) assert.equal(r.length, 1);
    assert.equal(mutationOf(r1[0]!), null);
    assert.equal(mutationOf(r3[0]!), null);
    assert.deepEqual(mdKeys(r3[0]!), ['done']);
  });

  it('buffer: answers one chunk behind and sends the whole changed body on the last reply', async () => {
    const s = session(new FakeExchange('buffer', { change: true }));
    await s.handle(reqHeaders());
    assert.deepEqual(await s.handle(body('request', 'ab', false)), []);
    const r2 = await s.handle(body('request', 'cd', false));
    assert.equal(r2.length, 1);
    assert.deepEqual(mutationOf(r2[0]!), { clear_body: true });
    const r3 = await s.handle(body('request', 'ef', true));
    assert.equal(r3.length, 2);
    assert.deepEqual(mutationOf(r3[0]!), { clear_body: true });
    assert.equal((mutationOf(r3[1]!) as { body: Buffer }).body.toString(), 'ABCDEF');
  });

  it('buffer: an unchanged multi-chunk body goes out as the original bytes', async () => {
    const ex = new FakeExchange('buffer');
    const s = session(ex);
    await s.handle(reqHeaders());
    await s.handle(body('request', '{"a":', false));
    const last = await s.handle(body('request', '1}', true));
    assert.equal((mutationOf(last[1]!) as { body: Buffer }).body.toString(), '{"a":1}');
    assert.equal(ex.ended[0]?.body, '{"a":1}');
  });

  it('buffer: a single unchanged chunk passes without mutation', async () => {
    const s = session(new FakeExchange('buffer'));
    await s.handle(reqHeaders());
    const r = await s.handle(body('request', 'whole', true));
    assert.equal(r.length, 1);
    assert.equal(mutationOf(r[0]!), null);
  });

  it('buffer: trailers end the body; the held body rides on the reply to the last chunk', async () => {
    const s = session(new FakeExchange('buffer', { change: true }));
    await s.handle(reqHeaders());
    assert.deepEqual(await s.handle(body('request', 'ab', false)), []);
    assert.equal((await s.handle(body('request', 'cd', false))).length, 1);
    const r = await s.handle(trailers('request'));
    assert.equal(r.length, 2);
    assert.equal((mutationOf(r[0]!) as { body: Buffer }).body.toString(), 'ABCD');
    assert.ok(r[1]!.request_trailers);
  });

  it('transform: each chunk is replaced by the exchange output; empty output clears it', async () => {
    const s = session(
      new FakeExchange('transform', {
        transform: (c) => (c.toString() === 'drop' ? Buffer.alloc(0) : Buffer.from(`<${c.toString()}>`)),
      }),
    );
    await s.handle(reqHeaders());
    const a = await s.handle(body('request', 'x', false));
    assert.equal((mutationOf(a[0]!) as { body: Buffer }).body.toString(), '<x>');
    const b = await s.handle(body('request', 'drop', true));
    assert.deepEqual(mutationOf(b[0]!), { clear_body: true });
  });

  it('buffer over the limit: a local reply, then silence', async () => {
    const s = session(new FakeExchange('buffer'), 'STREAMED', 'STREAMED', 4);
    await s.handle(reqHeaders());
    const r = await s.handle(body('request', 'too long', false));
    assert.equal(r[0]!.immediate_response?.status?.code, 413);
    assert.deepEqual(await s.handle(body('request', 'more', true)), []);
    assert.ok(s.isLocalReply);
  });

  it('a held request past Envoy’s buffer limit is refused at once, not held while Envoy stalls', async () => {
    const opts = (limit: number) => ({
      defaultModes: { request: 'STREAMED' as const, response: 'STREAMED' as const },
      maxHeldBodyBytes: 1 << 20,
      envoyBufferLimitBytes: limit,
      tooLarge: (): LocalReply => ({ status: 413, body: 'too large' }),
    });
    // Envoy keeps the chunk we owe a reply for; past its limit it stops reading: no more chunks come.
    const s = new StreamSession(new FakeExchange('buffer', { change: true }), opts(8));
    await s.handle(reqHeaders());
    assert.deepEqual(await s.handle(body('request', 'abcd', false)), []); // answered one chunk behind
    const r = await s.handle(body('request', 'efghi', false));
    assert.equal(r[0]!.immediate_response?.status?.code, 413);
    // A last chunk past it is fine (nothing more to wait for); the route's own limit still holds.
    const ok = new StreamSession(new FakeExchange('buffer', { change: true }), opts(8));
    await ok.handle(reqHeaders());
    await ok.handle(body('request', 'abcd', false));
    const last = await ok.handle(body('request', 'efghi', true));
    assert.equal(mutationOf(last.at(-1)!)?.body?.toString(), 'ABCDEFGHI');
    // Responses are not affected (the limit is about the request Envoy stops reading).
    const resp = new StreamSession(new FakeExchange('buffer', { change: true }), opts(8));
    await resp.handle(reqHeaders(true));
    await resp.handle(respHeaders());
    assert.deepEqual(await resp.handle(body('response', 'abcdefghij', false)), []);
    assert.equal(resp.isLocalReply, false);
  });

  it('interleaving: a response message is answered while a request chunk reply is owed', async () => {
    const s = session(new FakeExchange('buffer'));
    await s.handle(reqHeaders());
    assert.deepEqual(await s.handle(body('request', 'part', false)), []);
    const rh = await s.handle(respHeaders());
    assert.equal(rh.length, 1);
    assert.ok(rh[0]!.response_headers);
    const last = await s.handle(body('request', 'end', true));
    assert.equal(last.length, 2);
    assert.ok(last.every((r) => r.request_body));
  });
});

describe('StreamSession BUFFERED', () => {
  it('a changed body carries the matching content-length in the same reply', async () => {
    const s = session(new FakeExchange('buffer', { change: true }), 'BUFFERED', 'BUFFERED');
    await s.handle(reqHeaders());
    const r = await s.handle(body('request', 'héllo', true));
    const common = r[0]!.request_body!.response!;
    assert.equal((common.body_mutation as { body: Buffer }).body.toString(), 'HÉLLO');
    const cl = common.header_mutation?.set_headers?.find((h) => h.header?.key === 'content-length');
    assert.equal(cl?.header?.raw_value?.toString(), String(Buffer.byteLength('HÉLLO')));
  });

  it('an unchanged body gets no mutation and no content-length', async () => {
    const s = session(new FakeExchange('buffer'), 'BUFFERED', 'BUFFERED');
    await s.handle(reqHeaders());
    const common = (await s.handle(body('request', 'same', true)))[0]!.request_body!.response!;
    assert.equal(common.body_mutation, null);
    assert.equal(common.header_mutation, null);
  });

  it('end_of_stream=false (trailers follow) is still the complete body', async () => {
    const ex = new FakeExchange('observe');
    const s = session(ex, 'BUFFERED', 'BUFFERED');
    await s.handle(reqHeaders());
    await s.handle(body('request', 'all', false));
    assert.deepEqual(ex.ended[0], { dir: 'request', body: 'all', complete: true });
    assert.equal((await s.handle(trailers('request'))).length, 1);
  });

  it('BUFFERED_PARTIAL without end_of_stream is reported incomplete', async () => {
    const ex = new FakeExchange('observe');
    const s = session(ex, 'BUFFERED_PARTIAL', 'BUFFERED_PARTIAL');
    await s.handle(reqHeaders());
    await s.handle(body('request', 'prefix', false));
    assert.equal(ex.ended[0]?.complete, false);
  });
});

describe('StreamSession FULL_DUPLEX_STREAMED', () => {
  it('observe: echoes chunks as streamed_response pieces of at most 64 KiB, eos on the last', async () => {
    const s = session(new FakeExchange('observe'), 'FULL_DUPLEX_STREAMED', 'FULL_DUPLEX_STREAMED');
    await s.handle(reqHeaders());
    const big = Buffer.alloc(MAX_STREAMED_PIECE * 2 + 10, 'x');
    const r = await s.handle(body('request', big, true));
    assert.equal(r.length, 3);
    const pieces = r.map(
      (x) => mutationOf(x) as { streamed_response: { body: Buffer; end_of_stream: boolean } },
    );
    assert.ok(pieces.every((p) => p.streamed_response.body.length <= MAX_STREAMED_PIECE));
    assert.deepEqual(
      pieces.map((p) => p.streamed_response.end_of_stream),
      [false, false, true],
    );
    assert.equal(Buffer.concat(pieces.map((p) => p.streamed_response.body)).length, big.length);
    assert.deepEqual(mdKeys(r[2]!), ['done']);
  });

  it('buffer: nothing until the end, then the whole body', async () => {
    const s = session(
      new FakeExchange('buffer', { change: true }),
      'FULL_DUPLEX_STREAMED',
      'FULL_DUPLEX_STREAMED',
    );
    await s.handle(reqHeaders());
    assert.deepEqual(await s.handle(body('request', 'ab', false)), []);
    const r = await s.handle(body('request', 'c', true));
    const p = mutationOf(r[0]!) as { streamed_response: { body: Buffer; end_of_stream: boolean } };
    assert.equal(p.streamed_response.body.toString(), 'ABC');
    assert.equal(p.streamed_response.end_of_stream, true);
  });

  it('buffer with trailers: the body goes out without eos, then the trailers reply ends it', async () => {
    const s = session(new FakeExchange('buffer'), 'FULL_DUPLEX_STREAMED', 'FULL_DUPLEX_STREAMED');
    await s.handle(reqHeaders());
    await s.handle(body('request', 'abc', false));
    const r = await s.handle(trailers('request'));
    assert.equal(r.length, 2);
    const p = mutationOf(r[0]!) as { streamed_response: { body: Buffer; end_of_stream: boolean } };
    assert.equal(p.streamed_response.body.toString(), 'abc');
    assert.equal(p.streamed_response.end_of_stream, false);
    assert.ok(r[1]!.request_trailers);
  });

  it('an empty end_of_stream chunk still sends end_of_stream', async () => {
    const s = session(new FakeExchange('observe'), 'FULL_DUPLEX_STREAMED', 'FULL_DUPLEX_STREAMED');
    await s.handle(reqHeaders());
    await s.handle(body('request', 'data', false));
    const r = await s.handle(body('request', '', true));
    assert.equal(r.length, 1);
    assert.equal(
      (mutationOf(r[0]!) as { streamed_response: { end_of_stream: boolean } }).streamed_response
        .end_of_stream,
      true,
    );
  });
});

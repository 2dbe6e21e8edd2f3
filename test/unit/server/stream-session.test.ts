import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StreamSession, MAX_STREAMED_PIECE } from '../../../src/server/stream-session.js';
import type { BodyMode } from '../../../src/server/stream-session.js';
import type { ProcessingRequest__Output } from '../../../src/server/generated/envoy/service/ext_proc/v3/ProcessingRequest.js';
import type { ProcessingResponse } from '../../../src/server/generated/envoy/service/ext_proc/v3/ProcessingResponse.js';
import type { BodyPlan, Direction, Exchange, LocalReply } from '../../../src/pipeline/types.js';

/** A scripted exchange: uppercases held bodies, records every call. */
class FakeExchange implements Exchange {
  calls: string[] = [];
  ended: { dir: Direction; body: string | undefined; complete: boolean }[] = [];
  constructor(
    private readonly plan: BodyPlan,
    private readonly opts: {
      change?: boolean;
      rejectOnHeaders?: LocalReply;
      transform?: (c: Buffer) => Buffer;
    } = {},
  ) {}
  headers(dir: Direction) {
    this.calls.push(`headers:${dir}`);
    if (this.opts.rejectOnHeaders) return { bodyPlan: this.plan, reply: this.opts.rejectOnHeaders };
    return { bodyPlan: this.plan, metadata: { 'ai.kgateway.io': { phase: `${dir}-headers` } } };
  }
  chunk(dir: Direction, chunk: Buffer) {
    this.calls.push(`chunk:${dir}:${chunk.toString()}`);
    return this.opts.transform ? { body: this.opts.transform(chunk) } : {};
  }
  end(dir: Direction, body: Buffer | undefined, complete: boolean) {
    this.calls.push(`end:${dir}`);
    this.ended.push({ dir, body: body?.toString(), complete });
    const changed = this.opts.change && body ? Buffer.from(body.toString().toUpperCase()) : undefined;
    return { ...(changed ? { body: changed } : {}), metadata: { 'ai.kgateway.io': { done: dir } } };
  }
  trailers(dir: Direction) {
    this.calls.push(`trailers:${dir}`);
    return {};
  }
  close() {
    this.calls.push('close');
  }
}

function session(
  ex: Exchange,
  request: BodyMode = 'STREAMED',
  response: BodyMode = 'STREAMED',
  max = 1 << 20,
) {
  return new StreamSession(ex, {
    defaultModes: { request, response },
    maxHeldBodyBytes: max,
    tooLarge: (): LocalReply => ({ status: 413, body: 'too large' }),
  });
}

const msg = (m: Partial<ProcessingRequest__Output>): ProcessingRequest__Output => ({
  metadata_context: null,
  attributes: {},
  observability_mode: false,
  protocol_config: null,
  ...m,
});
const reqHeaders = (eos = false) =>
  msg({
    request: 'request_headers',
    request_headers: { headers: { headers: [] }, attributes: {}, end_of_stream: eos },
  });
const respHeaders = () =>
  msg({
    request: 'response_headers',
    response_headers: { headers: { headers: [] }, attributes: {}, end_of_stream: false },
  });
const body = (dir: Direction, text: string | Buffer, eos: boolean) => {
  const b = {
    body: Buffer.from(text),
    end_of_stream: eos,
    end_of_stream_without_message: false,
    grpc_message_compressed: false,
  };
  return dir === 'request'
    ? msg({ request: 'request_body', request_body: b })
    : msg({ request: 'response_body', response_body: b });
};
const trailers = (dir: Direction) =>
  dir === 'request'
    ? msg({ request: 'request_trailers', request_trailers: { trailers: { headers: [] } } })
    : msg({ request: 'response_trailers', response_trailers: { trailers: { headers: [] } } });

function mutationOf(r: ProcessingResponse) {
  return (r.request_body ?? r.response_body)?.response?.body_mutation ?? null;
}
const mdKeys = (r: ProcessingResponse) =>
  Object.keys(r.dynamic_metadata?.fields?.['ai.kgateway.io']?.structValue?.fields ?? {}).sort();

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

describe('StreamSession other rules', () => {
  it('protocol_config overrides the default modes', async () => {
    const s = session(new FakeExchange('observe'));
    await s.handle({
      ...reqHeaders(),
      protocol_config: {
        request_body_mode: 'BUFFERED',
        response_body_mode: 'FULL_DUPLEX_STREAMED',
        send_body_without_waiting_for_header_response: false,
      },
    });
    assert.equal(s.modeOf('request'), 'BUFFERED');
    assert.equal(s.modeOf('response'), 'FULL_DUPLEX_STREAMED');
  });

  it('observability mode: everything is processed, nothing is answered', async () => {
    const ex = new FakeExchange('observe');
    const s = session(ex);
    for (const m of [reqHeaders(), body('request', 'a', true), respHeaders(), body('response', 'b', true)]) {
      assert.deepEqual(await s.handle({ ...m, observability_mode: true }), []);
    }
    assert.deepEqual(ex.calls, [
      'headers:request',
      'chunk:request:a',
      'end:request',
      'headers:response',
      'chunk:response:b',
      'end:response',
    ]);
  });

  it('a local reply on headers is an immediate_response; later messages get nothing', async () => {
    const s = session(
      new FakeExchange('observe', {
        rejectOnHeaders: { status: 418, body: 'teapot', details: 'no coffee here' },
      }),
    );
    const r = await s.handle(reqHeaders());
    assert.equal(r[0]!.immediate_response?.status?.code, 418);
    assert.equal(r[0]!.immediate_response?.details, 'no_coffee_here');
    assert.deepEqual(await s.handle(body('request', 'x', true)), []);
  });

  it('headers with end_of_stream end the direction at once', async () => {
    const ex = new FakeExchange('observe');
    const s = session(ex);
    const r = await s.handle(reqHeaders(true));
    assert.deepEqual(mdKeys(r[0]!), ['done', 'phase']);
    assert.deepEqual(ex.calls, ['headers:request', 'end:request']);
  });
});

describe('StreamSession header edits after the body', () => {
  const routing = (): Exchange => ({
    headers: () => ({ bodyPlan: 'buffer' }),
    chunk: () => ({}),
    end: () => ({
      body: Buffer.from('{"routed":true}'),
      headers: { set: [[':path', '/v1/messages']] },
      clearRouteCache: true,
    }),
    trailers: () => ({}),
    close: () => undefined,
  });

  it('BUFFERED: the edits and clear_route_cache ride on the body reply', async () => {
    const s = session(routing(), 'BUFFERED', 'STREAMED');
    await s.handle(reqHeaders());
    const common = (await s.handle(body('request', '{}', true)))[0]!.request_body!.response!;
    assert.equal(common.clear_route_cache, true);
    assert.ok(common.header_mutation?.set_headers?.some((h) => h.header?.key === ':path'));
  });

  it('STREAMED: too late to change headers, so a clear local 500 instead of a misrouted request', async () => {
    const s = session(routing(), 'STREAMED', 'STREAMED');
    await s.handle(reqHeaders());
    const r = await s.handle(body('request', '{}', true));
    assert.equal(r.at(-1)!.immediate_response?.status?.code, 500);
    assert.equal(
      r.at(-1)!.immediate_response?.details,
      'ai_extproc_header_mutation_needs_buffered_body_mode',
    );
  });
});

describe('StreamSession complete (the server may end the call)', () => {
  it('once both directions carried end_of_stream, and not before', async () => {
    const s = session(new FakeExchange('observe'));
    await s.handle(reqHeaders());
    await s.handle(body('request', 'a', true));
    assert.equal(s.complete, false);
    await s.handle(respHeaders());
    await s.handle(body('response', 'x', false));
    assert.equal(s.complete, false);
    await s.handle(body('response', 'y', true));
    assert.equal(s.complete, true);
  });

  it('a GET (headers with end_of_stream) needs only the response to end', async () => {
    const s = session(new FakeExchange('observe'));
    await s.handle(reqHeaders(true));
    await s.handle(respHeaders());
    assert.equal(s.complete, false);
    await s.handle(body('response', 'x', true));
    assert.equal(s.complete, true);
  });

  it('BUFFERED without end_of_stream waits for the trailers that must follow', async () => {
    const s = session(new FakeExchange('observe'), 'STREAMED', 'BUFFERED');
    await s.handle(reqHeaders());
    await s.handle(body('request', 'a', true));
    await s.handle(respHeaders());
    await s.handle(body('response', 'whole', false));
    assert.equal(s.complete, false);
    await s.handle(trailers('response'));
    assert.equal(s.complete, true);
  });

  it('never in observability mode, nor after a local reply', async () => {
    const o = session(new FakeExchange('observe'));
    for (const m of [reqHeaders(true), respHeaders(), body('response', 'x', true)])
      await o.handle({ ...m, observability_mode: true });
    assert.equal(o.complete, false);
    const r = session(new FakeExchange('observe', { rejectOnHeaders: { status: 403, body: 'no' } }));
    await r.handle(reqHeaders(true));
    assert.equal(r.complete, false);
  });
});

describe('StreamSession mode_override', () => {
  /** An exchange that reads no response body. */
  class SkipsResponse extends FakeExchange {
    override headers(dir: Direction) {
      return { ...super.headers(dir), ...(dir === 'response' ? { skipResponseBody: true } : {}) };
    }
  }

  it('a response body nobody reads: response body mode NONE, the request body mode restated', async () => {
    const s = session(new SkipsResponse('observe'), 'BUFFERED', 'STREAMED');
    await s.handle(reqHeaders());
    await s.handle(body('request', '{}', true));
    const [r] = await s.handle(respHeaders());
    assert.deepEqual(r!.mode_override, { request_body_mode: 'BUFFERED', response_body_mode: 'NONE' });
    // Envoy sends the body anyway (no allow_mode_override): it is answered as before.
    const [b] = await s.handle(body('response', 'x', true));
    assert.ok(b!.response_body);
  });

  it('no override when the exchange reads the response body', async () => {
    const s = session(new FakeExchange('observe'), 'BUFFERED', 'STREAMED');
    await s.handle(reqHeaders());
    await s.handle(body('request', '{}', true));
    const [r] = await s.handle(respHeaders());
    assert.equal(r!.mode_override, undefined);
  });
});

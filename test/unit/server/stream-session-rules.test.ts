import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Direction, Exchange } from '../../../src/pipeline/types.js';
import {
  FakeExchange,
  session,
  reqHeaders,
  respHeaders,
  body,
  trailers,
  mdKeys,
} from './stream-session-fixtures.js';

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

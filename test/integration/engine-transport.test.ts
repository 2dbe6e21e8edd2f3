/**
 * The stream engine's hold-back and rewrite paths through the real transport, using a scripted
 * exchange (the kgateway exchange itself never changes bodies yet).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ExtProcTestClient,
  requestBody,
  requestHeaders,
  requestTrailers,
  responseBody,
  responseHeaders,
} from '../helpers/extproc-client.js';
import type { Reply } from '../helpers/extproc-client.js';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import type { Direction, Exchange } from '../../src/pipeline/types.js';

/** Holds request bodies and uppercases them; rewrites response chunks as "[chunk]". */
function scriptedExchange(): Exchange {
  return {
    headers: (dir: Direction) => ({ bodyPlan: dir === 'request' ? 'buffer' : 'transform' }),
    chunk: (dir: Direction, chunk: Buffer) =>
      dir === 'response' ? { body: Buffer.from(`[${chunk.toString()}]`) } : {},
    end: (dir: Direction, body: Buffer | undefined) =>
      dir === 'request' && body ? { body: Buffer.from(body.toString().toUpperCase()) } : {},
    trailers: () => ({}),
    close: () => undefined,
  };
}

const mutation = (r: Reply) => (r.request_body ?? r.response_body)?.response?.body_mutation ?? null;

describe('engine paths over the real transport', () => {
  let t: TestApp;
  let client: ExtProcTestClient;
  before(async () => {
    t = await startTestApp({}, { newExchange: scriptedExchange });
    client = new ExtProcTestClient(t.target);
  });
  after(async () => {
    client.close();
    await t.close();
  });

  it('STREAMED hold-back: one reply per chunk, the whole new body on the last', async () => {
    const s = client.open();
    s.send(requestHeaders({ ':path': '/' }));
    await s.next();
    s.send(requestBody('abc', false)).send(requestBody('def', false)).send(requestBody('ghi', true));
    const r = await s.take(3);
    assert.equal(mutation(r[0]!)?.clear_body, true);
    assert.equal(mutation(r[1]!)?.clear_body, true);
    assert.equal(mutation(r[2]!)?.body?.toString(), 'ABCDEFGHI');
    await s.expectSilence(100);
    s.endAndCancel();
  });

  it('STREAMED hold-back ended by trailers: the body is not lost', async () => {
    const s = client.open();
    s.send(requestHeaders({ ':path': '/' }));
    await s.next();
    s.send(requestBody('abc', false))
      .send(requestBody('def', false))
      .send(requestTrailers({ 'x-t': '1' }));
    const r = await s.take(3);
    assert.equal(mutation(r[0]!)?.clear_body, true);
    assert.equal(mutation(r[1]!)?.body?.toString(), 'ABCDEF');
    assert.ok(r[2]!.request_trailers);
    s.endAndCancel();
  });

  it('STREAMED transform: each response chunk is replaced in order', async () => {
    const s = client.open();
    s.send(requestHeaders({ ':path': '/' }, true));
    await s.next();
    s.send(responseHeaders({ ':status': '200' }));
    await s.next();
    s.send(responseBody('x', false)).send(responseBody('y', true));
    const r = await s.take(2);
    assert.deepEqual(
      r.map((x) => mutation(x)?.body?.toString()),
      ['[x]', '[y]'],
    );
    s.endAndCancel();
  });

  it('BUFFERED_PARTIAL: a complete body is replaced; content-length is left to Envoy', async () => {
    const s = client.open();
    s.send(requestHeaders({ ':path': '/' }, false, ['BUFFERED_PARTIAL', 'NONE']));
    await s.next();
    s.send(requestBody('small', true));
    const r = await s.next();
    assert.equal(mutation(r)?.body?.toString(), 'SMALL');
    assert.equal(r.request_body?.response?.header_mutation, null);
    s.endAndCancel();
  });
});

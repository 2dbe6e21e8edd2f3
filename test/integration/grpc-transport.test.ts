/**
 * The gRPC transport's bounds and outcomes, through the real server and a raw HTTP/2 client:
 * unfinished messages are bounded per connection, and a stream cut off with its connection is
 * counted as cancelled, not completed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { metricValue, startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { requestHeaders } from '../helpers/extproc-client.js';
import { encodeRequest, eventually, grpcFrame, rawConnect } from '../helpers/raw-grpc.js';

const KIB = 1024;
const HEADERS = grpcFrame(encodeRequest(requestHeaders({ ':path': '/v1/chat/completions' })));

describe('gRPC transport: unfinished messages are bounded per connection', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ GRPC_MAX_BUFFERED_BYTES_PER_CONNECTION: String(600 * KIB) });
  });
  after(() => t.close());

  it('past the bound, the streams holding the most are reset with RESOURCE_EXHAUSTED and counted', async () => {
    const conn = rawConnect(t.app.grpc.port!);
    try {
      // Ten streams each start a 1 MiB message and send 100 KiB of it: 1,000 KiB unfinished > 600 KiB.
      const streams = Array.from({ length: 10 }, () => conn.open());
      const part = grpcFrame(Buffer.alloc(100 * KIB, 0x61), 1024 * KIB);
      for (const s of streams) s.stream.write(part);
      const resets = await eventually(async () => {
        const n = metricValue(await t.metrics(), 'ai_extproc_grpc_buffer_limit_resets_total') ?? 0;
        return n >= 5 ? n : undefined;
      });
      assert.ok(resets <= 6, `only as many as needed: ${resets}`);
      const statuses = await eventually(() => {
        const s = streams.map((x) => x.status());
        return s.filter((v) => v !== undefined).length >= resets ? s : undefined;
      });
      assert.equal(statuses.filter((v) => v === '8').length, resets, 'RESOURCE_EXHAUSTED');
      // The connection and the server are fine: a new stream on the same connection is served.
      const fresh = conn.open();
      fresh.stream.write(HEADERS);
      await eventually(() => (fresh.received() > 0 ? true : undefined));
      const m = await t.metrics();
      assert.ok(
        (metricValue(m, 'ai_extproc_grpc_streams_closed_total', { outcome: 'resource_exhausted' }) ?? 0) >=
          resets,
      );
    } finally {
      conn.close();
    }
  });
});

describe('gRPC transport: a stream cut off with its connection', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  it('is counted as cancelled, not completed (metric and summary line)', async () => {
    const conn = rawConnect(t.app.grpc.port!);
    const s = conn.open();
    s.stream.write(HEADERS);
    await eventually(() => (s.received() > 0 ? true : undefined));
    conn.kill(); // Envoy died: no half-close, no reset
    const m = await eventually(async () => {
      const text = await t.metrics();
      return metricValue(text, 'ai_extproc_grpc_streams_closed_total', { outcome: 'cancelled' }) === 1
        ? text
        : undefined;
    });
    assert.equal(metricValue(m, 'ai_extproc_grpc_streams_closed_total', { outcome: 'completed' }), undefined);
    const line = await eventually(() => t.logs.find((l) => l.msg === 'request summary'));
    assert.equal(line.outcome, 'cancelled');
  });
});

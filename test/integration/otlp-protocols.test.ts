/**
 * The three OTLP protocols tracing.json may name reach a collector: http/json and http/protobuf
 * on a local HTTP receiver, grpc on a local gRPC TraceService.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import {
  ExtProcTestClient,
  requestBody,
  requestHeaders,
  responseBody,
  responseHeaders,
} from '../helpers/extproc-client.js';
import { startTestApp } from '../helpers/app.js';
import { startOtlpReceiver } from '../helpers/otlp-receiver.js';

async function oneExchange(target: string): Promise<void> {
  const client = new ExtProcTestClient(target);
  const s = client.open({
    'x-llm-provider': 'openai',
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  });
  s.send(requestHeaders({ ':path': '/v1/chat/completions' }));
  await s.next();
  s.send(requestBody('{"model":"m","messages":[{"role":"user","content":"hi"}]}', true));
  await s.next();
  s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
  await s.next();
  s.send(
    responseBody(
      '{"model":"m","choices":[{"message":{"content":"yo"}}],"usage":{"prompt_tokens":1,"completion_tokens":1}}',
      true,
    ),
  );
  await s.next();
  s.endAndCancel();
  client.close();
}

function tracingDir(cfg: object): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-otel-'));
  fs.writeFileSync(path.join(dir, 'tracing.json'), Buffer.from(JSON.stringify(cfg)).toString('base64'));
  return dir;
}

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

for (const protocol of ['http/json', 'http/protobuf'] as const) {
  it(`exports spans over OTLP ${protocol}`, async () => {
    const receiver = await startOtlpReceiver();
    const dir = tracingDir({ endpoint: receiver.url, protocol });
    const t = await startTestApp({ AI_OTEL_CONFIG_DIRS: dir, TRACE_BATCH_DELAY_MS: '20' });
    try {
      await oneExchange(t.target);
      await waitFor(() => receiver.exports.length > 0);
      const e = receiver.exports[0]!;
      assert.equal(e.path, '/v1/traces');
      assert.match(e.contentType, protocol === 'http/json' ? /application\/json/ : /application\/x-protobuf/);
      assert.ok(e.body.length > 50);
      // The incoming trace id is in the payload, whatever the encoding.
      const traceId = '0af7651916cd43dd8448eb211c80319c';
      const inBody =
        protocol === 'http/json'
          ? e.body.toString().includes(traceId)
          : e.body.includes(Buffer.from(traceId, 'hex'));
      assert.ok(inBody);
    } finally {
      await t.close();
      await receiver.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

it('exports spans over OTLP grpc', async () => {
  const received: Buffer[] = [];
  const server = new grpc.Server();
  const identity = (b: Buffer): Buffer => b;
  server.register(
    '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
    (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
      received.push(call.request);
      cb(null, Buffer.alloc(0));
    },
    identity,
    identity,
    'unary',
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  const dir = tracingDir({ endpoint: `http://127.0.0.1:${port}`, protocol: 'grpc', timeout: '5s' });
  const t = await startTestApp({ AI_OTEL_CONFIG_DIRS: dir, TRACE_BATCH_DELAY_MS: '20' });
  try {
    await oneExchange(t.target);
    await waitFor(() => received.length > 0);
    assert.ok(received[0]!.includes(Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex')));
    assert.ok(received[0]!.includes(Buffer.from('handle_request_body')));
  } finally {
    await t.close();
    server.forceShutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * Reproduces docs/known-issues.md: a raw HTTP/2 client sends one request_headers message per
 * ext_proc stream, then half-closes and resets at once on the first reply (Envoy's close, without
 * the rest of an exchange), 64 streams in flight, against dist/src/main.js in its own process.
 * Prints refused streams and the server's RSS. Loopback only; bounded by STREAMS (default 100,000).
 * Run: node dist/bench/repro-refused-streams.js
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http2 from 'node:http2';
import path from 'node:path';
import protoLoader from '@grpc/proto-loader';
import { LOADER_OPTIONS } from '../src/server/proto.js';
import { freePort } from '../test/helpers/envoy.js';
import { repoRoot } from '../test/helpers/repo.js';

const STREAMS = Number(process.env.STREAMS ?? 100_000);

async function main(): Promise<void> {
  const pkg = protoLoader.loadSync('envoy/service/ext_proc/v3/external_processor.proto', LOADER_OPTIONS);
  const method = (
    pkg['envoy.service.ext_proc.v3.ExternalProcessor'] as unknown as Record<
      string,
      { requestSerialize(m: object): Buffer }
    >
  ).Process!;
  const payload = method.requestSerialize({
    request_headers: {
      headers: { headers: [{ key: ':path', raw_value: Buffer.from('/v1/chat/completions') }] },
    },
  });
  const frame = Buffer.alloc(5 + payload.length);
  frame.writeUInt32BE(payload.length, 1);
  payload.copy(frame, 5);
  const port = await freePort();
  const server = spawn(process.execPath, [path.join(repoRoot(), 'dist/src/main.js')], {
    env: {
      PATH: process.env.PATH ?? '',
      LISTEN_ADDR: `127.0.0.1:${port}`,
      METRICS_ADDR: `127.0.0.1:${await freePort()}`,
      LOG_LEVEL: 'error',
    },
    stdio: 'ignore',
  });
  await new Promise((r) => setTimeout(r, 1500));
  const rss = (): number =>
    Math.round(
      Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${server.pid}/status`, 'utf8'))?.[1]) / 1024,
    );
  const client = http2.connect(`http://127.0.0.1:${port}`);
  let n = 0;
  let refused = 0;
  let done = 0;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const s = client.request({
        ':method': 'POST',
        ':path': '/envoy.service.ext_proc.v3.ExternalProcessor/Process',
        'content-type': 'application/grpc',
      });
      s.on('error', () => {
        refused++;
        resolve();
      });
      s.once('data', () => {
        s.end();
        s.close(http2.constants.NGHTTP2_CANCEL);
      });
      s.on('close', () => resolve());
      s.write(frame);
    });
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (n < STREAMS) {
        n++;
        await one();
        done++;
        if (done % 20_000 === 0) console.log(`${done} streams: ${refused} refused, server RSS ${rss()} MiB`);
      }
    }),
  );
  client.close();
  server.kill('SIGTERM');
}

void main();

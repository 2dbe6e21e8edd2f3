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
import { MAX_CONCURRENT_STREAMS } from '../src/server/grpc-http2-server.js';
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
  const probe = await probeStuckStreams(client, frame);
  console.log(
    `probe, ${MAX_CONCURRENT_STREAMS} streams held open at once: ${probe.accepted} accepted, ` +
      `${probe.refused} refused, ${probe.unanswered} not started or unanswered after 10 s ` +
      '(refused + unanswered = streams stuck on one side)',
  );
  client.close();
  server.kill('SIGTERM');
}

/**
 * A stream that was never released still counts against SETTINGS_MAX_CONCURRENT_STREAMS: on the
 * server it makes a new stream refused, on the client it keeps a new stream queued. Opening that
 * many streams at once and holding them open counts the stuck ones.
 */
async function probeStuckStreams(
  client: http2.ClientHttp2Session,
  frame: Buffer,
): Promise<{ accepted: number; refused: number; unanswered: number }> {
  const held: http2.ClientHttp2Stream[] = [];
  let refused = 0;
  let accepted = 0;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 10_000);
    const settle = (): void => {
      if (accepted + refused < MAX_CONCURRENT_STREAMS) return;
      clearTimeout(timer);
      resolve();
    };
    for (let i = 0; i < MAX_CONCURRENT_STREAMS; i++) {
      const s = client.request({
        ':method': 'POST',
        ':path': '/envoy.service.ext_proc.v3.ExternalProcessor/Process',
        'content-type': 'application/grpc',
      });
      held.push(s);
      s.on('error', () => {
        refused++;
        settle();
      });
      s.write(frame);
      // The server's first reply is what proves the stream was accepted.
      s.once('data', () => {
        accepted++;
        settle();
      });
    }
  });
  for (const s of held) s.close(http2.constants.NGHTTP2_CANCEL);
  return { accepted, refused, unanswered: MAX_CONCURRENT_STREAMS - accepted - refused };
}

void main();

/**
 * Overhead of metrics and tracing (issue: AI observability), in one run:
 *  1. CPU per request inside the extension (codec + stream engine + exchange, no network), for
 *     A = no metrics, no tracing; B = metrics; C = metrics + OTel tracing sampled at 100% (real SDK,
 *     batch processor, an exporter that discards). Reported as (B−A)/A and (C−B)/B.
 *  2. End-to-end p50 through real Envoy, closed loop, with tracing off and on (OTLP/HTTP to a local
 *     receiver).
 * Run: node dist/bench/observability.js   (BENCH_QUICK=1 for a smoke run)
 */
import protoLoader from '@grpc/proto-loader';
import { LOADER_OPTIONS, loadCodecs } from '../src/server/proto.js';
import { StreamSession } from '../src/server/stream-session.js';
import { kgatewayMode } from '../src/app.js';
import { AiExchange } from '../src/pipeline/exchange.js';
import type { ExchangeDeps } from '../src/pipeline/exchange.js';
import { KgatewayPolicySource } from '../src/config/kgateway-policy.js';
import { AiMetrics } from '../src/metrics/ai-metrics.js';
import { NOOP_TRACER } from '../src/pipeline/tracer.js';
import type { ExchangeTracer } from '../src/pipeline/tracer.js';
import { createOtelTracing } from '../src/tracing/otel.js';
import { GuardCache, GuardRunner } from '../src/pipeline/guard-runner.js';
import type { GuardServices } from '../src/pipeline/guard-runner.js';
import { NodeHttpClient } from '../src/http/index.js';
import { ModerationClient } from '../src/guards/moderation/index.js';
import type { ProcessingRequest } from '../src/server/generated/envoy/service/ext_proc/v3/ProcessingRequest.js';
import { spawn } from 'node:child_process';
import { startEnvoy, freePort } from '../test/helpers/envoy.js';
import { startMockProvider } from '../mock-provider/server.js';
import { repoRoot } from '../test/helpers/repo.js';
import { cpuMsOf } from './proc.js';
import { startOtlpReceiver } from '../test/helpers/otlp-receiver.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import pino from 'pino';

const QUICK = process.env.BENCH_QUICK === '1';
const N = QUICK ? 2000 : 20000;
const E2E_N = QUICK ? 300 : 3000;

const silent = pino({ level: 'silent' });
const codecs = loadCodecs();
const hdr = (pairs: Record<string, string>) => ({
  headers: Object.entries(pairs).map(([key, v]) => ({ key, raw_value: Buffer.from(v) })),
});
// Ordinary prose (a long run of one character would take the tokenizer's exact fallback path).
const PROSE = 'The quick brown fox jumps over the lazy dog while the gateway counts every token twice. ';
const reqBody = JSON.stringify({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: PROSE.repeat(10) }],
});
const respBody = JSON.stringify({
  id: 'chatcmpl-1',
  model: 'gpt-4o-mini-2024-07-18',
  choices: [{ index: 0, message: { role: 'assistant', content: PROSE.repeat(10) }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 230, completion_tokens: 225, total_tokens: 455 },
});
// The server decodes requests and encodes responses; the bench also needs to encode requests.
const pkg = protoLoader.loadSync('envoy/service/ext_proc/v3/external_processor.proto', LOADER_OPTIONS);
const method = (
  pkg['envoy.service.ext_proc.v3.ExternalProcessor'] as unknown as Record<
    string,
    { requestSerialize(m: object): Buffer }
  >
).Process!;
const script: Buffer[] = (
  [
    {
      request_headers: {
        headers: hdr({ ':path': '/v1/chat/completions', ':method': 'POST', authorization: 'Bearer k' }),
      },
      protocol_config: { request_body_mode: 'STREAMED', response_body_mode: 'STREAMED' },
    },
    { request_body: { body: Buffer.from(reqBody), end_of_stream: true } },
    { response_headers: { headers: hdr({ ':status': '200', 'content-type': 'application/json' }) } },
    { response_body: { body: Buffer.from(respBody), end_of_stream: true } },
  ] as ProcessingRequest[]
).map((m) => method.requestSerialize(m));

function deps(observer: ExchangeDeps['observer'], tracer: ExchangeTracer): ExchangeDeps {
  const http = new NodeHttpClient();
  const services: GuardServices = {
    http,
    moderation: new ModerationClient(http, { baseUrl: 'http://127.0.0.1:1', envApiKey: undefined }),
    observer,
    log: silent,
    deadlineMs: 4000,
    webhookScheme: 'https',
    webhookInsecureSkipVerify: true,
    maxCustomMatchChars: 256,
    phoneCheckBudget: 100_000,
  };
  const guards = new GuardRunner(services, new GuardCache(services));
  return {
    mode: kgatewayMode({
      policies: new KgatewayPolicySource(),
      guards,
      observer,
      log: silent,
      maxBodyBytes: 8 << 20,
    }),
    customLabels: [],
    observer,
    log: silent,
    maxBodyBytes: 8 << 20,
    tracer,
  };
}

async function cpuPerRequest(d: ExchangeDeps, n: number, metrics: AiMetrics | undefined): Promise<number> {
  const md = new Map([['x-llm-provider', 'openai']]);
  const one = async (): Promise<void> => {
    const ex = new AiExchange({ grpcMetadata: md }, d);
    const s = new StreamSession(ex, {
      defaultModes: { request: 'STREAMED', response: 'STREAMED' },
      maxHeldBodyBytes: 8 << 20,
      tooLarge: () => ({ status: 413, body: '' }),
    });
    metrics?.streamOpened();
    for (const bytes of script)
      for (const r of await s.handle(codecs.extProc.decode(bytes))) codecs.extProc.encode(r);
    ex.close('completed');
    metrics?.streamClosed('completed');
  };
  for (let i = 0; i < 200; i++) await one();
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await one();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / n; // µs per request
}

function median(xs: number[]): number {
  return p50(xs);
}

function p50(samples: number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * The real server as its own process behind real Envoy: p50 of sequential requests, and the
 * server's whole CPU per request (transport included) from /proc.
 */
async function serverRun(tracing: boolean): Promise<{ p50: number; cpuUs: number }> {
  const receiver = await startOtlpReceiver();
  const mock = await startMockProvider({});
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-otel-'));
  if (tracing) {
    const cfg = { endpoint: receiver.url, protocol: 'http/protobuf', sampler: { type: 'alwaysOn' } };
    fs.writeFileSync(path.join(dir, 'tracing.json'), Buffer.from(JSON.stringify(cfg)).toString('base64'));
  }
  const socket = `bench-obs-${process.pid}-${tracing ? 't' : 'n'}`;
  const server = spawn(process.execPath, [path.join(repoRoot(), 'dist/src/main.js')], {
    env: {
      PATH: process.env.PATH ?? '',
      LISTEN_ADDR: `unix-abstract:${socket}`,
      METRICS_ADDR: `127.0.0.1:${await freePort()}`,
      LOG_LEVEL: 'error',
      AI_OTEL_CONFIG_DIRS: dir,
    },
    stdio: 'ignore',
  });
  await new Promise((r) => setTimeout(r, 1500));
  const envoy = await startEnvoy({
    template: path.join(repoRoot(), 'envoy/kgateway/envoy.yaml'),
    vars: { EXTPROC_SOCKET: socket, UPSTREAM_PORT: mock.port },
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const once = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const t0 = performance.now();
      const req = http.request(
        {
          host: '127.0.0.1',
          port: envoy.listenPort,
          path: '/v1/chat/completions',
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(performance.now() - t0));
        },
      );
      req.on('error', reject);
      req.end(reqBody);
    });
  try {
    for (let i = 0; i < 300; i++) await once();
    const c0 = cpuMsOf(server.pid!);
    const samples: number[] = [];
    for (let i = 0; i < E2E_N; i++) samples.push(await once());
    const cpuUs = ((cpuMsOf(server.pid!) - c0) * 1000) / E2E_N;
    return { p50: p50(samples), cpuUs };
  } finally {
    agent.destroy();
    await envoy.stop();
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    await mock.close();
    await receiver.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  // Interleaved rounds (A, B, C, A, B, C, …) and medians: the host drifts by up to 2×.
  const noObserver = {};
  const metricsB = new AiMetrics({ customLabelNames: [], maxModelLabels: 500 });
  const metricsC = new AiMetrics({ customLabelNames: [], maxModelLabels: 500 });
  const receiver = await startOtlpReceiver();
  const otel = createOtelTracing(
    { endpoint: receiver.url, protocol: 'http/protobuf', sampler: { type: 'alwaysOn' } },
    { serviceName: 'bench', includeContent: false, batchDelayMs: 200 },
  );
  const configs = [
    { name: 'A', deps: deps(noObserver, NOOP_TRACER), metrics: undefined, runs: [] as number[] },
    { name: 'B', deps: deps(metricsB, NOOP_TRACER), metrics: metricsB, runs: [] as number[] },
    { name: 'C', deps: deps(metricsC, otel.tracer), metrics: metricsC, runs: [] as number[] },
  ];
  const ROUNDS = 7;
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of configs) c.runs.push(await cpuPerRequest(c.deps, Math.ceil(N / ROUNDS), c.metrics));
  }
  await otel.shutdown();
  await receiver.close();
  const [base, b, c] = configs.map((x) => median(x.runs)) as [number, number, number];
  const pct = (x: number, y: number): string => `${(((x - y) / y) * 100).toFixed(1)}%`;
  const spread = (runs: number[]): string =>
    `${Math.min(...runs).toFixed(0)}–${Math.max(...runs).toFixed(0)}`;
  console.log(
    `## Observability overhead (${N} requests per configuration in ${ROUNDS} interleaved rounds, 1 KiB JSON both ways)\n`,
  );
  console.log('| configuration | extension CPU per request, median (µs) | rounds range | added |');
  console.log('|---|---:|---:|---:|');
  console.log(`| A: no metrics, no tracing | ${base.toFixed(1)} | ${spread(configs[0]!.runs)} | |`);
  console.log(
    `| B: metrics | ${b.toFixed(1)} | ${spread(configs[1]!.runs)} | ${pct(b, base)} of A (target ≤ 5%) |`,
  );
  console.log(
    `| C: metrics + tracing at 100% | ${c.toFixed(1)} | ${spread(configs[2]!.runs)} | ${pct(c, b)} of B (target ≤ 25%) |`,
  );
  // Whole server process (transport included), tracing off / on / off / on, medians.
  const off: { p50: number; cpuUs: number }[] = [];
  const on: { p50: number; cpuUs: number }[] = [];
  for (let i = 0; i < 2; i++) {
    off.push(await serverRun(false));
    on.push(await serverRun(true));
  }
  const offP50 = median(off.map((x) => x.p50));
  const onP50 = median(on.map((x) => x.p50));
  const offCpu = median(off.map((x) => x.cpuUs));
  const onCpu = median(on.map((x) => x.cpuUs));
  console.log(
    `\n### The server as its own process behind real Envoy (${E2E_N} sequential requests per run, 2 runs each)\n`,
  );
  console.log('| | tracing off | tracing on (100%) | added |');
  console.log('|---|---:|---:|---:|');
  console.log(
    `| server CPU per request (µs) | ${offCpu.toFixed(0)} | ${onCpu.toFixed(0)} | ${pct(onCpu, offCpu)} (target ≤ 25%) |`,
  );
  console.log(
    `| end-to-end p50 (ms) | ${offP50.toFixed(3)} | ${onP50.toFixed(3)} | ${pct(onP50, offP50)} (target ≤ 5%) |`,
  );
  console.log(
    `\nMetrics add ${(b - base).toFixed(1)} µs per request in the pipeline: ${(((b - base) / offCpu) * 100).toFixed(1)}% of the whole server's CPU per request (target ≤ 5%).`,
  );
}

void main();

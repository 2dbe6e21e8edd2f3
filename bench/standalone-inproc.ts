/**
 * CPU per request inside the server for standalone translation, no network: the ext_proc messages
 * Envoy sends for one exchange (request headers, buffered body, response headers, the response
 * body whole or as SSE chunks) are decoded, run through StreamSession + AiExchange + the
 * standalone mode with its full stage list (metrics and the record stage on, nothing else
 * configured on the route), and the replies encoded, as the server does. One process, sequential,
 * so the figure is the pipeline's own work: it moves far less with the machine's load than a
 * latency through Envoy, which is why it is the figure to compare two builds with (copy the
 * compiled file next to the other build's dist/bench/ and run both, alternately).
 *
 * Run: node dist/bench/standalone-inproc.js  (BENCH_QUICK=1 for a smoke run)
 */
import protoLoader from '@grpc/proto-loader';
import pino from 'pino';
import { LOADER_OPTIONS, loadCodecs } from '../src/server/proto.js';
import { StreamSession } from '../src/server/stream-session.js';
import { standaloneMode } from '../src/app-modes.js';
import { AiExchange } from '../src/pipeline/exchange.js';
import type { ExchangeDeps } from '../src/pipeline/exchange.js';
import { loadStandaloneConfigText } from '../src/config/standalone/index.js';
import { AiMetrics } from '../src/metrics/ai-metrics.js';
import { DeferredCompletionObserver } from '../src/metrics/deferred-observer.js';
import { NOOP_TRACER } from '../src/pipeline/tracer.js';
import { GuardCache, GuardRunner } from '../src/pipeline/guard-runner.js';
import type { GuardServices } from '../src/pipeline/guard-runner.js';
import { NodeHttpClient } from '../src/http/index.js';
import { ModerationClient } from '../src/guards/moderation/index.js';
import type { ProcessingRequest } from '../src/server/generated/envoy/service/ext_proc/v3/ProcessingRequest.js';

const QUICK = process.env.BENCH_QUICK === '1';
const N = QUICK ? 1000 : 8000;
const ROUNDS = QUICK ? 3 : 7;

const CONFIG = `version: 1
backends:
  openai: { provider: openai, baseUrl: 'http://127.0.0.1:1', cluster: mock, auth: { none: true } }
  anthropic: { provider: anthropic, baseUrl: 'http://127.0.0.1:1', cluster: mock, auth: { none: true } }
routes:
  - name: chat
    match: { pathPrefix: /v1/chat/completions }
    models:
      gpt-4o-mini: { backend: openai }
      claude: { backend: anthropic, model: claude-sonnet-4-5 }
`;

const silent = pino({ level: 'silent' });
const codecs = loadCodecs();
const pkg = protoLoader.loadSync('envoy/service/ext_proc/v3/external_processor.proto', LOADER_OPTIONS);
const method = (
  pkg['envoy.service.ext_proc.v3.ExternalProcessor'] as unknown as Record<
    string,
    { requestSerialize(m: object): Buffer }
  >
).Process!;
const hdr = (pairs: Record<string, string>) => ({
  headers: Object.entries(pairs).map(([key, v]) => ({ key, raw_value: Buffer.from(v) })),
});

const QUESTION = 'Summarise the benefits of an AI gateway in two sentences.';
const ANSWER_WORDS =
  'An AI gateway gives every team one place to route, secure and observe model traffic'.split(' ');

function anthropicMessage(): string {
  return JSON.stringify({
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5',
    content: [{ type: 'text', text: ANSWER_WORDS.join(' ') }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 20, output_tokens: 16 },
  });
}

/** An Anthropic SSE stream, one text delta per word, as the chunks Envoy forwards. */
function anthropicStream(): string[] {
  const ev = (type: string, data: object): string =>
    `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  return [
    ev('message_start', {
      message: {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-5',
        content: [],
        usage: { input_tokens: 20, output_tokens: 1 },
      },
    }),
    ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    ...ANSWER_WORDS.map((w) =>
      ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: `${w} ` } }),
    ),
    ev('content_block_stop', { index: 0 }) +
      ev('message_delta', {
        delta: { stop_reason: 'end_turn', stop_sequence: null },
        usage: { output_tokens: 16 },
      }) +
      ev('message_stop', {}),
  ];
}

function openaiCompletion(): string {
  return JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion',
    model: 'gpt-4o-mini-2024-07-18',
    choices: [
      { index: 0, message: { role: 'assistant', content: ANSWER_WORDS.join(' ') }, finish_reason: 'stop' },
    ],
    usage: { prompt_tokens: 20, completion_tokens: 16, total_tokens: 36 },
  });
}

function openaiStream(): string[] {
  const chunk = (delta: object, finish: string | null = null): string =>
    `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', model: 'gpt-4o-mini-2024-07-18', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  return [
    chunk({ role: 'assistant', content: '' }),
    ...ANSWER_WORDS.map((w) => chunk({ content: `${w} ` })),
    chunk({}, 'stop') + 'data: [DONE]\n\n',
  ];
}

/** The ext_proc messages of one exchange, encoded as Envoy sends them. */
function script(model: string, stream: boolean): Buffer[] {
  const native = model === 'gpt-4o-mini';
  const body = JSON.stringify({ model, stream, messages: [{ role: 'user', content: QUESTION }] });
  const msgs: ProcessingRequest[] = [
    {
      request_headers: {
        headers: hdr({
          ':path': '/v1/chat/completions',
          ':method': 'POST',
          ':authority': 'gateway.local',
          'content-type': 'application/json',
          'x-request-id': '5f1b2c3d-0000-4000-8000-000000000001',
        }),
      },
      protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: 'STREAMED' },
    },
    { request_body: { body: Buffer.from(body), end_of_stream: true } },
    {
      response_headers: {
        headers: hdr({ ':status': '200', 'content-type': stream ? 'text/event-stream' : 'application/json' }),
      },
    },
  ];
  if (stream) {
    const chunks = native ? openaiStream() : anthropicStream();
    chunks.forEach((c, i) =>
      msgs.push({ response_body: { body: Buffer.from(c), end_of_stream: i === chunks.length - 1 } }),
    );
  } else {
    msgs.push({
      response_body: {
        body: Buffer.from(native ? openaiCompletion() : anthropicMessage()),
        end_of_stream: true,
      },
    });
  }
  return msgs.map((m) => method.requestSerialize(m));
}

function deps(): ExchangeDeps {
  const loaded = loadStandaloneConfigText(CONFIG, { env: {} });
  if (!loaded.ok) throw new Error('bench config does not load');
  const config = loaded.config;
  const metrics = new AiMetrics({ customLabelNames: [], maxModelLabels: 500 });
  const observer = new DeferredCompletionObserver(metrics, () => undefined);
  const http = new NodeHttpClient();
  const services: GuardServices = {
    http,
    moderation: new ModerationClient(http, { baseUrl: 'http://127.0.0.1:1', envApiKey: undefined }),
    observer: metrics,
    log: silent,
    deadlineMs: 4000,
    webhookScheme: 'https',
    webhookInsecureSkipVerify: true,
    maxCustomMatchChars: 256,
    phoneCheckBudget: 100_000,
  };
  const guards = new GuardRunner(services, new GuardCache(services));
  return {
    mode: standaloneMode({ config: () => config, guards, observer, log: silent, maxBodyBytes: 8 << 20 }),
    customLabels: [],
    observer,
    log: silent,
    maxBodyBytes: 8 << 20,
    tracer: NOOP_TRACER,
  };
}

async function cpuPerRequest(d: ExchangeDeps, messages: readonly Buffer[], n: number): Promise<number> {
  const md = new Map<string, string>();
  let checked = false;
  const one = async (): Promise<void> => {
    const ex = new AiExchange({ grpcMetadata: md }, d);
    const s = new StreamSession(ex, {
      defaultModes: { request: 'BUFFERED', response: 'STREAMED' },
      maxHeldBodyBytes: 8 << 20,
      tooLarge: () => ({ status: 413, body: '' }),
    });
    for (const bytes of messages)
      for (const r of await s.handle(codecs.extProc.decode(bytes))) {
        // A refusal would measure the wrong path: the first exchange must go through.
        if (!checked && r.immediate_response) throw new Error('the bench exchange was refused');
        codecs.extProc.encode(r);
      }
    checked = true;
    ex.close('completed');
  };
  for (let i = 0; i < 300; i++) await one();
  // Let the deferred metrics of the warm-up run, so they do not land in the measurement.
  await new Promise((r) => setImmediate(r));
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    await one();
    // The server records metrics on a later turn: count that work too, as the server does.
    if (i % 64 === 63) await new Promise((r) => setImmediate(r));
  }
  await new Promise((r) => setImmediate(r));
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / n;
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const d = deps();
  const cases = [
    { name: 'OpenAI → Anthropic', model: 'claude', stream: false },
    { name: 'OpenAI → Anthropic', model: 'claude', stream: true },
    { name: 'OpenAI → OpenAI (same API)', model: 'gpt-4o-mini', stream: false },
    { name: 'OpenAI → OpenAI (same API)', model: 'gpt-4o-mini', stream: true },
  ];
  const runs = cases.map(() => [] as number[]);
  // Rounds over all cases, so that drift in the machine's speed hits every case alike.
  for (let r = 0; r < ROUNDS; r++)
    for (const [i, c] of cases.entries()) runs[i]!.push(await cpuPerRequest(d, script(c.model, c.stream), N));
  console.log(`## Standalone pipeline CPU per request, in process (${ROUNDS} rounds of ${N} exchanges)\n`);
  console.log('| pair | mode | ext_proc messages | CPU µs/request, median (min–max) |');
  console.log('|---|---|---:|---:|');
  for (const [i, c] of cases.entries()) {
    const xs = runs[i]!;
    console.log(
      `| ${c.name} | ${c.stream ? 'stream' : 'JSON'} | ${script(c.model, c.stream).length} | ${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}) |`,
    );
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.stack : String(err));
    process.exit(1);
  },
);

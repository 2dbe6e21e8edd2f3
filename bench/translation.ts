/**
 * Standalone translation overhead through real Envoy (issue: standalone gateway). One run:
 * for OpenAI→OpenAI (passthrough), OpenAI→Anthropic, Responses→Anthropic, Gemini-native→OpenAI and OpenAI→Bedrock (plain, and with reasoning_effort
 * plus a json_schema response_format, the cross-API fidelity paths), non-streaming and streaming, the p50 latency through Envoy + ai-extproc against the same provider-native request
 * sent through an Envoy without ext_proc (envoy/bench/no-filter.yaml) to the same mock: the target's
 * baseline; and, for reference, straight to the mock. For streams, time to first byte (TTFT) the same way.
 * The three paths take turns in rounds (A B C, C B A, …) so the drift of a busy VM hits them alike.
 * Separate processes: mock upstream, ai-extproc, two Envoys (--concurrency 1); sequential requests.
 * Run: node dist/bench/translation.js  (BENCH_QUICK=1 for a smoke run)
 */
import { startBenchGateway } from './standalone-gateway.js';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { freePort, startEnvoy } from '../test/helpers/envoy.js';
import { repoRoot } from '../test/helpers/repo.js';

const N = process.env.BENCH_QUICK === '1' ? 150 : 1500;
/** Each path's N requests are measured in this many turns, interleaved with the other paths'. */
const ROUNDS = process.env.BENCH_QUICK === '1' ? 2 : 4;
const root = repoRoot();
const CONFIG = (upstream: string): string => `version: 1
backends:
  openai: { provider: openai, baseUrl: 'http://${upstream}', cluster: mock, auth: { none: true } }
  anthropic: { provider: anthropic, baseUrl: 'http://${upstream}', cluster: mock, auth: { none: true } }
  bedrock: { provider: bedrock, baseUrl: 'http://${upstream}', cluster: mock, bedrock: { region: us-east-1 }, auth: { none: true } }
routes:
  - name: chat
    match: { pathPrefix: /v1/chat/completions }
    policy: { streamUsage: false }
    models:
      gpt-4o-mini: { backend: openai }
      claude: { backend: anthropic, model: claude-sonnet-4-5 }
      bedrock: { backend: bedrock, model: anthropic.claude-3-5-haiku-20241022-v1:0 }
  - name: responses
    match: { pathPrefix: /v1/responses }
    models:
      claude: { backend: anthropic, model: claude-sonnet-4-5 }
  - name: gemini-native
    match: { pathPrefix: /v1beta/models }
    models:
      gpt-4o-mini: { backend: openai }
`;

interface Timing {
  total: number;
  ttfb: number;
}

function request(
  port: number,
  reqPath: string,
  body: string,
  headers: Record<string, string>,
  agent: http.Agent,
): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let ttfb = 0;
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: reqPath,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', ...headers },
      },
      (res) => {
        res.once('data', () => (ttfb = performance.now() - t0));
        res.on('data', () => undefined);
        res.on('end', () =>
          res.statusCode === 200
            ? resolve({ total: performance.now() - t0, ttfb })
            : reject(new Error(`HTTP ${res.statusCode} for ${reqPath}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Path {
  readonly port: number;
  readonly path: string;
  readonly body: string;
  readonly totals: number[];
  readonly ttfbs: number[];
}

const path3 = (port: number, reqPath: string, body: object): Path => ({
  port,
  path: reqPath,
  body: JSON.stringify(body),
  totals: [],
  ttfbs: [],
});

/** N requests per path, in ROUNDS turns, the order reversed every other turn; 50 unrecorded first. */
async function measure(paths: readonly Path[], agent: http.Agent): Promise<{ p50: number; ttft: number }[]> {
  for (const p of paths) for (let i = 0; i < 50; i++) await request(p.port, p.path, p.body, {}, agent);
  const per = Math.ceil(N / ROUNDS);
  for (let r = 0; r < ROUNDS; r++) {
    for (const p of r % 2 ? [...paths].reverse() : paths) {
      for (let i = 0; i < per; i++) {
        const t = await request(p.port, p.path, p.body, {}, agent);
        p.totals.push(t.total);
        p.ttfbs.push(t.ttfb);
      }
    }
  }
  return paths.map((p) => ({ p50: median(p.totals), ttft: median(p.ttfbs) }));
}

async function main(): Promise<void> {
  const upstreamPort = await freePort();
  const node = process.execPath;
  const mock = spawn(node, [path.join(root, 'dist/bench/mock-server.js'), '--port', String(upstreamPort)], {
    stdio: 'ignore',
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-translation-'));
  const configPath = path.join(dir, 'config.yaml');
  fs.writeFileSync(configPath, CONFIG(`127.0.0.1:${upstreamPort}`));
  const gateway = await startBenchGateway(configPath, 'translation');
  const { server, envoy } = gateway;
  // The baseline: the same Envoy hop without ext_proc, to the same mock.
  const bare = await startEnvoy({
    template: path.join(root, 'envoy/bench/no-filter.yaml'),
    vars: { UPSTREAM_PORT: upstreamPort },
    concurrency: 1,
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const messages = [{ role: 'user', content: 'Summarise the benefits of an AI gateway in two sentences.' }];
  const schema = {
    type: 'object',
    properties: { summary: { type: 'string' } },
    required: ['summary'],
    additionalProperties: false,
  };
  const fidelity = {
    reasoning_effort: 'medium',
    response_format: { type: 'json_schema', json_schema: { name: 'summary', strict: true, schema } },
  };
  try {
    const rows: string[] = [];
    const pairs: {
      name: string;
      model: string;
      directPath: string;
      direct: (s: boolean) => object;
      extra?: object;
      /** A client API other than Chat Completions: its path and body. */
      client?: { path: (s: boolean) => string; body: (s: boolean) => object };
    }[] = [
      {
        name: 'OpenAI → OpenAI (passthrough)',
        model: 'gpt-4o-mini',
        directPath: '/v1/chat/completions',
        direct: (s: boolean) => ({ model: 'gpt-4o-mini', stream: s, messages }),
      },
      {
        name: 'OpenAI → Anthropic',
        model: 'claude',
        directPath: '/v1/messages',
        direct: (s: boolean) => ({ model: 'claude-sonnet-4-5', max_tokens: 4096, stream: s, messages }),
      },
      {
        name: 'OpenAI → Bedrock',
        model: 'bedrock',
        directPath: '/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse',
        direct: (_s: boolean) => ({
          messages: [{ role: 'user', content: [{ text: messages[0]!.content }] }],
        }),
      },
      {
        name: 'OpenAI → Anthropic, reasoning + json_schema',
        model: 'claude',
        directPath: '/v1/messages',
        direct: (s: boolean) => ({
          model: 'claude-sonnet-4-5',
          max_tokens: 8192,
          stream: s,
          messages,
          thinking: { type: 'enabled', budget_tokens: 4096 },
          output_config: { format: { type: 'json_schema', schema } },
        }),
        extra: fidelity,
      },
      {
        name: 'OpenAI → Bedrock, reasoning + json_schema',
        model: 'bedrock',
        directPath: '/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse',
        direct: (_s: boolean) => ({
          messages: [{ role: 'user', content: [{ text: messages[0]!.content }] }],
          inferenceConfig: { maxTokens: 8192 },
          additionalModelRequestFields: { thinking: { type: 'enabled', budget_tokens: 4096 } },
          outputConfig: {
            textFormat: {
              type: 'json_schema',
              structure: { jsonSchema: { schema: JSON.stringify(schema), name: 'summary' } },
            },
          },
        }),
        extra: fidelity,
      },
      {
        name: 'Responses → Anthropic',
        model: 'claude',
        directPath: '/v1/messages',
        direct: (s: boolean) => ({ model: 'claude-sonnet-4-5', max_tokens: 4096, stream: s, messages }),
        client: {
          path: () => '/v1/responses',
          body: (s: boolean) => ({ model: 'claude', stream: s, store: false, input: messages[0]!.content }),
        },
      },
      {
        name: 'Gemini client → OpenAI',
        model: 'gpt-4o-mini',
        directPath: '/v1/chat/completions',
        direct: (s: boolean) => ({
          model: 'gpt-4o-mini',
          stream: s,
          messages,
          ...(s ? { stream_options: { include_usage: true } } : {}),
        }),
        client: {
          path: (s: boolean) =>
            `/v1beta/models/gpt-4o-mini:${s ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
          body: () => ({ contents: [{ role: 'user', parts: [{ text: messages[0]!.content }] }] }),
        },
      },
    ];
    // Every code path warm (V8 optimizes after many calls) before the first row is measured: the
    // first rows measured were otherwise the slowest in both halves of a run.
    for (let i = 0; i < (process.env.BENCH_QUICK === '1' ? 100 : 300); i++)
      for (const stream of [false, true])
        for (const p of pairs)
          await request(
            envoy.listenPort,
            p.client?.path(stream) ?? '/v1/chat/completions',
            JSON.stringify(p.client?.body(stream) ?? { model: p.model, stream, messages, ...p.extra }),
            {},
            agent,
          );
    for (const stream of [false, true]) {
      for (const p of pairs) {
        const directPath =
          stream && p.model === 'bedrock'
            ? p.directPath.replace('/converse', '/converse-stream')
            : p.directPath;
        const [direct, noFilter, via] = await measure(
          [
            path3(upstreamPort, directPath, p.direct(stream)),
            path3(bare.listenPort, directPath, p.direct(stream)),
            path3(
              envoy.listenPort,
              p.client?.path(stream) ?? '/v1/chat/completions',
              p.client?.body(stream) ?? { model: p.model, stream, messages, ...p.extra },
            ),
          ],
          agent,
        );
        const added = via!.p50 - noFilter!.p50;
        const addedTtft = via!.ttft - noFilter!.ttft;
        const ms = (v: number): string => v.toFixed(2);
        rows.push(
          `| ${p.name} | ${stream ? 'stream' : 'JSON'} | ${ms(direct!.p50)} | ${ms(noFilter!.p50)} | ${ms(via!.p50)} | ` +
            `**${ms(added)}** (${ms(via!.p50 - direct!.p50)}) | ` +
            `${stream ? `${ms(noFilter!.ttft)} → ${ms(via!.ttft)} (**+${ms(addedTtft)}**; +${ms(via!.ttft - direct!.ttft)})` : ''} | ` +
            `${added <= 1.5 && (!stream || addedTtft <= 2) ? 'PASS' : 'FAIL'} |`,
        );
      }
    }
    console.log(
      `## Translation overhead through Envoy (${N} sequential requests per path and row, in ${ROUNDS} interleaved turns)\n`,
    );
    console.log(
      '| pair | mode | mock direct p50 ms | Envoy without ext_proc p50 ms | Envoy + ai-extproc p50 ms | added p50 ms over Envoy without ext_proc (over the mock direct) | TTFT ms Envoy without ext_proc → with (added; over the mock direct) | target (+p50 ≤ 1.5 ms; stream +TTFT ≤ 2 ms) |',
    );
    console.log('|---|---|---:|---:|---:|---:|---|---|');
    for (const r of rows) console.log(r);
    console.log(
      '\n"Added" is over the same provider-native request through an Envoy without ext_proc: the ext_proc round trips, the server\'s work and the rest of the filter chain; over the mock direct it includes Envoy\'s own hop too.',
    );
    console.log(
      `\nload average at the end: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(', ')}`,
    );
  } finally {
    agent.destroy();
    await bare.stop();
    await envoy.stop();
    server.kill('SIGTERM');
    mock.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();

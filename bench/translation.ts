/**
 * Standalone translation overhead through real Envoy (issue: standalone gateway). One run:
 * for OpenAI→OpenAI (passthrough), OpenAI→Anthropic, Responses→Anthropic, Gemini-native→OpenAI and OpenAI→Bedrock (plain, and with reasoning_effort
 * plus a json_schema response_format, the cross-API fidelity paths), non-streaming and streaming, the p50 latency through Envoy + ai-extproc against the same provider-native request
 * sent straight to the mock upstream; for streams, time to first byte (TTFT) the same way.
 * Separate processes: mock upstream, ai-extproc, Envoy (--concurrency 1); sequential requests.
 * Run: node dist/bench/translation.js  (BENCH_QUICK=1 for a smoke run)
 */
import { startBenchGateway } from './standalone-gateway.js';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../test/helpers/envoy.js';
import { repoRoot } from '../test/helpers/repo.js';

const N = process.env.BENCH_QUICK === '1' ? 150 : 1500;
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

async function measure(
  port: number,
  reqPath: string,
  body: object,
  agent: http.Agent,
): Promise<{ p50: number; ttft: number }> {
  const text = JSON.stringify(body);
  for (let i = 0; i < 50; i++) await request(port, reqPath, text, {}, agent);
  const totals: number[] = [];
  const ttfbs: number[] = [];
  for (let i = 0; i < N; i++) {
    const t = await request(port, reqPath, text, {}, agent);
    totals.push(t.total);
    ttfbs.push(t.ttfb);
  }
  return { p50: median(totals), ttft: median(ttfbs) };
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
    for (const stream of [false, true]) {
      for (const p of pairs) {
        const directPath =
          stream && p.model === 'bedrock'
            ? p.directPath.replace('/converse', '/converse-stream')
            : p.directPath;
        const direct = await measure(upstreamPort, directPath, p.direct(stream), agent);
        const via = await measure(
          envoy.listenPort,
          p.client?.path(stream) ?? '/v1/chat/completions',
          p.client?.body(stream) ?? { model: p.model, stream, messages, ...p.extra },
          agent,
        );
        const added = via.p50 - direct.p50;
        const addedTtft = via.ttft - direct.ttft;
        rows.push(
          `| ${p.name} | ${stream ? 'stream' : 'JSON'} | ${direct.p50.toFixed(2)} | ${via.p50.toFixed(2)} | ${added.toFixed(2)} | ${stream ? `${direct.ttft.toFixed(2)} → ${via.ttft.toFixed(2)} (+${addedTtft.toFixed(2)})` : ''} | ${stream ? (addedTtft <= 2 ? 'PASS' : 'FAIL') : added <= 1.5 ? 'PASS' : 'FAIL'} |`,
        );
      }
    }
    console.log(`## Translation overhead through Envoy (${N} sequential requests per row)\n`);
    console.log(
      '| pair | mode | upstream direct p50 ms | via Envoy + ai-extproc p50 ms | added p50 ms | TTFT ms direct → via (added) | target (JSON +p50 ≤ 1.5 ms; stream +TTFT ≤ 2 ms) |',
    );
    console.log('|---|---|---:|---:|---:|---|---|');
    for (const r of rows) console.log(r);
    console.log(
      '\n"Added" includes Envoy itself (its hop and the ext_proc round trips), not only the translation.',
    );
  } finally {
    agent.destroy();
    await envoy.stop();
    server.kill('SIGTERM');
    mock.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();

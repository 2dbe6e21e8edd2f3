/**
 * Same-API pass-through (standalone mode, client API == provider API) against the kgateway path,
 * in one run, through real Envoy: Anthropic→Anthropic and OpenAI→OpenAI, JSON and streamed.
 *
 *   mock upstream ← Envoy (kgateway template) → ai-extproc, kgateway mode (pass-through codec)
 *                 ← Envoy (generated standalone config) → ai-extproc, standalone mode (native codec)
 *
 * Sequential requests, the two paths interleaved in rounds (A,B,B,A…) so the drift of a busy VM
 * hits both alike; the p50 of each, and what the same-API path adds over the kgateway path
 * (target ≤ 0.2 ms). Run: node dist/bench/same-api.js  (BENCH_QUICK=1 for a smoke run)
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { freePort, startEnvoy } from '../test/helpers/envoy.js';
import type { EnvoyProcess } from '../test/helpers/envoy.js';
import { repoRoot } from '../test/helpers/repo.js';
import { envoyConfigText } from '../src/envoy-config-command.js';
import { DEFAULT_BOOTSTRAP } from '../src/config/envoy/bootstrap.js';

const QUICK = process.env.BENCH_QUICK === '1';
const ROUNDS = QUICK ? 4 : 12;
const PER_ROUND = QUICK ? 40 : 120;
const root = repoRoot();
const CONFIG = (upstream: string): string => `version: 1
backends:
  openai: { provider: openai, baseUrl: 'http://${upstream}', cluster: mock, auth: { none: true } }
  anthropic: { provider: anthropic, baseUrl: 'http://${upstream}', cluster: mock, auth: { none: true } }
routes:
  - name: chat
    match: { pathPrefix: /v1/chat/completions }
    models: { '*': { backend: openai } }
  - name: messages
    match: { pathPrefix: /v1/messages }
    models: { '*': { backend: anthropic } }
`;

/** A Claude Code-style request: thinking, tools, a cached system prompt, a replayed tool turn. */
function anthropicBody(stream: boolean): object {
  return {
    model: 'claude-sonnet-4-5',
    max_tokens: 16000,
    stream,
    thinking: { type: 'enabled', budget_tokens: 10000 },
    system: [
      { type: 'text', text: 'You are a coding agent. '.repeat(40), cache_control: { type: 'ephemeral' } },
    ],
    tools: [
      {
        name: 'read_file',
        description: 'Read a file',
        input_schema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
      },
    ],
    messages: [{ role: 'user', content: 'Summarise the benefits of an AI gateway in two sentences.' }],
  };
}
function openaiBody(stream: boolean): object {
  return {
    model: 'gpt-4o-mini',
    stream,
    ...(stream ? { stream_options: { include_usage: true } } : {}),
    messages: [
      { role: 'system', content: 'You are a coding agent. '.repeat(40) },
      { role: 'user', content: 'Summarise the benefits of an AI gateway in two sentences.' },
    ],
  };
}

function request(port: number, reqPath: string, body: string, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: reqPath,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        res.on('data', () => undefined);
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(performance.now() - t0)
            : reject(new Error(`HTTP ${res.statusCode} for ${reqPath}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function until(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function main(): Promise<void> {
  const node = process.execPath;
  const children: ChildProcess[] = [];
  const envoys: EnvoyProcess[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-same-api-'));
  const upstreamPort = await freePort();
  children.push(
    spawn(node, [path.join(root, 'dist/bench/mock-server.js'), '--port', String(upstreamPort)], {
      stdio: 'ignore',
    }),
  );
  const configPath = path.join(dir, 'config.yaml');
  fs.writeFileSync(configPath, CONFIG(`127.0.0.1:${upstreamPort}`));
  const server = async (name: string, env: Record<string, string>): Promise<void> => {
    const metrics = await freePort();
    children.push(
      spawn(node, [path.join(root, 'dist/src/main.js')], {
        env: {
          PATH: process.env.PATH ?? '',
          LISTEN_ADDR: `unix-abstract:${name}`,
          METRICS_ADDR: `127.0.0.1:${metrics}`,
          LOG_LEVEL: 'error',
          ...env,
        },
        stdio: 'ignore',
      }),
    );
    await until(`http://127.0.0.1:${metrics}/metrics`);
  };
  const kgSocket = `bench-same-api-kg-${process.pid}`;
  const saSocket = `bench-same-api-sa-${process.pid}`;
  try {
    await server(kgSocket, {});
    await server(saSocket, { AI_EXTPROC_CONFIG: configPath });
    await until(`http://127.0.0.1:${upstreamPort}/healthz`);
    const kgateway = await startEnvoy({
      template: path.join(root, 'envoy/kgateway/envoy.yaml'),
      vars: { EXTPROC_SOCKET: kgSocket, UPSTREAM_PORT: upstreamPort },
      concurrency: 1,
    });
    envoys.push(kgateway);
    const standalone = await startEnvoy({
      render: ({ listenPort, adminPort, accessLog }) =>
        envoyConfigText(configPath, {
          ...DEFAULT_BOOTSTRAP,
          listen: { host: '127.0.0.1', port: listenPort },
          admin: { host: '127.0.0.1', port: adminPort },
          extproc: { kind: 'abstract', name: saSocket },
          accessLog,
        }),
      vars: {},
      concurrency: 1,
    });
    envoys.push(standalone);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const rows: string[] = [];
    const cases = [
      { name: 'Anthropic → Anthropic', path: '/v1/messages', body: anthropicBody },
      { name: 'OpenAI → OpenAI', path: '/v1/chat/completions', body: openaiBody },
    ];
    for (const c of cases) {
      for (const stream of [false, true]) {
        const body = JSON.stringify(c.body(stream));
        const kg: number[] = [];
        const sa: number[] = [];
        for (let i = 0; i < 30; i++) {
          await request(kgateway.listenPort, c.path, body, agent);
          await request(standalone.listenPort, c.path, body, agent);
        }
        for (let r = 0; r < ROUNDS; r++) {
          // A,B then B,A: alternate which path goes first.
          const order = r % 2 === 0 ? [kg, sa] : [sa, kg];
          for (const into of order) {
            const port = into === kg ? kgateway.listenPort : standalone.listenPort;
            for (let i = 0; i < PER_ROUND; i++) into.push(await request(port, c.path, body, agent));
          }
        }
        const added = median(sa) - median(kg);
        rows.push(
          `| ${c.name} | ${stream ? 'stream' : 'JSON'} | ${median(kg).toFixed(3)} | ${median(sa).toFixed(3)} | ${added.toFixed(3)} | ${added <= 0.2 ? 'PASS' : 'FAIL'} |`,
        );
      }
    }
    agent.destroy();
    const n = ROUNDS * PER_ROUND;
    console.log(`## Same-API pass-through against the kgateway path (${n} sequential requests per cell)\n`);
    console.log(
      '| pair | mode | kgateway path p50 ms | same-API standalone p50 ms | added p50 ms | target (≤ 0.2 ms) |',
    );
    console.log('|---|---|---:|---:|---:|---|');
    for (const r of rows) console.log(r);
    console.log(
      '\nBoth through Envoy to the same mock. The standalone path also buffers the request (it picks the backend from the body) and re-routes on x-ai-extproc-backend; kgateway routes are fixed by Envoy.',
    );
  } finally {
    for (const e of envoys) await e.stop();
    for (const c of children) c.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();

/**
 * What same-request failover costs (issue 17), in one run, interleaved: p50 through Envoy +
 * ai-extproc of the same OpenAI chat request
 *   - single: an alias with one target (the router-level ext_proc only, today's path);
 *   - two-filter: an alias with two targets whose first answers (the router-level ext_proc plus
 *     the upstream ext_proc filter that translates the attempt);
 *   - failed over: the first target answers 429 at once, the second serves (two attempts).
 * One mock provider process, one ai-extproc, one Envoy (all on loopback).
 * Run: node dist/bench/failover.js  (BENCH_QUICK=1 for a smoke run)
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startBenchGateway } from './standalone-gateway.js';
import { freePort } from '../test/helpers/envoy.js';
import { repoRoot } from '../test/helpers/repo.js';

const QUICK = process.env.BENCH_QUICK === '1';
const N = QUICK ? 150 : 1000;

const CONFIG = (upstream: string, limited: string): string => `version: 1
backends:
  openai: { provider: openai, baseUrl: 'http://${upstream}', cluster: mock, auth: { none: true } }
  anthropic: { provider: anthropic, baseUrl: 'http://${upstream}', cluster: mock, auth: { none: true } }
  limited: { provider: openai, baseUrl: 'http://${limited}', auth: { none: true } }
routes:
  - name: chat
    match: { pathPrefix: /v1/chat/completions }
    models:
      single:
        targets:
          - { backend: openai, model: gpt-4o-mini }
      pair:
        targets:
          - { backend: openai, model: gpt-4o-mini, priority: 0 }
          - { backend: anthropic, model: claude-haiku-4-5, priority: 1 }
      failing:
        targets:
          - { backend: limited, model: gpt-4o, priority: 0 }
          - { backend: openai, model: gpt-4o-mini, priority: 1 }
        # No cooldown: every request tries the failing target first (two attempts each time).
        cooldownMs: 0
`;

const body = (model: string): string =>
  JSON.stringify({
    model,
    max_tokens: 64,
    messages: [{ role: 'user', content: 'Summarise the benefits of an AI gateway in two sentences.' }],
  });

function request(port: number, payload: string, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/chat/completions',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        res.on('data', () => undefined);
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(performance.now() - t0)
            : reject(new Error(`HTTP ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number): string => `${x.toFixed(2)} ms`;

async function main(): Promise<void> {
  const root = repoRoot();
  const upstreamPort = await freePort();
  const mock = spawn(
    process.execPath,
    [path.join(root, 'dist/bench/mock-server.js'), '--port', String(upstreamPort)],
    { stdio: 'ignore' },
  );
  // A provider that is always rate limited, answering at once; no Retry-After, so no cooldown.
  const limited = http.createServer((_req, res) => {
    _req.resume();
    _req.on('end', () => {
      res.writeHead(429, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"rate limited","type":"rate_limit_error"}}');
    });
  });
  await new Promise<void>((r) => limited.listen(0, '127.0.0.1', r));
  const limitedPort = (limited.address() as { port: number }).port;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-failover-'));
  const configPath = path.join(dir, 'failover.yaml');
  fs.writeFileSync(configPath, CONFIG(`127.0.0.1:${upstreamPort}`, `127.0.0.1:${limitedPort}`));
  const gw = await startBenchGateway(configPath, 'failover');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const port = gw.envoy.listenPort;
    const rows = [
      { name: 'single target (router-level ext_proc only)', payload: body('single') },
      { name: 'two targets, first answers (+ upstream ext_proc filter)', payload: body('pair') },
      { name: 'two targets, first answers 429 (two attempts)', payload: body('failing') },
    ];
    for (let i = 0; i < 50; i++) for (const r of rows) await request(port, r.payload, agent);
    const xs: number[][] = rows.map(() => []);
    for (let i = 0; i < N; i++)
      for (let j = 0; j < rows.length; j++) xs[j]!.push(await request(port, rows[j]!.payload, agent));
    const p50 = xs.map(median);
    const base = p50[0]!;
    console.log(`Failover (${N} interleaved requests per row, load average ${os.loadavg()[0]!.toFixed(1)})`);
    console.log('');
    console.log('| request | p50 | added over single target |');
    console.log('|---|---:|---:|');
    rows.forEach((r, j) =>
      console.log(`| ${r.name} | ${ms(p50[j]!)} | ${j === 0 ? 'baseline' : `+${ms(p50[j]! - base)}`} |`),
    );
  } finally {
    agent.destroy();
    await gw.stop();
    limited.close();
    mock.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

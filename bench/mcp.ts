/**
 * The MCP guard's cost through real Envoy (issue: MCP traffic guard). One run, sequential requests:
 * a tools/call (and a tools/list) on a 2026-07-28 stateless request, sent straight to the MCP server,
 * through Envoy + ai-extproc on an MCP route with no rules (the same route without the guard's
 * work), and on the same route with the guard's rules and argument/result guards. The figure that
 * counts is the guarded route's added p50 against the unguarded one, measured in the same run.
 * Separate processes: the MCP server (official v2 SDK), ai-extproc, Envoy (--concurrency 1).
 * Run: node dist/bench/mcp.js  (BENCH_QUICK=1 for a smoke run)
 */
import { startBenchGateway } from './standalone-gateway.js';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../test/helpers/envoy.js';
import { repoRoot } from '../test/helpers/repo.js';

const N = process.env.BENCH_QUICK === '1' ? 100 : 1000;
const root = repoRoot();
const CONFIG = (upstream: string): string => `version: 1
backends:
  unused: { provider: openai, baseUrl: 'http://127.0.0.1:9', auth: { none: true }, defaultModel: m }
routes:
  - name: ai
    match: { pathPrefix: /v1 }
    backend: unused
mcp:
  backends:
    tools: { baseUrl: 'http://${upstream}' }
  routes:
    - name: guarded
      match: { pathPrefix: /guarded }
      backend: tools
      rules:
        tools: { deny: [delete_everything, { regex: 'debug_.*' }] }
      guards:
        request: { regex: { action: MASK, builtins: [CREDIT_CARD, EMAIL] } }
        response: { regex: { action: MASK, builtins: [CREDIT_CARD, EMAIL] } }
    - name: plain
      match: { pathPrefix: /plain }
      backend: tools
`;

const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

function request(
  port: number,
  p: string,
  body: string,
  headers: Record<string, string>,
  agent: http.Agent,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: p,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2026-07-28',
          ...headers,
        },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => {
          const text = Buffer.concat(parts).toString();
          if (res.statusCode !== 200 || !text.includes('"result"'))
            reject(new Error(`HTTP ${res.statusCode} for ${p}: ${text.slice(0, 200)}`));
          else resolve(performance.now() - t0);
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const mcpPort = await freePort();
  const node = process.execPath;
  const mcp = spawn(node, [path.join(root, 'dist/mock-provider/mcp-main.js'), '--port', String(mcpPort)], {
    stdio: 'ignore',
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-mcp-'));
  const configPath = path.join(dir, 'config.yaml');
  fs.writeFileSync(configPath, CONFIG(`127.0.0.1:${mcpPort}`));
  const gateway = await startBenchGateway(configPath, 'mcp');
  const { server, envoy } = gateway;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const calls = [
    {
      name: 'tools/call echo (1 KiB argument)',
      method: 'tools/call',
      mcpName: 'echo',
      params: {
        name: 'echo',
        arguments: { text: 'The quick brown fox jumps over the lazy dog. '.repeat(23) },
        _meta: META,
      },
    },
    {
      name: 'tools/list (filtered on the guarded route)',
      method: 'tools/list',
      mcpName: undefined,
      params: { _meta: META },
    },
  ];
  const targets = [
    { name: 'direct', port: mcpPort, path: '/mcp' },
    { name: 'plain', port: envoy.listenPort, path: '/plain/mcp' },
    { name: 'guarded', port: envoy.listenPort, path: '/guarded/mcp' },
  ];
  try {
    const rows: string[] = [];
    for (const c of calls) {
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: c.method, params: c.params });
      const headers = { 'mcp-method': c.method, ...(c.mcpName ? { 'mcp-name': c.mcpName } : {}) };
      const samples: Record<string, number[]> = { direct: [], plain: [], guarded: [] };
      for (const t of targets)
        for (let i = 0; i < 50; i++) await request(t.port, t.path, body, headers, agent);
      // Interleaved, so drift on this busy machine hits all three alike.
      for (let i = 0; i < N; i++)
        for (const t of targets) samples[t.name]!.push(await request(t.port, t.path, body, headers, agent));
      const p = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])) as Record<
        string,
        number
      >;
      const added = p.guarded! - p.plain!;
      rows.push(
        `| ${c.name} | ${p.direct!.toFixed(2)} | ${p.plain!.toFixed(2)} | ${p.guarded!.toFixed(2)} | ${added.toFixed(2)} | ${(p.guarded! / p.plain!).toFixed(2)} |`,
      );
    }
    console.log(`## MCP guard overhead through Envoy (${N} sequential requests per target, interleaved)\n`);
    console.log(
      '| request | MCP server direct p50 ms | MCP route without rules p50 ms | guarded route p50 ms | guard added p50 ms | guarded / without |',
    );
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const r of rows) console.log(r);
    console.log(
      '\nBoth routes go through Envoy and ai-extproc (the request body is read on both); "guarded" adds the rules, the\nargument guards (CREDIT_CARD, EMAIL) and reading the answer (result guards, list filtering).',
    );
  } finally {
    agent.destroy();
    await envoy.stop();
    server.kill('SIGTERM');
    mcp.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();

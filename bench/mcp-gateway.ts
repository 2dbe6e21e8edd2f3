/**
 * The MCP gateway endpoint's cost (issue: MCP gateway endpoint). One run, sequential requests: a
 * tools/call (and a tools/list) on a 2026-07-28 stateless request, and a tools/call in a
 * 2025-11-25 session (the sealed session id opened on every request), sent straight to the fixture MCP
 * server, to our endpoint (MCP_ADDR) directly, and to it through real Envoy (the public path). The
 * figure that counts is the added p50 of the gateway through Envoy against the fixture directly,
 * measured in the same run. Separate processes: the MCP server (official v2 SDK), ai-extproc, Envoy.
 * Run: node dist/bench/mcp-gateway.js  (BENCH_QUICK=1 for a smoke run)
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort, startEnvoy } from '../test/helpers/envoy.js';
import { repoRoot } from '../test/helpers/repo.js';
import { envoyConfigText } from '../src/envoy-config-command.js';
import { DEFAULT_BOOTSTRAP } from '../src/config/envoy/bootstrap.js';

const N = process.env.BENCH_QUICK === '1' ? 100 : 1000;
const root = repoRoot();
const CONFIG = (upstream: string): string => `version: 1
backends:
  unused: { provider: openai, baseUrl: 'http://127.0.0.1:9', auth: { none: true }, defaultModel: m }
routes:
  - name: ai
    match: { pathPrefix: /v1 }
    backend: unused
mcpServers:
  tools: { url: 'http://${upstream}/mcp' }
mcpGateway:
  rules:
    tools: { deny: [tools__delete_everything, { regex: 'tools__debug_.*' }] }
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

/** Waits (bounded) until something listens on the port: the processes start at their own pace. */
async function listening(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on ${port}`);
}

/** Opens a 2025-11-25 session (initialize, then initialized); its Mcp-Session-Id. */
async function openSession(port: number, p: string): Promise<string> {
  const post = (body: object, session?: string) =>
    fetch(`http://127.0.0.1:${port}${p}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...(session ? { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' } : {}),
      },
      body: JSON.stringify(body),
    });
  const r = await post({
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } },
  });
  await r.text();
  const session = r.headers.get('mcp-session-id');
  if (!session) throw new Error(`no session from ${p} (HTTP ${r.status})`);
  await (await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, session)).text();
  return session;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const mcpPort = await freePort();
  const node = process.execPath;
  const mcp = spawn(node, [path.join(root, 'dist/mock-provider/mcp-main.js'), '--port', String(mcpPort)], {
    stdio: 'ignore',
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-mcp-gateway-'));
  const configPath = path.join(dir, 'config.yaml');
  fs.writeFileSync(configPath, CONFIG(`127.0.0.1:${mcpPort}`));
  const socket = `bench-mcp-gateway-${process.pid}`;
  const gatewayPort = await freePort();
  const server = spawn(node, [path.join(root, 'dist/src/main.js')], {
    env: {
      PATH: process.env.PATH ?? '',
      AI_EXTPROC_CONFIG: configPath,
      LISTEN_ADDR: `unix-abstract:${socket}`,
      METRICS_ADDR: `127.0.0.1:${await freePort()}`,
      MCP_ADDR: `127.0.0.1:${gatewayPort}`,
      LOG_LEVEL: 'error',
    },
    stdio: 'ignore',
  });
  await listening(mcpPort);
  await listening(gatewayPort);
  const envoy = await startEnvoy({
    render: ({ listenPort, adminPort, accessLog }) =>
      envoyConfigText(configPath, {
        ...DEFAULT_BOOTSTRAP,
        listen: { host: '127.0.0.1', port: listenPort },
        admin: { host: '127.0.0.1', port: adminPort },
        extproc: { kind: 'abstract', name: socket },
        mcp: { kind: 'tcp', host: '127.0.0.1', port: gatewayPort },
        accessLog,
      }),
    vars: {},
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const text = 'The quick brown fox jumps over the lazy dog. '.repeat(23);
  const calls = [
    { name: 'tools/call echo (1 KiB argument)', method: 'tools/call', tool: 'echo', session: false },
    { name: 'tools/list (merged, filtered)', method: 'tools/list', tool: undefined, session: false },
    { name: 'tools/call echo, 2025-11-25 session', method: 'tools/call', tool: 'echo', session: true },
  ];
  const targets = [
    { name: 'direct', port: mcpPort, path: '/mcp', prefix: '' },
    { name: 'endpoint', port: gatewayPort, path: '/mcp-gateway', prefix: 'tools__' },
    { name: 'envoy', port: envoy.listenPort, path: '/mcp-gateway', prefix: 'tools__' },
  ];
  const sessions: Record<string, string> = {};
  for (const t of targets) sessions[t.name] = await openSession(t.port, t.path);
  const bodyFor = (c: (typeof calls)[number], prefix: string): string => {
    const meta = c.session ? {} : { _meta: META };
    return JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: c.method,
      params: c.tool ? { name: prefix + c.tool, arguments: { text }, ...meta } : meta,
    });
  };
  try {
    const rows: string[] = [];
    for (const c of calls) {
      const samples: Record<string, number[]> = { direct: [], endpoint: [], envoy: [] };
      const send = (t: (typeof targets)[number]) =>
        request(
          t.port,
          t.path,
          bodyFor(c, t.prefix),
          c.session
            ? { 'mcp-protocol-version': '2025-11-25', 'mcp-session-id': sessions[t.name]! }
            : { 'mcp-method': c.method, ...(c.tool ? { 'mcp-name': t.prefix + c.tool } : {}) },
          agent,
        );
      for (const t of targets) for (let i = 0; i < 50; i++) await send(t);
      // Interleaved, so drift on this busy machine hits all three alike.
      for (let i = 0; i < N; i++) for (const t of targets) samples[t.name]!.push(await send(t));
      const p = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])) as Record<
        string,
        number
      >;
      rows.push(
        `| ${c.name} | ${p.direct!.toFixed(2)} | ${p.endpoint!.toFixed(2)} | ${p.envoy!.toFixed(2)} | ${(p.envoy! - p.direct!).toFixed(2)} | ${(p.envoy! / p.direct!).toFixed(2)} |`,
      );
    }
    console.log(`## MCP gateway endpoint overhead (${N} sequential requests per target, interleaved)\n`);
    console.log(
      '| request | MCP server direct p50 ms | endpoint direct p50 ms | endpoint through Envoy p50 ms | added p50 ms (Envoy + endpoint vs direct) | through Envoy / direct |',
    );
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const r of rows) console.log(r);
    console.log(
      '\nThe endpoint answers from its own upstream call (one official v2 client per server, connected once); the\nlist is asked of the server on every request (no cache).',
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

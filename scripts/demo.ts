/**
 * `make demo`: the local stack as plain processes — the mock LLM provider (OpenAI, Anthropic,
 * Gemini, Bedrock; streaming and not), ai-extproc and the real Envoy from the pinned wheel — then
 * ready-to-paste examples. Offline, no API keys. Ctrl-C stops everything.
 *
 * DEMO_MODE=standalone (default): ai-extproc routes, authenticates and translates from its built-in
 *   config (config/examples/standalone.yaml), behind an Envoy whose config is generated from it
 *   (ai-extproc envoy-config) and follows its reloads.
 * DEMO_MODE=kgateway: kgateway's drop-in mode behind envoy/kgateway/envoy.yaml.
 * DEMO_REAL=1 with OPENAI_API_KEY and/or ANTHROPIC_API_KEY: standalone mode routed to the real providers.
 *
 * Ports (override with env): DEMO_PORT=10000 (Envoy), DEMO_ADMIN_PORT=9901, DEMO_UPSTREAM_PORT=18080,
 * DEMO_METRICS_PORT=9092, DEMO_MCP_PORT=18081 (the MCP server). `--smoke` sends a few requests, prints the results and exits.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startEnvoy } from '../test/helpers/envoy.js';
import type { EnvoyProcess } from '../test/helpers/envoy.js';
import { repoRoot } from '../test/helpers/repo.js';
import { envoyConfigText } from '../src/envoy-config-command.js';
import {
  mcpGatewayBanner,
  mcpGatewayListing,
  mcpGatewaySection,
  mcpGatewaySocket,
} from './demo-mcp-gateway.js';
import { cacheDemo, cacheExamples } from './demo-cache.js';
import OpenAI from 'openai';
import { GoogleGenAI } from '@google/genai';

const root = repoRoot();
const port = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
const ENVOY_PORT = port('DEMO_PORT', 10000);
const ADMIN_PORT = port('DEMO_ADMIN_PORT', 9901);
const UPSTREAM_PORT = port('DEMO_UPSTREAM_PORT', 18080);
const METRICS_PORT = port('DEMO_METRICS_PORT', 9092);
const MCP_PORT = port('DEMO_MCP_PORT', 18081);
const SOCKET = process.env.DEMO_SOCKET ?? `ai-extproc-demo-${process.pid}`;
const smoke = process.argv.includes('--smoke');
const MODE = process.env.DEMO_MODE === 'kgateway' ? 'kgateway' : 'standalone';
const REAL = process.env.DEMO_REAL === '1';

/** The standalone config: the built-in demo config, or real providers with DEMO_REAL=1. */
function standaloneConfig(): string {
  if (!REAL) {
    const text = fs.readFileSync(path.join(root, 'config/examples/standalone.yaml'), 'utf8');
    return (
      text
        .replaceAll('127.0.0.1:18080', `127.0.0.1:${UPSTREAM_PORT}`)
        .replaceAll('127.0.0.1:18081', `127.0.0.1:${MCP_PORT}`) + mcpGatewaySection(MCP_PORT)
    );
  }
  const openai = Boolean(process.env.OPENAI_API_KEY);
  const anthropic = Boolean(process.env.ANTHROPIC_API_KEY);
  if (!openai && !anthropic) throw new Error('DEMO_REAL=1 needs OPENAI_API_KEY or ANTHROPIC_API_KEY');
  const fallback = openai ? 'openai' : 'anthropic';
  return [
    'version: 1',
    'backends:',
    ...(openai
      ? [
          '  openai: { provider: openai, auth: { apiKey: { env: OPENAI_API_KEY } }, defaultModel: gpt-4o-mini }',
        ]
      : []),
    ...(anthropic
      ? [
          '  anthropic: { provider: anthropic, auth: { apiKey: { env: ANTHROPIC_API_KEY } }, defaultModel: claude-sonnet-4-5 }',
        ]
      : []),
    'routes:',
    '  - name: openai-chat',
    '    match: { pathPrefix: /v1/chat/completions }',
    '    models:',
    ...(anthropic ? ['      claude: { backend: anthropic, model: claude-sonnet-4-5 }'] : []),
    `      '*': { backend: ${fallback} }`,
    '  - name: anthropic-messages',
    '    match: { pathPrefix: /v1/messages }',
    '    models:',
    ...(openai ? ['      gpt: { backend: openai, model: gpt-4o-mini }'] : []),
    `      '*': { backend: ${anthropic ? 'anthropic' : 'openai'} }`,
    '',
  ].join('\n');
}

const children: ChildProcess[] = [];
let envoy: EnvoyProcess | undefined;
/** Set once the stack is up: from then on, a part that dies stops the demo. */
let up = false;
let stopping = false;

/** Fails fast when a port is taken (a half-started stack must not pass for a running one). */
function checkPortFree(name: string, p: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          err.code === 'EADDRINUSE'
            ? `port ${p} is in use (${name}); stop what holds it or set ${name}=<free port>`
            : `cannot use port ${p} (${name}): ${err.message}`,
        ),
      ),
    );
    s.listen(p, '127.0.0.1', () => s.close(() => resolve()));
  });
}

/** A part died after startup: say which and why, stop the others, exit non-zero. */
function partDied(name: string, code: number | null, signal: NodeJS.Signals | null): void {
  if (stopping) return;
  console.error(`demo failed: ${name} exited (${signal ?? `code ${code}`}); stopping the others`);
  void stopAll().then(() => process.exit(1));
}

/** Starts a node script; resolves once `ready()` is true (polled), rejects if the child exits first. */
function startChild(
  name: string,
  script: string,
  args: string[],
  env: Record<string, string>,
  ready: () => Promise<boolean>,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(root, script), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  child.stdout?.on('data', (d: Buffer) => process.stdout.write(`[${name}] ${d.toString()}`));
  child.stderr?.on('data', (d: Buffer) => process.stderr.write(`[${name}] ${d.toString()}`));
  return new Promise((resolve, reject) => {
    let settled = false;
    child.once('exit', (code, signal) => {
      if (!settled) {
        settled = true;
        reject(new Error(`${name} exited during startup (${signal ?? `code ${code}`})`));
      } else if (up) partDied(name, code, signal);
    });
    const deadline = Date.now() + 20_000;
    const poll = (): void => {
      if (settled) return;
      ready().then(
        (ok) => {
          if (settled) return;
          if (ok && running(child)) {
            settled = true;
            resolve(child);
          } else if (Date.now() > deadline) {
            settled = true;
            reject(new Error(`${name} did not become ready in 20 s`));
          } else setTimeout(poll, 50);
        },
        () => setTimeout(poll, 50),
      );
    };
    poll();
  });
}

const httpOk = (url: string) => async (): Promise<boolean> => (await fetch(url)).ok;

/** Every part answers: the mock, ai-extproc's /readyz and Envoy's /ready, and no child has exited. */
async function everyPartAnswers(): Promise<void> {
  const checks: [string, string][] = [
    ['mock provider', `http://127.0.0.1:${UPSTREAM_PORT}/healthz`],
    ['ai-extproc', `http://127.0.0.1:${METRICS_PORT}/readyz`],
    ['Envoy', `http://127.0.0.1:${ADMIN_PORT}/ready`],
  ];
  for (const [name, url] of checks) {
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (!ok) throw new Error(`${name} does not answer at ${url}`);
  }
  if (!children.every(running) || !envoy || !running(envoy.proc))
    throw new Error('a part of the stack exited during startup');
}

/** A child killed by a signal keeps exitCode null: check both. */
const running = (c: ChildProcess): boolean => c.exitCode === null && c.signalCode === null;

async function stopAll(): Promise<void> {
  stopping = true;
  await envoy?.stop();
  const live = children.filter(running);
  for (const c of live) c.kill('SIGTERM');
  await Promise.all(live.map((c) => new Promise((r) => c.once('exit', r))));
}

function examples(url: string): string {
  const head = `
ai-extproc demo is up (${MODE} mode${REAL ? ', real providers' : ', mock provider, no API keys needed'}).

  Envoy:      ${url}            (admin http://127.0.0.1:${ADMIN_PORT}, pid ${envoy?.proc.pid ?? '?'})
  ai-extproc: unix-abstract:${SOCKET}   metrics http://127.0.0.1:${METRICS_PORT}/metrics (pid ${children[1]?.pid ?? '?'})
  mock LLM:   http://127.0.0.1:${UPSTREAM_PORT}   (pid ${children[0]?.pid ?? '?'})
`;
  if (MODE === 'kgateway') {
    return `${head}
OpenAI-style chat (non-streaming, then streaming):
  curl -s ${url}/v1/chat/completions -H 'content-type: application/json' -H 'authorization: Bearer sk-demo' \\
    -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello!"}]}'
  curl -sN ${url}/v1/chat/completions -H 'content-type: application/json' -H 'authorization: Bearer sk-demo' \\
    -d '{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Hello!"}]}'

Anthropic Messages and Gemini:
  curl -s ${url}/v1/messages -H 'content-type: application/json' -H 'x-api-key: demo' \\
    -d '{"model":"claude-3-5-haiku-latest","max_tokens":64,"messages":[{"role":"user","content":"Hello!"}]}'
  curl -s '${url}/v1beta/models/gemini-2.0-flash:generateContent' -H 'content-type: application/json' \\
    -d '{"contents":[{"role":"user","parts":[{"text":"Hello!"}]}]}'

A prompt guard (PII masked in the request the upstream receives, and in the answer):
  curl -s ${url}/guarded/v1/chat/completions -H 'content-type: application/json' \\
    -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"my card is 4111 1111 1111 1111"}]}'

Token metrics:   curl -s http://127.0.0.1:${METRICS_PORT}/metrics | grep ^ai_
Per-request metadata (Envoy access log, one JSON line per request): ${envoy?.accessLog ?? ''}

Ctrl-C stops the stack.
`;
  }
  return `${head}
The tutorial's request (no model in the body: the /openai route's backend fills in gpt-3.5-turbo):
  curl -X POST "${url}/openai" -H "Content-Type: application/json" \\
    -d '{"messages":[{"role":"user","content":"Hello, how are you?"}]}'

List the models (OpenAI's format; send anthropic-version for Anthropic's):
  curl -s ${url}/v1/models

One OpenAI-compatible endpoint; the model name picks the provider (config/examples/standalone.yaml):
  curl -s ${url}/v1/chat/completions -H 'content-type: application/json' \\
    -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello!"}]}'
  curl -s ${url}/v1/chat/completions -H 'content-type: application/json' \\
    -d '{"model":"claude-sonnet","messages":[{"role":"user","content":"Hello!"}]}'
  curl -sN ${url}/v1/chat/completions -H 'content-type: application/json' \\
    -d '{"model":"gemini-flash","stream":true,"messages":[{"role":"user","content":"Hello!"}]}'
  curl -sN ${url}/v1/chat/completions -H 'content-type: application/json' \\
    -d '{"model":"bedrock-haiku","stream":true,"messages":[{"role":"user","content":"Hello!"}]}'

OpenAI Responses API clients, to any provider (here Claude; streamed with typed events):
  curl -s ${url}/v1/responses -H 'content-type: application/json' \\
    -d '{"model":"claude-sonnet","instructions":"Be brief.","input":"Hello!","store":false}'
  curl -sN ${url}/v1/responses -H 'content-type: application/json' \\
    -d '{"model":"claude-sonnet","input":"Hello!","store":false,"stream":true}'

Gemini-native clients (Google's SDK; the model is in the path), to any provider (here Claude; then streamed):
  curl -s '${url}/v1beta/models/claude-sonnet:generateContent' -H 'content-type: application/json' \\
    -d '{"contents":[{"role":"user","parts":[{"text":"Hello!"}]}]}'
  curl -sN '${url}/v1beta/models/claude-sonnet:streamGenerateContent?alt=sse' -H 'content-type: application/json' \\
    -d '{"contents":[{"role":"user","parts":[{"text":"Hello!"}]}]}'

Embeddings (OpenAI's format in; each provider's embeddings API out):
  curl -s ${url}/v1/embeddings -H 'content-type: application/json' \\
    -d '{"model":"gemini-embedding","input":["Hello!","Bonjour !"]}'

Anthropic clients (Messages API), to Anthropic or to OpenAI:
  curl -s ${url}/v1/messages -H 'content-type: application/json' \\
    -d '{"model":"gpt-4o-mini","max_tokens":64,"messages":[{"role":"user","content":"Hello!"}]}'

A budget (2 requests a minute on /limited; the third gets a 429, the OpenAI SDK a RateLimitError):
  for i in 1 2 3; do curl -s -o /dev/null -w '%{http_code}\\n' ${url}/limited/v1/chat/completions \\
    -H 'content-type: application/json' -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hi"}]}'; done

OpenAI SDK (node):
  import OpenAI from 'openai';
  const client = new OpenAI({ baseURL: '${url}/v1', apiKey: 'unused' });
  const r = await client.chat.completions.create({ model: 'claude-sonnet', messages: [{ role: 'user', content: 'Hello!' }] });

${REAL ? '' : cacheExamples(url, METRICS_PORT) + mcpExamples(url)}Metrics:  curl -s http://127.0.0.1:${METRICS_PORT}/metrics | grep -E '^(gen_ai|ai_)'
Edit the config while it runs (hot reload; Envoy follows): ${configFile ?? ''}
Envoy's config, generated from it:                       ${envoy?.configPath ?? ''}

Ctrl-C stops the stack.
`;
}

/** The MCP route of the example config, in front of the small MCP server on the official SDK. */
function mcpExamples(url: string): string {
  const rpc = (body: string): string =>
    `  curl -s ${url}/mcp -H 'content-type: application/json' -H 'accept: application/json, text/event-stream' \\\n    -d '${body}'`;
  return `MCP guard (/mcp → a small MCP server on the official SDK, http://127.0.0.1:${MCP_PORT}/mcp):
the tool delete_everything is denied (and left out of tools/list), card numbers are masked in
tool arguments before the server sees them and in results before the client does.
${rpc('{"jsonrpc":"2.0","id":1,"method":"tools/list"}')}
${rpc('{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"delete_everything","arguments":{}}}')}
${rpc('{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"text":"pay with 4111 1111 1111 1111"}}}')}
  Any MCP client works too (Streamable HTTP, ${url}/mcp); MCP metrics: grep ^ai_extproc_mcp_

`;
}

/** tools/call and tools/list through the MCP route; the JSON-RPC answer (JSON or one SSE event). */
async function mcpCall(
  url: string,
  id: number,
  method: string,
  params?: object,
): Promise<Record<string, unknown>> {
  const r = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) }),
  });
  const text = await r.text();
  if (r.status !== 200) throw new Error(`/mcp ${method}: HTTP ${r.status} ${text}`);
  const data = text.startsWith('{') ? text : (/^data: (.*)$/m.exec(text)?.[1] ?? '');
  return JSON.parse(data) as Record<string, unknown>;
}

async function smokeTest(url: string): Promise<void> {
  const post = async (p: string, body: object, headers: Record<string, string> = {}): Promise<string> => {
    const r = await fetch(`${url}${p}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    const text = await r.text();
    if (r.status !== 200) throw new Error(`${p}: HTTP ${r.status} ${text}`);
    return text;
  };
  const hello = [{ role: 'user', content: 'Hello!' }];
  if (MODE === 'standalone' && !REAL) {
    const t = JSON.parse(
      await post('/openai', { messages: [{ role: 'user', content: 'Hello, how are you?' }] }),
    ) as { model: string; choices: { message: { content: string } }[] };
    console.log(`tutorial /openai: answered by ${t.model}: ${JSON.stringify(t.choices[0]?.message.content)}`);
    const list = (await (await fetch(`${url}/v1/models`)).json()) as {
      object: string;
      data: { id: string }[];
    };
    console.log(`models (${list.object}): ${list.data.map((m) => m.id).join(', ')}`);
    await budgetDemo(url);
    await cacheDemo(url, METRICS_PORT);
  }
  if (MODE === 'standalone') {
    for (const model of ['gpt-4o-mini', 'claude-sonnet', 'gemini-flash', 'bedrock-haiku']) {
      const j = JSON.parse(await post('/v1/chat/completions', { model, messages: hello })) as {
        model: string;
        usage?: object;
      };
      console.log(`chat ${model}: answered by ${j.model}, usage ${JSON.stringify(j.usage)}`);
      const sse = await post('/v1/chat/completions', { model, stream: true, messages: hello });
      console.log(
        `chat ${model} (stream): ${sse.split('\n\n').filter(Boolean).length} events, ends with ${JSON.stringify(sse.trim().split('\n').at(-1))}`,
      );
    }
    const m = JSON.parse(
      await post('/v1/messages', { model: 'gpt-4o-mini', max_tokens: 64, messages: hello }),
    ) as { type: string };
    console.log(`messages gpt-4o-mini: ${m.type}`);
    if (!REAL)
      for (const model of ['text-embedding-3-small', 'gemini-embedding', 'titan-embed']) {
        const input = model === 'titan-embed' ? 'Hello!' : ['Hello!', 'Bonjour !'];
        const e = JSON.parse(await post('/v1/embeddings', { model, input })) as {
          model: string;
          data: { embedding: number[] }[];
          usage: object;
        };
        console.log(
          `embeddings ${model}: ${e.data.length} vector(s) of ${e.data[0]?.embedding.length} floats from ${e.model}, usage ${JSON.stringify(e.usage)}`,
        );
      }
    const responsesSdk = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
    if (!REAL) {
      const r = await responsesSdk.responses.create({
        model: 'claude-sonnet',
        input: 'Hello!',
        store: false,
      });
      console.log(
        `responses claude-sonnet: ${r.status}, ${r.output_text.length} chars, usage ${JSON.stringify(r.usage)}`,
      );
    }
    if (!REAL) {
      const genai = new GoogleGenAI({
        apiKey: 'unused',
        apiVersion: 'v1beta',
        httpOptions: { baseUrl: url },
      });
      const g = await genai.models.generateContent({ model: 'claude-sonnet', contents: 'Hello!' });
      console.log(
        `gemini-native claude-sonnet: ${g.candidates?.[0]?.finishReason}, ${g.text?.length ?? 0} chars, usage ${JSON.stringify(g.usageMetadata)}`,
      );
    }
    if (!REAL) {
      const list = (await mcpCall(url, 1, 'tools/list')) as { result: { tools: { name: string }[] } };
      console.log(`mcp tools/list: ${list.result.tools.map((t) => t.name).join(', ')}`);
      const denied = (await mcpCall(url, 2, 'tools/call', { name: 'delete_everything', arguments: {} })) as {
        error: { code: number; message: string };
      };
      console.log(`mcp delete_everything: error ${denied.error.code} ${denied.error.message}`);
      const echo = (await mcpCall(url, 3, 'tools/call', {
        name: 'echo',
        arguments: { text: 'pay with 4111 1111 1111 1111' },
      })) as { result: { content: { text: string }[] } };
      console.log(`mcp echo: ${echo.result.content[0]?.text}`);
    }
  } else {
    await post(
      '/v1/chat/completions',
      { model: 'gpt-4o-mini', messages: hello },
      { authorization: 'Bearer sk-demo' },
    );
    await post(
      '/v1/chat/completions',
      { model: 'gpt-4o-mini', stream: true, messages: hello },
      { authorization: 'Bearer sk-demo' },
    );
    await post('/v1/messages', { model: 'claude-3-5-haiku-latest', max_tokens: 64, messages: hello });
    await post('/v1beta/models/gemini-2.0-flash:generateContent', {
      contents: [{ role: 'user', parts: [{ text: 'Hello!' }] }],
    });
    const logs = await envoy!.waitForAccessLog(4);
    for (const l of logs) {
      const f = (k: string): string => JSON.stringify(l[k] ?? null);
      console.log(
        `access log: ${f('path')} status=${f('status')} provider=${f('provider')} prompt_tokens=${f('prompt_tokens')} completion_tokens=${f('completion_tokens')}`,
      );
    }
  }
  const metrics = await (await fetch(`http://127.0.0.1:${METRICS_PORT}/metrics`)).text();
  console.log(
    metrics
      .split('\n')
      .filter((l) => l.startsWith('ai_completion_tokens_total'))
      .join('\n'),
  );
}

/** The /limited route's budget: two requests a minute; the OpenAI SDK raises RateLimitError on the third. */
async function budgetDemo(url: string): Promise<void> {
  const sdk = new OpenAI({ baseURL: `${url}/limited/v1`, apiKey: 'unused', maxRetries: 0 });
  for (let i = 1; i <= 3; i++) {
    try {
      await sdk.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Hello!' }],
      });
      console.log(`budget: request ${i} answered`);
    } catch (err) {
      if (!(err instanceof OpenAI.RateLimitError)) throw err;
      const h = err.headers;
      console.log(
        `budget: request ${i} refused: RateLimitError ${err.status} (retry-after ${h.get('retry-after')}s, ` +
          `x-ratelimit-remaining-requests ${h.get('x-ratelimit-remaining-requests')})`,
      );
    }
  }
}

let configFile: string | undefined;

async function main(): Promise<void> {
  process.on('SIGINT', () => void stopAll().then(() => process.exit(0)));
  process.on('SIGTERM', () => void stopAll().then(() => process.exit(0)));
  for (const [name, p] of [
    ['DEMO_PORT', ENVOY_PORT],
    ['DEMO_ADMIN_PORT', ADMIN_PORT],
    ['DEMO_UPSTREAM_PORT', UPSTREAM_PORT],
    ['DEMO_METRICS_PORT', METRICS_PORT],
    ...(MODE === 'standalone' && !REAL ? ([['DEMO_MCP_PORT', MCP_PORT]] as const) : []),
  ] as const)
    await checkPortFree(name, p);
  await startChild(
    'mock',
    'dist/mock-provider/main.js',
    ['--port', String(UPSTREAM_PORT)],
    {},
    httpOk(`http://127.0.0.1:${UPSTREAM_PORT}/healthz`),
  );
  let xdsDir: string | undefined;
  if (MODE === 'standalone') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-extproc-demo-'));
    configFile = path.join(dir, 'config.yaml');
    fs.writeFileSync(configFile, standaloneConfig());
    // Envoy's clusters and routes follow the config: the server rewrites them on every reload.
    xdsDir = path.join(dir, 'xds');
  }
  await startChild(
    'ai-extproc',
    'dist/src/main.js',
    [],
    {
      LISTEN_ADDR: `unix-abstract:${SOCKET}`,
      METRICS_ADDR: `127.0.0.1:${METRICS_PORT}`,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
      ...(configFile ? { AI_EXTPROC_CONFIG: configFile } : {}),
      ...(xdsDir ? { ENVOY_XDS_DIR: xdsDir } : {}),
      MCP_ADDR: `unix-abstract:${mcpGatewaySocket(SOCKET)}`,
    },
    httpOk(`http://127.0.0.1:${METRICS_PORT}/readyz`),
  );
  // After ai-extproc, so the banner's child indexes hold (mock, ai-extproc, mcp).
  if (MODE === 'standalone' && !REAL)
    await startChild(
      'mcp',
      'dist/mock-provider/mcp-main.js',
      ['--port', String(MCP_PORT)],
      {},
      httpOk(`http://127.0.0.1:${MCP_PORT}/healthz`),
    );
  // Standalone: Envoy's config is generated from ours (ai-extproc envoy-config); kgateway: kgateway's shape.
  const generated = configFile;
  envoy = await startEnvoy({
    ...(generated
      ? {
          render: ({ accessLog }: { accessLog: string }) =>
            envoyConfigText(generated, {
              listen: { host: '127.0.0.1', port: ENVOY_PORT },
              admin: { host: '127.0.0.1', port: ADMIN_PORT },
              extproc: { kind: 'abstract', name: SOCKET },
              accessLog,
              xdsDir,
              extras: undefined,
              mcp: { kind: 'abstract', name: mcpGatewaySocket(SOCKET) },
            }),
        }
      : { template: path.join(root, 'envoy/kgateway/envoy.yaml') }),
    vars: { EXTPROC_SOCKET: SOCKET, UPSTREAM_PORT, LISTEN_PORT: ENVOY_PORT, ADMIN_PORT },
  });
  envoy.proc.once('exit', (code, signal) => partDied('Envoy', code, signal));
  await everyPartAnswers();
  up = true;
  const url = `http://127.0.0.1:${ENVOY_PORT}`;
  const gateway = MODE === 'standalone' && !REAL ? await mcpGatewayListing(url) : undefined;
  if (smoke) {
    try {
      if (gateway) console.log(gateway);
      await smokeTest(url);
      console.log('demo smoke test passed');
    } finally {
      await stopAll();
    }
    process.exit(0);
  }
  console.log(examples(url) + (gateway ? mcpGatewayBanner(url, gateway) : ''));
}

main().catch(async (err: unknown) => {
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
  await stopAll();
  process.exit(1);
});

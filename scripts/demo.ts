/**
 * `make demo`: the local stack as plain processes — the mock LLM provider (OpenAI, Anthropic,
 * Gemini, Bedrock; streaming and not), ai-extproc and the real Envoy from the pinned wheel — then
 * ready-to-paste examples. Offline, no API keys. Ctrl-C stops everything.
 *
 * DEMO_MODE=standalone (default): ai-extproc routes, authenticates and translates from its built-in
 *   config (config/examples/standalone.yaml) behind envoy/standalone/envoy.yaml.
 * DEMO_MODE=kgateway: kgateway's drop-in mode behind envoy/kgateway/envoy.yaml.
 * DEMO_REAL=1 with OPENAI_API_KEY and/or ANTHROPIC_API_KEY: standalone mode routed to the real providers.
 *
 * Ports (override with env): DEMO_PORT=10000 (Envoy), DEMO_ADMIN_PORT=9901, DEMO_UPSTREAM_PORT=18080,
 * DEMO_METRICS_PORT=9092. `--smoke` sends a few requests, prints the results and exits.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEnvoy } from '../test/helpers/envoy.js';
import type { EnvoyProcess } from '../test/helpers/envoy.js';
import { repoRoot } from '../test/helpers/repo.js';

const root = repoRoot();
const port = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
const ENVOY_PORT = port('DEMO_PORT', 10000);
const ADMIN_PORT = port('DEMO_ADMIN_PORT', 9901);
const UPSTREAM_PORT = port('DEMO_UPSTREAM_PORT', 18080);
const METRICS_PORT = port('DEMO_METRICS_PORT', 9092);
const SOCKET = process.env.DEMO_SOCKET ?? `ai-extproc-demo-${process.pid}`;
const smoke = process.argv.includes('--smoke');
const MODE = process.env.DEMO_MODE === 'kgateway' ? 'kgateway' : 'standalone';
const REAL = process.env.DEMO_REAL === '1';

/** The standalone config: the built-in demo config, or real providers with DEMO_REAL=1. */
function standaloneConfig(): string {
  if (!REAL) {
    const text = fs.readFileSync(path.join(root, 'config/examples/standalone.yaml'), 'utf8');
    return text.replaceAll('127.0.0.1:18080', `127.0.0.1:${UPSTREAM_PORT}`);
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
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
    const deadline = Date.now() + 15_000;
    const poll = (): void => {
      ready().then(
        (ok) => {
          if (ok) resolve(child);
          else if (Date.now() > deadline) reject(new Error(`${name} did not become ready`));
          else setTimeout(poll, 50);
        },
        () => setTimeout(poll, 50),
      );
    };
    poll();
  });
}

const httpOk = (url: string) => async (): Promise<boolean> => (await fetch(url)).ok;

async function stopAll(): Promise<void> {
  await envoy?.stop();
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  await Promise.all(
    children.filter((c) => c.exitCode === null).map((c) => new Promise((r) => c.once('exit', r))),
  );
}

function examples(url: string): string {
  const head = `
ai-extproc demo is up (${MODE} mode${REAL ? ', real providers' : ', mock provider, no API keys needed'}).

  Envoy:      ${url}            (admin http://127.0.0.1:${ADMIN_PORT})
  ai-extproc: unix-abstract:${SOCKET}   metrics http://127.0.0.1:${METRICS_PORT}/metrics
  mock LLM:   http://127.0.0.1:${UPSTREAM_PORT}
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
One OpenAI-compatible endpoint; the model name picks the provider (config/examples/standalone.yaml):
  curl -s ${url}/v1/chat/completions -H 'content-type: application/json' \\
    -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello!"}]}'
  curl -s ${url}/v1/chat/completions -H 'content-type: application/json' \\
    -d '{"model":"claude-sonnet","messages":[{"role":"user","content":"Hello!"}]}'
  curl -sN ${url}/v1/chat/completions -H 'content-type: application/json' \\
    -d '{"model":"gemini-flash","stream":true,"messages":[{"role":"user","content":"Hello!"}]}'
  curl -sN ${url}/v1/chat/completions -H 'content-type: application/json' \\
    -d '{"model":"bedrock-haiku","stream":true,"messages":[{"role":"user","content":"Hello!"}]}'

Anthropic clients (Messages API), to Anthropic or to OpenAI:
  curl -s ${url}/v1/messages -H 'content-type: application/json' \\
    -d '{"model":"gpt-4o-mini","max_tokens":64,"messages":[{"role":"user","content":"Hello!"}]}'

OpenAI SDK (node):
  import OpenAI from 'openai';
  const client = new OpenAI({ baseURL: '${url}/v1', apiKey: 'unused' });
  const r = await client.chat.completions.create({ model: 'claude-sonnet', messages: [{ role: 'user', content: 'Hello!' }] });

Metrics:  curl -s http://127.0.0.1:${METRICS_PORT}/metrics | grep -E '^(gen_ai|ai_)'
Edit the config while it runs (hot reload): ${configFile ?? ''}

Ctrl-C stops the stack.
`;
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

let configFile: string | undefined;

async function main(): Promise<void> {
  process.on('SIGINT', () => void stopAll().then(() => process.exit(0)));
  process.on('SIGTERM', () => void stopAll().then(() => process.exit(0)));
  await startChild(
    'mock',
    'dist/mock-provider/main.js',
    ['--port', String(UPSTREAM_PORT)],
    {},
    httpOk(`http://127.0.0.1:${UPSTREAM_PORT}/healthz`),
  );
  if (MODE === 'standalone') {
    configFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ai-extproc-demo-')), 'config.yaml');
    fs.writeFileSync(configFile, standaloneConfig());
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
    },
    httpOk(`http://127.0.0.1:${METRICS_PORT}/readyz`),
  );
  envoy = await startEnvoy({
    template: path.join(
      root,
      MODE === 'kgateway' ? 'envoy/kgateway/envoy.yaml' : 'envoy/standalone/envoy.yaml',
    ),
    vars: { EXTPROC_SOCKET: SOCKET, UPSTREAM_PORT, LISTEN_PORT: ENVOY_PORT, ADMIN_PORT },
  });
  const url = `http://127.0.0.1:${ENVOY_PORT}`;
  if (smoke) {
    try {
      await smokeTest(url);
      console.log('demo smoke test passed');
    } finally {
      await stopAll();
    }
    process.exit(0);
  }
  console.log(examples(url));
}

main().catch(async (err: unknown) => {
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
  await stopAll();
  process.exit(1);
});

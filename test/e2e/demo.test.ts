/** `make demo` works on this machine: the same script, in smoke mode, on free ports, in both modes. */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../helpers/envoy.js';
import { repoRoot } from '../helpers/repo.js';

async function runDemo(mode: 'standalone' | 'kgateway', ports: Record<string, string> = {}): Promise<string> {
  const env = {
    ...process.env,
    DEMO_MODE: mode,
    DEMO_PORT: String(await freePort()),
    DEMO_ADMIN_PORT: String(await freePort()),
    DEMO_UPSTREAM_PORT: String(await freePort()),
    DEMO_METRICS_PORT: String(await freePort()),
    DEMO_MCP_PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
    ...ports,
  };
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [path.join(repoRoot(), 'dist/scripts/demo.js'), '--smoke'],
    {
      env,
      timeout: 50_000,
    },
  );
  return stdout;
}

it(
  'the standalone demo answers every provider through Envoy, streaming and not',
  { timeout: 60_000 },
  async () => {
    const out = await runDemo('standalone');
    assert.match(out, /demo smoke test passed/);
    // The tutorial's own request: no model, path /openai, the backend's model filled in.
    assert.match(out, /tutorial \/openai: answered by gpt-3\.5-turbo: "/);
    assert.match(
      out,
      /models \(list\): gpt-4o-mini, claude-sonnet, gemini-flash, bedrock-haiku, text-embedding-3-small, gemini-embedding, titan-embed\n/,
    );
    for (const [alias, model] of [
      ['claude-sonnet', 'claude-sonnet-4-5'],
      ['gemini-flash', 'gemini-2.5-flash'],
      ['bedrock-haiku', 'anthropic.claude-3-5-haiku'],
    ]) {
      assert.match(out, new RegExp(`chat ${alias}: answered by ${model}`));
      assert.match(out, new RegExp(`chat ${alias} \\(stream\\): \\d+ events, ends with "data: \\[DONE\\]"`));
    }
    assert.match(out, /messages gpt-4o-mini: message/);
    assert.match(
      out,
      /embeddings gemini-embedding: 2 vector\(s\) of 3072 floats from gemini-embedding-001, usage/,
    );
    assert.match(
      out,
      /embeddings titan-embed: 1 vector\(s\) of 1024 floats from amazon\.titan-embed-text-v2:0/,
    );
    assert.match(out, /responses claude-sonnet: completed, [1-9]\d* chars, usage \{"input_tokens":\d+/);
    assert.match(out, /gemini-native claude-sonnet: STOP, [1-9]\d* chars, usage \{"promptTokenCount":\d+/);
    // The /limited route's budget: the OpenAI SDK raises RateLimitError on the request over it.
    assert.match(
      out,
      /budget: request 2 answered\nbudget: request 3 refused: RateLimitError 429 \(retry-after \d+s/,
    );
    assert.match(out, /ai_completion_tokens_total\{llm="bedrock",model="bedrock-haiku"\} \d+/);
    // The cache route: an exact and a semantic hit, a near miss upstream; the metric counts them.
    assert.match(out, /cache "What is the capital of France\?": x-ai-cache miss, [1-9]\d* chars\n/);
    assert.match(out, /cache same question again: x-ai-cache hit, similarity 1\.0000/);
    assert.match(
      out,
      /cache "Which city is the capital of France\?": x-ai-cache semantic-hit, similarity 0\.9[2-9]\d*/,
    );
    assert.match(out, /cache "What is the capital of Germany\?": x-ai-cache miss/);
    assert.match(out, /ai_extproc_cache_requests_total\{route="cached",result="semantic-hit"\} 1\n/);
    // The MCP route: the denied tool is left out of the list and refused; the card is masked.
    assert.match(out, /mcp tools\/list: echo, card_lookup, progress_echo\n/);
    assert.match(out, /mcp delete_everything: error -32602 Tool delete_everything not found/);
    assert.match(out, /mcp echo: pay with <CREDIT_CARD>\n/);
    // The MCP gateway endpoint: two servers (HTTP and stdio) merged, the denied tools left out.
    const listed = /mcp gateway tools\/list: (.*)\n/.exec(out)?.[1]?.split(', ') ?? [];
    for (const t of ['tools__echo', 'tools__card_lookup', 'local__echo', 'local__whoami'])
      assert.ok(listed.includes(t), `${t} in ${listed.join(', ')}`);
    assert.ok(!listed.some((t) => t.includes('delete_everything') || t.includes('debug_')));
    assert.match(out, /mcp gateway tools__echo: hello tools\nmcp gateway local__echo: hello local\n/);
  },
);

it('the kgateway demo answers each provider through Envoy', { timeout: 60_000 }, async () => {
  const out = await runDemo('kgateway');
  assert.match(out, /demo smoke test passed/);
  assert.match(out, /provider="anthropic"/);
  assert.match(out, /provider="gemini"/);
  assert.match(out, /ai_completion_tokens_total\{llm="openai",model="gpt-4o-mini"\} \d+/);
});

it('a taken port stops the demo before it starts anything, with the reason and a non-zero exit', async () => {
  const holder = net.createServer();
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
  const taken = String((holder.address() as net.AddressInfo).port);
  try {
    const err = await runDemo('standalone', { DEMO_METRICS_PORT: taken }).then(
      () => assert.fail('the demo started'),
      (e: { code?: number; stdout?: string; stderr?: string }) => e,
    );
    assert.equal(err.code, 1);
    assert.match(err.stderr ?? '', new RegExp(`port ${taken} is in use \\(DEMO_METRICS_PORT\\)`));
    assert.doesNotMatch(err.stdout ?? '', /demo is up|smoke test passed/);
  } finally {
    holder.close();
  }
});

it(
  'when a part dies after startup, the demo stops the others and exits non-zero',
  { timeout: 60_000 },
  async () => {
    const ports = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const child = spawn(process.execPath, [path.join(repoRoot(), 'dist/scripts/demo.js')], {
      env: {
        ...process.env,
        DEMO_PORT: String(ports[0]),
        DEMO_ADMIN_PORT: String(ports[1]),
        DEMO_UPSTREAM_PORT: String(ports[2]),
        DEMO_METRICS_PORT: String(ports[3]),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let errText = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (errText += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      while (!/demo is up/.test(out)) {
        if (child.exitCode !== null) assert.fail(`demo exited: ${errText}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const pids = (name: string): number => Number(new RegExp(`${name}:.*pid (\\d+)`).exec(out)?.[1]);
      const ext = pids('ai-extproc');
      const envoyPid = pids('Envoy');
      assert.ok(ext > 0 && envoyPid > 0, out);
      process.kill(ext, 'SIGKILL');
      assert.equal(await exited, 1);
      assert.match(errText, /demo failed: ai-extproc exited \(SIGKILL\)/);
      const alive = (pid: number): boolean => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      assert.equal(alive(envoyPid), false, 'Envoy was stopped');
    } finally {
      if (child.exitCode === null) child.kill('SIGTERM');
    }
  },
);

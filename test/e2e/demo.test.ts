/** `make demo` works on this machine: the same script, in smoke mode, on free ports, in both modes. */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../helpers/envoy.js';
import { repoRoot } from '../helpers/repo.js';

async function runDemo(mode: 'standalone' | 'kgateway'): Promise<string> {
  const env = {
    ...process.env,
    DEMO_MODE: mode,
    DEMO_PORT: String(await freePort()),
    DEMO_ADMIN_PORT: String(await freePort()),
    DEMO_UPSTREAM_PORT: String(await freePort()),
    DEMO_METRICS_PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
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
    for (const [alias, model] of [
      ['claude-sonnet', 'claude-sonnet-4-5'],
      ['gemini-flash', 'gemini-2.5-flash'],
      ['bedrock-haiku', 'anthropic.claude-3-5-haiku'],
    ]) {
      assert.match(out, new RegExp(`chat ${alias}: answered by ${model}`));
      assert.match(out, new RegExp(`chat ${alias} \\(stream\\): \\d+ events, ends with "data: \\[DONE\\]"`));
    }
    assert.match(out, /messages gpt-4o-mini: message/);
    assert.match(out, /ai_completion_tokens_total\{llm="bedrock",model="bedrock-haiku"\} \d+/);
  },
);

it('the kgateway demo answers each provider through Envoy', { timeout: 60_000 }, async () => {
  const out = await runDemo('kgateway');
  assert.match(out, /demo smoke test passed/);
  assert.match(out, /provider="anthropic"/);
  assert.match(out, /provider="gemini"/);
  assert.match(out, /ai_completion_tokens_total\{llm="openai",model="gpt-4o-mini"\} \d+/);
});

/** `make demo` works on this machine: the same script, in smoke mode, on free ports. */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../helpers/envoy.js';
import { repoRoot } from '../helpers/repo.js';

it('the demo stack starts, answers each provider through Envoy, and stops', { timeout: 60_000 }, async () => {
  const env = {
    ...process.env,
    DEMO_PORT: String(await freePort()),
    DEMO_ADMIN_PORT: String(await freePort()),
    DEMO_UPSTREAM_PORT: String(await freePort()),
    DEMO_METRICS_PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
  };
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [path.join(repoRoot(), 'dist/scripts/demo.js'), '--smoke'],
    { env, timeout: 50_000 },
  );
  assert.match(stdout, /demo smoke test passed/);
  assert.match(stdout, /provider="anthropic"/);
  assert.match(stdout, /provider="gemini"/);
  assert.match(stdout, /ai_completion_tokens_total\{llm="openai",model="gpt-4o-mini"\} \d+/);
});

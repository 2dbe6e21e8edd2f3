/**
 * Differential conformance: the official MCP conformance suite (@modelcontextprotocol/conformance,
 * run by the project's Node 22) against a fixture on the official v2 server SDK, once directly and
 * once through real Envoy and the MCP guard with an allow-all policy (every rule kind and both
 * guards configured, nothing refused). The guard must change no scenario's outcome: the two
 * pass/fail sets are identical.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { startStandaloneStack } from '../helpers/stack.js';
import type { StandaloneStack } from '../helpers/stack.js';
import { repoRoot } from '../helpers/repo.js';
import { startMcpFixture } from '../../mock-provider/mcp-server.js';
import type { McpFixture } from '../../mock-provider/mcp-server.js';

const ALL = "{ allow: [{ regex: '.*' }] }";
const config = (port: number) => `version: 1
backends:
  mock: { provider: openai, baseUrl: 'http://{{UPSTREAM}}', auth: { none: true }, defaultModel: m }
routes:
  - name: ai
    match: { pathPrefix: /v1 }
    backend: mock
mcp:
  backends:
    fixture: { baseUrl: 'http://127.0.0.1:${port}' }
  routes:
    - name: allow-all
      match: { pathPrefix: /mcp }
      backend: fixture
      rules: { tools: ${ALL}, prompts: ${ALL}, resources: ${ALL} }
      guards:
        request: { regex: { action: MASK, builtins: [CREDIT_CARD] } }
        response: { regex: { action: MASK, builtins: [CREDIT_CARD] } }
`;

/** Runs the suite against a URL; scenario → "passed/failed" from its summary. */
function conformance(url: string): Promise<Map<string, string>> {
  const root = repoRoot();
  return new Promise((resolve, reject) => {
    execFile(
      path.join(root, 'node_modules/.bin/node'),
      [
        path.join(root, 'node_modules/@modelcontextprotocol/conformance/dist/index.js'),
        'server',
        '--url',
        url,
      ],
      { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout) => {
        // The suite exits non-zero when a scenario fails; the summary is what counts.
        const out = new Map<string, string>();
        for (const m of stdout.matchAll(/^[✓✗] ([\w-]+): (\d+) passed, (\d+) failed$/gmu))
          out.set(m[1]!, `${m[2]}/${m[3]}`);
        if (out.size === 0)
          reject(err ?? new Error(`no summary in the conformance output:\n${stdout.slice(-2000)}`));
        else resolve(out);
      },
    );
  });
}

describe('MCP conformance suite: directly and through Envoy and the guard', () => {
  let fixture: McpFixture;
  let stack: StandaloneStack;
  before(async () => {
    fixture = await startMcpFixture({ conformance: true });
    stack = await startStandaloneStack(config(fixture.port));
  });
  after(async () => {
    await stack?.close();
    await fixture?.close();
  });

  it('gives identical pass/fail sets', async () => {
    const direct = await conformance(fixture.url);
    const guarded = await conformance(`${stack.envoy.url}/mcp`);
    assert.ok(direct.size >= 25, `the suite ran its scenarios: ${[...direct.keys()].join(', ')}`);
    // The fixture passes most scenarios, so the comparison has teeth.
    const passing = [...direct.values()].filter((v) => v.endsWith('/0')).length;
    assert.ok(passing >= 15, `${passing} scenarios pass directly`);
    assert.deepEqual(Object.fromEntries(guarded), Object.fromEntries(direct));
    // The guard did see the traffic.
    assert.match(
      await stack.ext.metrics(),
      /ai_extproc_mcp_requests_total\{route="allow-all",method="tools\/call"/,
    );
  });
});

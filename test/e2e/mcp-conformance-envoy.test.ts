/**
 * Differential conformance: the official MCP conformance suite (@modelcontextprotocol/conformance,
 * run by the project's Node 22) against a fixture on the official v2 server SDK, once directly and
 * once through real Envoy and the MCP guard with an allow-all policy (every rule kind and both
 * guards configured, nothing refused). The guard must change no scenario's outcome: the two
 * pass/fail sets are identical.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startStandaloneStack } from '../helpers/stack.js';
import type { StandaloneStack } from '../helpers/stack.js';
import { conformance } from '../helpers/mcp-conformance.js';
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

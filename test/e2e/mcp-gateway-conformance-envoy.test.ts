/**
 * Differential conformance for the MCP gateway endpoint: the official suite against the fixture
 * directly, then against our endpoint through real Envoy federating that one fixture with prefixing
 * off. Federation must change no scenario's outcome except those listed in KNOWN (each with why).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startStandaloneStack } from '../helpers/stack.js';
import type { StandaloneStack } from '../helpers/stack.js';
import { conformance } from '../helpers/mcp-conformance.js';
import { startMcpFixture } from '../../mock-provider/mcp-server.js';
import type { McpFixture } from '../../mock-provider/mcp-server.js';

const config = (port: number) => `version: 1
backends:
  mock: { provider: openai, baseUrl: 'http://{{UPSTREAM}}', auth: { none: true }, defaultModel: m }
routes:
  - name: ai
    match: { pathPrefix: /v1 }
    backend: mock
mcpServers:
  fixture: { url: 'http://127.0.0.1:${port}/mcp' }
mcpGateway: { path: /mcp, prefix: false }
`;

/** Scenarios whose outcome federation changes, and why (README, "MCP gateway"): none today. */
const KNOWN: Readonly<Record<string, string>> = {};

describe('MCP conformance suite: directly and through Envoy and the gateway endpoint', () => {
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
    const federated = await conformance(`${stack.envoy.url}/mcp`);
    assert.ok(direct.size >= 25, `the suite ran its scenarios: ${[...direct.keys()].join(', ')}`);
    const diff = [...direct].filter(([k, v]) => federated.get(k) !== v && !(k in KNOWN));
    assert.deepEqual(
      diff.map(([k, v]) => `${k}: ${v} → ${federated.get(k)}`),
      [],
    );
    assert.match(
      await stack.ext.metrics(),
      /ai_extproc_mcp_gateway_upstream_calls_total\{server="fixture",method="tools\/call"/,
    );
  });
});

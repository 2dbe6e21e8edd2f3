/** The mcp: section: compiled routes and rules, errors with their paths, Envoy clusters and routes. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatIssue, loadStandaloneConfigText } from '../../../../src/config/standalone/index.js';
import { clusters, routeConfig } from '../../../../src/config/envoy/resources.js';

const BASE = `version: 1
backends:
  mock: { provider: openai, baseUrl: http://127.0.0.1:1, auth: { none: true }, defaultModel: m }
routes:
  - name: ai
    match: { pathPrefix: /v1 }
    backend: mock
`;

const load = (mcp: string) => loadStandaloneConfigText(BASE + mcp, { env: {} });

const headers = (p: string) =>
  new Map([
    [':path', p],
    [':authority', 'gw'],
    [':method', 'POST'],
  ]);

describe('standalone config: mcp section', () => {
  it('compiles MCP backends and routes; MCP routes match first', () => {
    const r = load(`mcp:
  backends:
    tools: { baseUrl: http://127.0.0.1:3001 }
  routes:
    - name: tools
      match: { pathPrefix: /mcp }
      backend: tools
      denyStatus: 403
      maxBodyBytes: 1024
      rules:
        methods: [tools/call]
        tools: { allow: [echo, { regex: 'read_.*' }], deny: [read_secrets] }
      guards:
        request: { regex: { action: MASK, builtins: [CREDIT_CARD] } }
`);
    assert.ok(r.ok, r.ok ? '' : r.errors.map(formatIssue).join('\n'));
    const route = r.config.matchMcpRoute(headers('/mcp'))!;
    assert.equal(route.name, 'tools');
    assert.equal(route.backend.cluster, 'mcp.tools');
    assert.equal(route.backend.baseUrl.authority, '127.0.0.1:3001');
    assert.equal(route.denyStatus, 403);
    assert.equal(route.maxBodyBytes, 1024);
    assert.ok(route.guards.request?.regex);
    assert.equal(route.rules.decide('tools/call', { name: 'read_file' }).allow, true);
    assert.equal(route.rules.decide('tools/call', { name: 'read_secrets' }).allow, false);
    assert.equal(r.config.matchMcpRoute(headers('/v1/chat/completions')), undefined);
    // Envoy: a cluster and a header-selected route per MCP backend, with no overall timeout.
    assert.ok(clusters(r.config).some((c) => c.name === 'mcp.tools'));
    const routes = (
      routeConfig(r.config).virtual_hosts as { routes: { route?: { cluster: string; timeout: string } }[] }[]
    )[0]!.routes;
    assert.deepEqual(
      routes.filter((x) => x.route?.cluster === 'mcp.tools').map((x) => x.route!.timeout),
      ['0s'],
    );
  });

  it('defaults: 4 MiB bodies, JSON-RPC errors with HTTP 200, no rules', () => {
    const r = load(`mcp:
  backends: { s: { baseUrl: https://mcp.example.com } }
  routes: [{ name: s, backend: s }]
`);
    assert.ok(r.ok);
    const route = r.config.mcpRoutes[0]!;
    assert.equal(route.maxBodyBytes, 4 * 1024 * 1024);
    assert.equal(route.denyStatus, undefined);
    assert.equal(route.rules.empty, true);
    assert.equal(route.backend.baseUrl.port, 443);
  });

  it('reports unknown backends, bad patterns and bad URLs at their paths', () => {
    const r = load(`mcp:
  backends:
    a: { baseUrl: 'http://u:p@host' }
  routes:
    - name: x
      backend: nope
      rules: { tools: { deny: [ok, { regex: 'a(' }] } }
    - name: x
      backend: a
`);
    assert.ok(!r.ok);
    const paths = r.errors.map((e) => e.path);
    assert.ok(paths.includes('mcp.backends.a.baseUrl'), paths.join(' '));
    assert.ok(paths.includes('mcp.routes[0].backend'), paths.join(' '));
    assert.ok(paths.includes('mcp.routes[0].rules.tools.deny[1].regex'), paths.join(' '));
    assert.ok(paths.includes('mcp.routes[1].name'), paths.join(' '));
  });

  it('the schema refuses unknown fields and bad deny statuses', () => {
    const r = load(`mcp:
  backends: { s: { baseUrl: http://h } }
  routes: [{ name: s, backend: s, denyStatus: 500, rules: { tool: {} } }]
`);
    assert.ok(!r.ok);
    const paths = r.errors.map((e) => e.path);
    assert.ok(
      paths.some((p) => p.startsWith('mcp.routes[0].denyStatus')),
      paths.join(' '),
    );
    assert.ok(
      paths.some((p) => p.startsWith('mcp.routes[0].rules')),
      paths.join(' '),
    );
  });
});

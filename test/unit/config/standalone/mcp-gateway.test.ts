/** mcpServers: and mcpGateway: compiled; errors with their paths; Envoy's route and cluster for it. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatIssue, loadStandaloneConfigText } from '../../../../src/config/standalone/index.js';
import { routeConfig } from '../../../../src/config/envoy/resources.js';
import { envoyBootstrap, DEFAULT_BOOTSTRAP } from '../../../../src/config/envoy/bootstrap.js';
import { MCP_GATEWAY_CLUSTER } from '../../../../src/config/envoy/mcp-gateway.js';

const BASE = `version: 1
backends:
  mock: { provider: openai, baseUrl: http://127.0.0.1:1, auth: { none: true }, defaultModel: m }
routes:
  - name: ai
    match: { pathPrefix: /v1 }
    backend: mock
clients:
  bob: { key: { env: BOB_KEY } }
`;
const ENV = { BOB_KEY: 'vk-bob', TOKEN: 'tok', KEY: 'k' };
const load = (extra: string) => loadStandaloneConfigText(BASE + extra, { env: ENV });

function errors(extra: string): string[] {
  const r = load(extra);
  assert.equal(r.ok, false);
  return r.ok ? [] : r.errors.map(formatIssue);
}

describe('standalone config: mcpServers and mcpGateway', () => {
  it('compiles servers with their credentials, defaults and per-client rules', () => {
    const r = load(`mcpServers:
  alpha: { url: 'https://mcp.example.com/mcp', auth: { bearer: { env: TOKEN } } }
  beta:
    url: http://127.0.0.1:3000/mcp
    timeoutMs: 1000
    auth: { apiKey: { header: X-Api-Key, value: { env: KEY } }, forwardHeaders: [X-User-Token] }
mcpGateway:
  rules: { tools: { deny: [{ regex: '.*__delete_.*' }] } }
  clientRules:
    - clients: [bob]
      tools: { allow: [beta__echo] }
`);
    assert.ok(r.ok, r.ok ? '' : r.errors.map(formatIssue).join('\n'));
    const g = r.config.mcpGateway!;
    assert.equal(g.path, '/mcp-gateway');
    assert.equal(g.prefix, true);
    assert.equal(g.timeoutMs, 30_000);
    const [alpha, beta] = g.servers;
    assert.deepEqual(alpha!.headers, [['authorization', 'Bearer tok']]);
    assert.equal(alpha!.timeoutMs, 30_000);
    assert.deepEqual(beta!.headers, [['x-api-key', 'k']]);
    assert.deepEqual(beta!.forwardHeaders, ['x-user-token']);
    assert.equal(beta!.timeoutMs, 1000);
    assert.equal(g.policy.decide('tools/call', { name: 'alpha__delete_all' }).allow, false);
    assert.equal(g.policy.decide('tools/call', { name: 'alpha__echo' }).allow, true);
    assert.equal(g.policy.decide('tools/call', { name: 'alpha__echo' }, { client: 'bob' }).allow, false);
    assert.equal(g.policy.decide('tools/call', { name: 'beta__echo' }, { client: 'bob' }).allow, true);
    assert.equal(g.clients.byKey('vk-bob')?.name, 'bob');
  });

  it('no mcpServers: the endpoint is off and Envoy gets no route or cluster for it', () => {
    const r = load('');
    assert.ok(r.ok);
    assert.equal(r.config.mcpGateway, undefined);
    const routes = (
      routeConfig(r.config).virtual_hosts as { routes: { route?: { cluster: string } }[] }[]
    )[0]!.routes;
    assert.ok(!routes.some((x) => x.route?.cluster === MCP_GATEWAY_CLUSTER));
  });

  it('refuses what cannot work, with paths', () => {
    const two = `mcpServers:
  a: { url: http://127.0.0.1:1/mcp }
  b: { url: http://127.0.0.1:2/mcp }
`;
    assert.ok(errors(`${two}mcpGateway: { prefix: false }\n`).some((e) => e.includes('mcpGateway.prefix')));
    assert.ok(
      errors(`mcpServers:\n  Bad_Name: { url: http://x/mcp }\n`).some((e) => e.includes('mcpServers')),
    );
    assert.ok(
      errors(`mcpServers:\n  a: { url: http://x/mcp, auth: { bearer: { env: MISSING } } }\n`).some((e) =>
        e.includes('MISSING'),
      ),
    );
    assert.ok(
      errors(
        `${two}mcpGateway:\n  clientRules:\n    - clients: [bob]\n      tools: { deny: [{ regex: '(' }] }\n`,
      ).some((e) => e.includes('mcpGateway.clientRules[0].tools.deny[0].regex')),
    );
    assert.ok(errors(`mcpGateway: { prefix: true }\n`).some((e) => e.includes('mcpGateway')));
    // Secrets are never inline.
    assert.ok(errors(`mcpServers:\n  a: { url: http://x/mcp, auth: { bearer: 'tok' } }\n`).length > 0);
  });

  it('Envoy: the public path goes to the endpoint first, ext_proc off there, internal headers removed', () => {
    const r = load(
      `mcpServers:\n  solo: { url: http://127.0.0.1:1/mcp }\nmcpGateway: { path: /tools/mcp, prefix: false }\n`,
    );
    assert.ok(r.ok);
    const routes = (routeConfig(r.config).virtual_hosts as { routes: Record<string, unknown>[] }[])[0]!
      .routes;
    const first = routes[0]!;
    assert.deepEqual(first.match, { path_separated_prefix: '/tools/mcp' });
    assert.equal((first.route as { cluster: string }).cluster, MCP_GATEWAY_CLUSTER);
    assert.deepEqual(first.request_headers_to_remove, ['x-ai-extproc-backend', 'x-ai-extproc-attempt-key']);
    assert.equal(
      (first.typed_per_filter_config as Record<string, { disabled: boolean }>)['ai-extproc']!.disabled,
      true,
    );
    const boot = envoyBootstrap(r.config, {
      ...DEFAULT_BOOTSTRAP,
      mcp: { kind: 'tcp', host: '0.0.0.0', port: 7777 },
    });
    const cl = (boot.static_resources as { clusters: Record<string, unknown>[] }).clusters.find(
      (c) => c.name === MCP_GATEWAY_CLUSTER,
    );
    assert.match(JSON.stringify(cl), /"address":"127.0.0.1","port_value":7777/);
  });
  it('sessions, guards and stdio servers: compiled; a short session key refused', () => {
    const r = loadStandaloneConfigText(
      `${BASE}mcpServers:
  web: { url: http://127.0.0.1:1/mcp }
  local:
    command: /usr/bin/node
    args: [server.js]
    env: { PLAIN: v, SECRET: { env: TOKEN } }
mcpGateway:
  sessions: { key: { env: SESSION_KEY }, ttlSeconds: 600, maxSessions: 5 }
  guards:
    request:
      regex: { action: MASK, builtins: [CREDIT_CARD] }
`,
      { env: { ...ENV, SESSION_KEY: 'k'.repeat(32) } },
    );
    assert.ok(r.ok, r.ok ? '' : r.errors.map(formatIssue).join('\n'));
    const g = r.config.mcpGateway!;
    assert.deepEqual(g.sessions, { key: 'k'.repeat(32), ttlSeconds: 600, maxSessions: 5 });
    assert.ok(g.guards.request);
    const local = g.servers.find((s) => s.name === 'local')!;
    assert.equal(local.url, undefined);
    assert.deepEqual(local.stdio?.args, ['server.js']);
    assert.deepEqual(local.stdio?.env, [
      ['PLAIN', 'v'],
      ['SECRET', 'tok'],
    ]);
    const defaults = load(`mcpServers:\n  a: { url: http://127.0.0.1:1/mcp }\n`);
    assert.ok(defaults.ok);
    assert.deepEqual(defaults.config.mcpGateway!.sessions, {
      key: undefined,
      ttlSeconds: 86_400,
      maxSessions: 10_000,
    });
    const short = loadStandaloneConfigText(
      `${BASE}mcpServers:\n  a: { url: http://127.0.0.1:1/mcp }\nmcpGateway: { sessions: { key: { env: SESSION_KEY } } }\n`,
      { env: { ...ENV, SESSION_KEY: 'short' } },
    );
    assert.equal(short.ok, false);
    assert.ok(!short.ok && short.errors.map(formatIssue).some((e) => e.includes('mcpGateway.sessions.key')));
    assert.ok(errors(`mcpServers:\n  a: { description: neither }\n`).some((e) => e.includes('mcpServers')));
  });
});

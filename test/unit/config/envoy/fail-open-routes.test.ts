/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- this test walks Envoy's untyped config */
/** FailOpen pools while our server is down: which routes qualify, their static entries, the shadows. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { routeConfig } from '../../../../src/config/envoy/resources.js';
import { failOpenWarnings, staticFailOpenRoutes } from '../../../../src/config/envoy/fail-open-routes.js';
import { formatIssue, loadStandaloneConfigText } from '../../../../src/config/standalone/index.js';
import type { RuntimeConfig } from '../../../../src/config/standalone/index.js';

type Obj = Record<string, any>;

const pool = (mode: string, auth = 'auth: { none: true }') => `
    kind: pool
    provider: openai
    ${auth}
    pool: { servers: ['10.0.0.1:8000', '10.0.0.2:8000'], failureMode: ${mode} }`;

const TEXT = `version: 1
backends:
  open:${pool('FailOpen')}
  keyed:${pool('FailOpen', 'auth: { bearer: { env: POOL_KEY } }')}
  closed:${pool('FailClose')}
mcp:
  backends: { tools: { baseUrl: 'http://127.0.0.1:9' } }
  routes:
    - { name: tools, match: { pathPrefix: /mcp }, backend: tools }
routes:
  - name: guarded
    match: { pathPrefix: /v1, headers: [{ name: x-team, value: red }] }
    backend: open
    policy: { guards: { request: { regex: { action: REJECT, builtins: [EMAIL] } } } }
  - name: plain
    match: { pathPrefix: /v1, headers: [{ name: x-tier, regex: 'gold|silver' }] }
    backend: open
  - name: keyed
    match: { pathPrefix: /keyed/ }
    backend: keyed
  - name: closed
    match: { pathPrefix: /closed }
    backend: closed
  - name: open-late
    match: { pathPrefix: /late }
    backend: open
  - name: after
    match: { pathPrefix: /after }
    backend: closed
`;

function load(text: string): RuntimeConfig {
  const r = loadStandaloneConfigText(text, { env: { POOL_KEY: 'k' } });
  assert.ok(r.ok, r.ok ? '' : r.errors.map(formatIssue).join('\n'));
  return r.config;
}

function vhostRoutes(c: RuntimeConfig): Obj[] {
  const rc: Obj = routeConfig(c);
  return rc.virtual_hosts[0].routes;
}

describe('FailOpen routes while ai-extproc is down', () => {
  const config = load(TEXT);
  const routes = vhostRoutes(config);
  const statics = routes.filter((r) => !r.match.headers?.some((h: Obj) => h.name === 'x-ai-extproc-backend'));

  it('qualify: FailOpen pool, no guards, no credentials; the others are warned about', () => {
    assert.deepEqual(
      staticFailOpenRoutes(config).map((r) => r.name),
      ['plain', 'open-late'],
    );
    assert.deepEqual(failOpenWarnings(config), [
      { route: 'guarded', reasons: ['guards'] },
      { route: 'keyed', reasons: ['upstream credentials (auth other than none)'] },
    ]);
  });

  it('in our order: MCP shadow, then every route up to the last fail-open one, then the 404', () => {
    const summary = statics.map((r) => [r.match.prefix ?? r.match.path_separated_prefix, r.direct_response?.status ?? r.route.cluster]);
    assert.deepEqual(summary, [
      ['/mcp', 503],
      ['/v1', 503],
      ['/v1', 'open'],
      ['/keyed/', 503],
      ['/closed', 503],
      ['/late', 'open'],
      ['/', 404],
    ]);
  });

  it('a fail-open entry: the route conditions, the pool route, failure_mode_allow for our filter alone', () => {
    const e = statics[2]!;
    assert.deepEqual(e.match.headers, [
      { name: 'x-tier', string_match: { safe_regex: { regex: 'gold|silver' } } },
    ]);
    assert.equal(e.route.cluster, 'open');
    assert.ok(e.request_headers_to_remove.includes('x-ai-extproc-backend'));
    assert.equal(e.response_headers_to_add[0].header.key, 'x-gateway-destination-endpoint-served');
    assert.deepEqual(e.typed_per_filter_config['ai-extproc'].overrides, { failure_mode_allow: true });
    // Shadows carry no override: our filter stays fail-closed on them.
    assert.equal(statics[1]!.typed_per_filter_config, undefined);
    assert.deepEqual(statics[1]!.match.headers, [{ name: 'x-team', string_match: { exact: 'red' } }]);
  });

  it('no FailOpen pool route that qualifies: no static entries at all', () => {
    const only = load(TEXT.replace(/ {2}- name: plain[\s\S]*$/, ''));
    const r = vhostRoutes(only);
    assert.equal(r.filter((x) => x.direct_response).length, 1);
  });
});

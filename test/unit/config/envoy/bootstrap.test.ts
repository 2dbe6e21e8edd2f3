/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unnecessary-type-assertion -- this test walks Envoy's untyped config */
/** The Envoy config generated from ours: its shape, the closed edge, xDS files, and the shipped file. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { DEFAULT_BOOTSTRAP, envoyBootstrap } from '../../../../src/config/envoy/bootstrap.js';
import { clusterConflicts } from '../../../../src/config/envoy/resources.js';
import { CDS_FILE, RDS_FILE, writeXdsFiles } from '../../../../src/config/envoy/xds-files.js';
import { failOpenEntries } from '../../../../src/config/envoy/fail-open-routes.js';
import { formatIssue, loadStandaloneConfig, loadStandaloneConfigText } from '../../../../src/config/standalone/index.js';
import type { RuntimeConfig } from '../../../../src/config/standalone/index.js';
import { envoyConfigCommand, envoyConfigText } from '../../../../src/envoy-config-command.js';
import { SHIPPED_STANDALONE_ARGS } from '../../../helpers/envoy-config.js';

type Obj = Record<string, any>;

const EXAMPLES = fs.readdirSync('config/examples').filter((f) => f.endsWith('.yaml'));

function example(name: string): RuntimeConfig {
  const r = loadStandaloneConfig(path.join('config/examples', name), {}, { secrets: 'placeholder' });
  assert.ok(r.ok, r.ok ? '' : r.errors.map(formatIssue).join('\n'));
  return r.config;
}

const hcmOf = (b: Obj): Obj => b.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;

describe('envoy-config: the bootstrap', () => {
  for (const file of EXAMPLES) {
    it(`${file}: one cluster per backend cluster, routes on x-ai-extproc-backend, a 404 for the rest`, () => {
      const config = example(file);
      const b = envoyBootstrap(config, DEFAULT_BOOTSTRAP) as Obj;
      const clusters = b.static_resources.clusters as Obj[];
      // AI backends' clusters and MCP backends' clusters (mcp.<name>).
      const wanted = new Set([...config.backends, ...config.mcpBackends].map((x) => x.cluster));
      assert.deepEqual(new Set(clusters.map((c) => c.name)), new Set(['ai_extproc', ...wanted]));
      const routes = hcmOf(b).route_config.virtual_hosts[0].routes as Obj[];
      // Then the FailOpen pools' static entries (fail-open-routes.ts) and the 404.
      const failOpen = failOpenEntries(config, 'ai-extproc', () => ({})).length;
      assert.equal(routes.length, wanted.size + failOpen + 1);
      for (const r of routes.slice(0, wanted.size)) {
        assert.equal(r.match.headers[0].name, 'x-ai-extproc-backend');
        assert.equal(r.route.cluster, r.match.headers[0].string_match.exact);
        assert.deepEqual(
          r.request_headers_to_remove,
          ['x-ai-extproc-backend', 'x-ai-extproc-attempt-key'],
          'never forwarded upstream',
        );
      }
      assert.equal(routes.at(-1)!.direct_response.status, 404);
    });
  }

  it('https backends get TLS with SNI, verified against the system CA bundle; http ones do not', () => {
    const clusters = (envoyBootstrap(example('providers.yaml'), DEFAULT_BOOTSTRAP) as Obj).static_resources
      .clusters as Obj[];
    const openai = clusters.find((c) => c.name === 'openai')!;
    assert.equal(openai.type, 'LOGICAL_DNS');
    assert.equal(openai.transport_socket.typed_config.sni, 'api.openai.com');
    assert.equal(
      openai.transport_socket.typed_config.common_tls_context.validation_context.trusted_ca.filename,
      '/etc/ssl/certs/ca-certificates.crt',
    );
    const ollama = clusters.find((c) => c.name === 'ollama')!;
    assert.equal(ollama.transport_socket, undefined);
    assert.equal(ollama.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value, 11434);
  });

  it('the edge guard removes every internal header before routing; ext_proc comes after the extras', () => {
    const extras = { httpFilters: [{ name: 'mine', typed_config: { '@type': 'x' } }], clusters: [{ name: 'auth' }] };
    const b = envoyBootstrap(example('standalone.yaml'), { ...DEFAULT_BOOTSTRAP, extras }) as Obj;
    const names = (hcmOf(b).http_filters as Obj[]).map((f) => f.name);
    assert.deepEqual(names, ['mine', 'ai-extproc', 'envoy.filters.http.router']);
    // Before routing and before any filter: an early header mutation of the connection manager.
    const guard = hcmOf(b).early_header_mutation_extensions[0].typed_config.mutations as Obj[];
    assert.deepEqual(guard, [
      { remove: 'x-ai-extproc-backend' },
      { remove: 'x-ai-extproc-attempt-key' },
      { remove: 'x-gateway-destination-endpoint' },
      { remove: 'x-gateway-destination-endpoint-served' },
      { remove: 'test-epp-endpoint-selection' },
    ]);
    assert.ok((b.static_resources.clusters as Obj[]).some((c) => c.name === 'auth'));
  });

  it('the ext_proc cluster: abstract socket, unix path or TCP', () => {
    const ep = (extproc: (typeof DEFAULT_BOOTSTRAP)['extproc']): Obj =>
      (envoyBootstrap(example('standalone.yaml'), { ...DEFAULT_BOOTSTRAP, extproc }) as Obj).static_resources
        .clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address;
    assert.deepEqual(ep({ kind: 'abstract', name: 's' }), { pipe: { path: '@s' } });
    assert.deepEqual(ep({ kind: 'unix', path: '/run/x.sock' }), { pipe: { path: '/run/x.sock' } });
    assert.deepEqual(ep({ kind: 'tcp', host: '10.0.0.1', port: 9000 }), {
      socket_address: { address: '10.0.0.1', port_value: 9000 },
    });
  });

  it('with an xDS directory, clusters and routes come from its files', () => {
    const b = envoyBootstrap(example('standalone.yaml'), { ...DEFAULT_BOOTSTRAP, xdsDir: '/x' }) as Obj;
    assert.equal(b.dynamic_resources.cds_config.path_config_source.path, `/x/${CDS_FILE}`);
    assert.equal(b.dynamic_resources.cds_config.path_config_source.watched_directory.path, '/x');
    assert.equal(hcmOf(b).rds.config_source.path_config_source.path, `/x/${RDS_FILE}`);
    assert.deepEqual(
      (b.static_resources.clusters as Obj[]).map((c) => c.name),
      ['ai_extproc'],
    );
  });

  it('backends sharing a cluster with different base URLs are refused', () => {
    const r = loadStandaloneConfigText(
      `version: 1
backends:
  a: { provider: openai, baseUrl: http://127.0.0.1:1, cluster: shared, auth: { none: true } }
  b: { provider: openai, baseUrl: http://127.0.0.1:2, cluster: shared, auth: { none: true } }
routes:
  - { name: r, match: { pathPrefix: /v1 }, backend: a }
`,
      { env: {} },
    );
    assert.ok(r.ok);
    assert.match(clusterConflicts(r.config).join(), /backends a and b share cluster "shared"/);
  });

  it('needs no secret: a config whose keys are not set still generates', () => {
    assert.doesNotThrow(() => envoyConfigText('config/examples/providers.yaml', DEFAULT_BOOTSTRAP));
    assert.throws(() => envoyConfigCommand(['--listen', 'nope']), /--config FILE/);
    assert.throws(
      () => envoyConfigCommand(['--config', 'config/examples/standalone.yaml', '--listen', 'nope']),
      /--listen: want HOST:PORT/,
    );
  });
});

describe('envoy-config: xDS files', () => {
  it('written atomically, only when they change, and Envoy-shaped', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-extproc-xds-'));
    try {
      const config = example('standalone.yaml');
      assert.deepEqual(writeXdsFiles(dir, config), [CDS_FILE, RDS_FILE]);
      assert.deepEqual(writeXdsFiles(dir, config), [], 'unchanged: not rewritten');
      assert.deepEqual(fs.readdirSync(dir).sort(), [CDS_FILE, RDS_FILE], 'no temporary files left');
      const cds = parse(fs.readFileSync(path.join(dir, CDS_FILE), 'utf8')) as Obj;
      assert.equal(cds.resources[0]['@type'], 'type.googleapis.com/envoy.config.cluster.v3.Cluster');
      const rds = parse(fs.readFileSync(path.join(dir, RDS_FILE), 'utf8')) as Obj;
      assert.equal(rds.resources[0].name, 'ai_routes');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('envoy/standalone/envoy.yaml is generated output', () => {
  it('matches the generator (regenerate: see its first lines)', () => {
    const shipped = fs.readFileSync('envoy/standalone/envoy.yaml', 'utf8');
    assert.equal(shipped, envoyConfigCommand(SHIPPED_STANDALONE_ARGS));
  });
});

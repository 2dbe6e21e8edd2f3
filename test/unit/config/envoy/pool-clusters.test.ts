/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unnecessary-type-assertion -- this test walks Envoy's untyped config */
/** The Envoy side of pools: ORIGINAL_DST for FailClose, override_host for FailOpen, routes, edge, ext_proc. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { DEFAULT_BOOTSTRAP, envoyBootstrap } from '../../../../src/config/envoy/bootstrap.js';
import { formatIssue, loadStandaloneConfig } from '../../../../src/config/standalone/index.js';

type Obj = Record<string, any>;

function bootstrap(): Obj {
  const r = loadStandaloneConfig(path.join('config/examples', 'inference-pool.yaml'), {}, { secrets: 'placeholder' });
  assert.ok(r.ok, r.ok ? '' : r.errors.map(formatIssue).join('\n'));
  return envoyBootstrap(r.config, DEFAULT_BOOTSTRAP) as Obj;
}

describe('envoy-config for pools', () => {
  const b = bootstrap();
  const clusters = b.static_resources.clusters as Obj[];
  const hcm = b.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;

  it('FailOpen: the servers under override_host (envoy.lb metadata, then the header), round robin without a pick', () => {
    const c = clusters.find((x) => x.name === 'llama-pool')!;
    assert.equal(c.type, 'STATIC');
    assert.equal(c.load_assignment.endpoints[0].lb_endpoints.length, 3);
    const lb = c.load_balancing_policy.policies[0].typed_extension_config;
    assert.equal(lb.name, 'envoy.load_balancing_policies.override_host');
    assert.deepEqual(lb.typed_config.override_host_sources, [
      { metadata: { key: 'envoy.lb', path: [{ key: 'x-gateway-destination-endpoint' }] } },
      { header: 'x-gateway-destination-endpoint' },
    ]);
    assert.equal(
      lb.typed_config.fallback_policy.policies[0].typed_extension_config.name,
      'envoy.load_balancing_policies.round_robin',
    );
  });

  it('FailClose: an ORIGINAL_DST cluster on the header', () => {
    const c = clusters.find((x) => x.name === 'llama-strict')!;
    assert.equal(c.type, 'ORIGINAL_DST');
    assert.equal(c.lb_policy, 'CLUSTER_PROVIDED');
    assert.deepEqual(c.original_dst_lb_config, {
      use_http_header: true,
      http_header_name: 'x-gateway-destination-endpoint',
    });
  });

  it('routes add the served endpoint; FailOpen retries 503s over the fallbacks', () => {
    const routes = hcm.route_config.virtual_hosts[0].routes as Obj[];
    const open = routes.find((r) => r.route?.cluster === 'llama-pool')!;
    const strict = routes.find((r) => r.route?.cluster === 'llama-strict')!;
    for (const r of [open, strict])
      assert.equal(r.response_headers_to_add[0].header.value, '%UPSTREAM_HOST%');
    assert.equal(open.route.retry_policy.num_retries, 2);
    assert.deepEqual(open.route.retry_policy.retriable_status_codes, [503]);
    assert.equal(strict.route.retry_policy, undefined);
    // The chosen address must reach the cluster: the route keeps the header.
    assert.ok(!(open.request_headers_to_remove as string[]).includes('x-gateway-destination-endpoint'));
  });

  it('the edge removes client copies of the picking headers and the test header; ext_proc writes envoy.lb', () => {
    const removed = (hcm.early_header_mutation_extensions[0].typed_config.mutations as Obj[]).map((m) => m.remove);
    for (const h of ['x-gateway-destination-endpoint', 'x-gateway-destination-endpoint-served', 'test-epp-endpoint-selection'])
      assert.ok(removed.includes(h), h);
    const ext = (hcm.http_filters as Obj[]).find((f) => f.name === 'ai-extproc')!.typed_config;
    assert.deepEqual(ext.metadata_options.receiving_namespaces.untyped, ['ai_extproc', 'envoy.lb']);
    assert.deepEqual(ext.metadata_options.forwarding_namespaces.untyped, ['ai_extproc.labels', 'envoy.lb.subset_hint']);
  });
});

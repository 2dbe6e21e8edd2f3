/** Backends of kind pool: defaults, metric names per flavour, failure modes, and the mistakes refused. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatIssue, loadStandaloneConfigText } from '../../../../src/config/standalone/index.js';
import type { CompiledPool } from '../../../../src/config/standalone/index.js';

const yaml = (backend: string): string => `version: 1
backends:
  p:
${backend
  .trim()
  .split('\n')
  .map((l) => `    ${l}`)
  .join('\n')}
routes:
  - name: r
    match: { pathPrefix: /p }
    backend: p
`;

function load(backend: string): { pool?: CompiledPool; errors: string[] } {
  const r = loadStandaloneConfigText(yaml(backend), { env: {} });
  if (!r.ok) return { errors: r.errors.map(formatIssue) };
  const pool = r.config.backend('p')?.pool;
  return { ...(pool ? { pool } : {}), errors: [] };
}

describe('pool backends', () => {
  it('defaults: vLLM names, 200 ms scrapes, 2 s staleness, FailClose with no fallbacks', () => {
    const { pool, errors } = load(`
kind: pool
provider: openai
auth: { none: true }
pool: { servers: ['10.0.0.1:8000', 'vllm.svc:8000', '[::1]:9000'] }`);
    assert.deepEqual(errors, []);
    assert.ok(pool);
    assert.deepEqual(pool.servers, [
      { host: '10.0.0.1', port: 8000, isIp: true },
      { host: 'vllm.svc', port: 8000, isIp: false },
      { host: '::1', port: 9000, isIp: true },
    ]);
    assert.equal(pool.scrapeIntervalMs, 200);
    assert.equal(pool.staleAfterMs, 2000);
    assert.equal(pool.metricsPath, '/metrics');
    assert.equal(pool.failureMode, 'FailClose');
    assert.equal(pool.fallbacks, 0);
    assert.deepEqual(pool.names.kvCache, ['vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc']);
    assert.equal(pool.testSelectionHeader, false);
  });

  it('FailOpen keeps fallbacks; flavours and overrides set the metric names; objectives by model', () => {
    const { pool, errors } = load(`
kind: pool
provider: openai
auth: { none: true }
pool:
  servers: ['10.0.0.1:8000']
  failureMode: FailOpen
  fallbacks: 3
  flavour: sglang
  metricNames: { kvCache: my_kv }
  objectives: { cheap: { priority: -1 } }`);
    assert.deepEqual(errors, []);
    assert.equal(pool?.fallbacks, 3);
    assert.equal(pool?.names.waiting, 'sglang:num_queue_reqs');
    assert.deepEqual(pool?.names.kvCache, ['my_kv']);
    assert.equal(pool?.objectives.get('cheap'), -1);
  });

  it('refuses a pool that is not OpenAI, has a baseUrl, lacks servers, or a pool block on a provider', () => {
    const bad = (b: string, want: RegExp) => {
      const { errors } = load(b);
      assert.ok(
        errors.some((e) => want.test(e)),
        errors.join('\n'),
      );
    };
    bad(
      `kind: pool\nprovider: anthropic\nauth: { none: true }\npool: { servers: ['1.2.3.4:80'] }`,
      /provider must be openai/,
    );
    bad(
      `kind: pool\nprovider: openai\nbaseUrl: http://x\nauth: { none: true }\npool: { servers: ['1.2.3.4:80'] }`,
      /has no baseUrl/,
    );
    bad(`kind: pool\nprovider: openai\nauth: { none: true }`, /needs a pool block/);
    bad(`kind: pool\nprovider: openai\nauth: { none: true }\npool: { servers: [] }`, /servers/);
    bad(`kind: pool\nprovider: openai\nauth: { none: true }\npool: { servers: ['nohost'] }`, /host:port/);
    bad(
      `provider: openai\nbaseUrl: http://x\nauth: { none: true }\npool: { servers: ['1.2.3.4:80'] }`,
      /only a backend of kind pool/,
    );
    bad(
      `kind: pool\nprovider: openai\nauth: { none: true }\npool: { servers: ['1.2.3.4:80'], scrapeIntervalMs: 10 }`,
      /scrapeIntervalMs/,
    );
  });
});

/**
 * The pools' scrapers against fake vLLM servers: fresh metrics, DNS names resolved, failing servers
 * left out after three failed scrapes and back after one success, reloads keeping an unchanged pool.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import client from 'prom-client';
import { PoolRegistry } from '../../src/pools/registry.js';
import { formatIssue, loadStandaloneConfigText } from '../../src/config/standalone/index.js';
import type { RuntimeConfig } from '../../src/config/standalone/index.js';
import { startFakeVllm } from '../helpers/fake-vllm.js';
import type { FakeVllm } from '../helpers/fake-vllm.js';

const config = (servers: string, extra = ''): RuntimeConfig => {
  const r = loadStandaloneConfigText(
    `version: 1
backends:
  p:
    kind: pool
    provider: openai
    auth: { none: true }
    pool: { servers: [${servers}], scrapeIntervalMs: 50${extra} }
routes:
  - name: r
    match: { pathPrefix: /p }
    backend: p
`,
    { env: {} },
  );
  assert.ok(r.ok, r.ok ? '' : r.errors.map(formatIssue).join('\n'));
  return r.config;
};

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('pool registry and scrapers', () => {
  let a: FakeVllm;
  let b: FakeVllm;
  const registry = new PoolRegistry(new client.Registry());
  before(async () => {
    a = await startFakeVllm({ name: 'a', adapters: ['x'] });
    b = await startFakeVllm({ name: 'b' });
  });
  after(async () => {
    registry.close();
    await a.close();
    await b.close();
  });

  it('scrapes every server (a DNS name resolved), leaves out failing ones, and keeps an unchanged pool on reload', async () => {
    const c1 = config(`'${a.endpoint}', 'localhost:${b.port}'`);
    const pool = c1.backend('p')!.pool!;
    registry.sync(c1);
    const live = () => registry.get('p', pool)!;
    const view = (ep: string) =>
      live()
        .views()
        .find((v) => v.endpoint === ep);
    await until(
      () => view(a.endpoint)?.metrics !== undefined && view(b.endpoint)?.metrics !== undefined,
      'fresh metrics',
    );
    assert.deepEqual(view(a.endpoint)?.metrics?.lora?.running, ['x']);
    a.addLoad(6, 60_000);
    await until(() => view(a.endpoint)?.metrics?.waiting === 2, 'the true queue');
    a.clearLoad();

    a.metricsDown = true;
    await until(() => view(a.endpoint)?.excluded === true, 'a left out');
    a.metricsDown = false;
    await until(() => view(a.endpoint)?.excluded === false, 'a back');

    // A reload with the same pool keeps its state (prefix index included); a changed one replaces it.
    live().prefix.served(a.endpoint, [1, 2, 3]);
    registry.sync(config(`'${a.endpoint}', 'localhost:${b.port}'`));
    assert.equal(live().prefix.score(a.endpoint, [1, 2, 3]), 1);
    const c2 = config(`'${a.endpoint}'`, ', staleAfterMs: 500');
    registry.sync(c2);
    assert.equal(registry.get('p', pool), undefined);
    const live2 = registry.get('p', c2.backend('p')!.pool!)!;
    assert.equal(live2.prefix.score(a.endpoint, [1, 2, 3]), 0);
    assert.deepEqual(
      live2.views().map((v) => v.endpoint),
      [a.endpoint],
    );
  });
});

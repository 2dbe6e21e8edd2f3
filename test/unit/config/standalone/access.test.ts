/** clients, identity, limits, pricing and stores: compiled, and every mistake reported at its path. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import {
  formatIssue,
  loadStandaloneConfigText,
  toRoutePolicy,
} from '../../../../src/config/standalone/index.js';

const ENV = { GW: 'sk-gw', ALICE: 'vk-alice-secret', BOB: 'vk-bob-secret', REDIS: 'redis://127.0.0.1:6390' };

const config = (extra: string, policy = '', auth = '{ apiKey: { env: GW } }') => `version: 1
backends:
  oa: { provider: openai, baseUrl: http://127.0.0.1:1, auth: ${auth}, defaultModel: gpt-4.1 }
${extra}
routes:
  - name: chat
    backend: oa
    policy: { ${policy} }
`;

function errors(text: string): string[] {
  const r = loadStandaloneConfigText(text, { env: ENV });
  assert.equal(r.ok, false, 'expected errors');
  return r.ok ? [] : r.errors.map(formatIssue);
}

describe('standalone config: clients and budgets', () => {
  it('compiles clients (keys only as hashes), limits, pricing and the Redis store', () => {
    const r = loadStandaloneConfigText(
      config(
        `clients:
  alice: { key: { env: ALICE }, team: research, tags: [beta] }
  bob: { key: { env: BOB } }
identity: { header: X-Client-Id }
pricing: { gpt-4.1: { input: 2, output: 8, cachedInput: 0.5 } }
stores: { reservationTtlSeconds: 30, redis: { url: { env: REDIS }, failOpen: false } }
limits:
  - { name: per-team, key: [team], cost: { limit: 50, per: day } }`,
        `requireClient: true, maxOutputTokens: 512, limits: [{ name: per-client, key: [client, { header: X-Tenant }], requests: { limit: 100, per: hour }, tokens: { limit: 200000, per: minute } }]`,
      ),
      { env: ENV },
    );
    assert.ok(r.ok, r.ok ? '' : r.errors.map(formatIssue).join('\n'));
    const a = toRoutePolicy(r.config.routes[0]!).access!;
    assert.equal(a.requireClient, true);
    assert.equal(a.maxOutputTokens, 512);
    assert.equal(a.clients.byKey('vk-alice-secret')?.team, 'research');
    assert.deepEqual(a.clients.byKey('vk-alice-secret')?.tags, ['beta']);
    assert.equal(a.clients.byKey('vk-alice-secre'), undefined);
    assert.equal(a.clients.identityHeader, 'x-client-id');
    assert.deepEqual(
      a.limits.map((l) => [l.id, Object.keys(l.quotas)]),
      [
        ['g/per-team', ['cost']],
        ['r/chat/per-client', ['requests', 'tokens']],
      ],
    );
    // Cost is counted in micro-USD.
    assert.deepEqual(a.limits[0]!.quotas.cost, { limit: 50_000_000, windowMs: 86_400_000 });
    assert.deepEqual(a.limits[1]!.key, [{ kind: 'client' }, { kind: 'header', name: 'x-tenant' }]);
    assert.equal(r.config.stores?.redis?.failOpen, false);
    assert.equal(r.config.stores?.reservationTtlMs, 30_000);
    assert.deepEqual(r.config.identityHeaders, ['x-client-id']);
    // No key, and no Redis URL, is anywhere in the compiled config.
    const shown = inspect(r.config, { depth: 20 }) + JSON.stringify(r.config);
    for (const v of Object.values(ENV)) assert.equal(shown.includes(v), false, v);
  });

  it('compiles the cache’s PostgreSQL store (URL never shown) and refuses a URL that is not postgres', () => {
    const env = { ...ENV, PG: 'postgres://cache:pg-secret@127.0.0.1:5432/cache' };
    const r = loadStandaloneConfigText(
      config(`stores: { postgres: { url: { env: PG }, table: chat_cache, dimensions: 768 } }`),
      { env },
    );
    assert.ok(r.ok, r.ok ? '' : r.errors.map(formatIssue).join('\n'));
    const pg = r.config.stores?.postgres;
    assert.deepEqual(
      pg && { url: pg.url(), table: pg.table, dimensions: pg.dimensions, maxConnections: pg.maxConnections },
      { url: env.PG, table: 'chat_cache', dimensions: 768, maxConnections: 4 },
    );
    assert.equal(JSON.stringify(r.config).includes('pg-secret'), false);
    const bad = loadStandaloneConfigText(
      config(`stores: { postgres: { url: { env: REDIS }, table: 'x-y' } }`),
      {
        env,
      },
    );
    assert.equal(bad.ok, false);
    const msgs = bad.ok ? [] : bad.errors.map(formatIssue);
    assert.ok(
      msgs.some((m) => m.includes('table')),
      msgs.join('\n'),
    );
  });

  it('a route without clients or limits has no access policy (no stage runs)', () => {
    const r = loadStandaloneConfigText(config(''), { env: ENV });
    assert.ok(r.ok);
    assert.equal(toRoutePolicy(r.config.routes[0]!).access, undefined);
  });

  it('refuses an inline key, a shared key, and a client key on a passthrough backend', () => {
    assert.ok(
      errors(config(`clients:\n  alice: { key: vk-inline }`)).some((e) => e.startsWith('clients.alice.key')),
    );
    assert.ok(
      errors(config(`clients:\n  alice: { key: { env: ALICE } }\n  eve: { key: { env: ALICE } }`)).some((e) =>
        /the same key as client alice/.test(e),
      ),
    );
    assert.ok(
      errors(
        config(`clients:\n  alice: { key: { env: ALICE } }`, 'requireClient: true', '{ passthrough: true }'),
      ).some((e) => /virtual key must never reach a provider/.test(e)),
    );
  });

  it('refuses limits that cannot work: cost without prices, client keys without clients, duplicates', () => {
    assert.ok(
      errors(config('', `limits: [{ name: c, key: [route], cost: { limit: 1, per: day } }]`)).some((e) =>
        /no pricing table/.test(e),
      ),
    );
    assert.ok(
      errors(config('', `limits: [{ name: c, key: [client], tokens: { limit: 1, per: day } }]`)).some((e) =>
        /no clients or identity header/.test(e),
      ),
    );
    assert.ok(
      errors(
        config(
          `limits: [{ name: c, key: [route], requests: { limit: 1, per: day } }]`,
          `limits: [{ name: c, key: [model], requests: { limit: 1, per: day } }]`,
        ),
      ).some((e) => /duplicate limit name c/.test(e)),
    );
    assert.ok(
      errors(config('', `limits: [{ name: c, key: [route] }]`)).length > 0,
      'a limit counts something',
    );
    assert.ok(
      errors(config('', `requireClient: true`)).some((e) => /no clients and no identity header/.test(e)),
    );
  });
});

/** Standalone config: a model alias with failover targets, its retry policy, and clear errors. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { formatIssue, loadStandaloneConfigText } from '../../../../src/config/standalone/index.js';

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-failover-'));

const HEAD = `version: 1
backends:
  openai:
    provider: openai
    auth: { apiKey: { env: KEY } }
  anthropic:
    provider: anthropic
    auth: { apiKey: { env: KEY } }
routes:
  - name: chat
    models:
`;

function load(models: string) {
  return loadStandaloneConfigText(HEAD + models, { env: { KEY: 'k' }, path: path.join(TMP, 'c.yaml') });
}

function errors(models: string): string[] {
  const r = load(models);
  assert.equal(r.ok, false, 'expected the config to be rejected');
  // Without the line and column (the YAML above is the reference).
  return r.ok ? [] : r.errors.map((e) => formatIssue(e).replace(/ \(line \d+, column \d+\)/, ''));
}

describe('standalone config: failover targets', () => {
  it('compiles targets, priorities, weights, the retry policy and the cooldown', () => {
    const r = load(`      smart:
        targets:
          - { backend: anthropic, model: claude-sonnet-4-5, weight: 3 }
          - { backend: openai, model: gpt-4o-mini, weight: 1 }
          - { backend: openai, model: gpt-4o, priority: 1 }
        retry: { on: [429, 503, connect-failure], attempts: 2, perTryTimeoutMs: 5000 }
        cooldownMs: 1000
      plain: { backend: openai, model: gpt-4o }
`);
    assert.ok(r.ok, r.ok ? '' : r.errors.map(formatIssue).join('\n'));
    const route = r.config.routes[0]!;
    const res = route.resolveModel('smart');
    assert.ok(!('error' in res));
    assert.equal(res.backend.name, 'anthropic');
    const f = res.failover!;
    assert.deepEqual(
      f.targets.map((t) => [t.id, t.backend.name, t.model, t.priority, t.weight]),
      [
        ['chat/smart/0', 'anthropic', 'claude-sonnet-4-5', 0, 3],
        ['chat/smart/1', 'openai', 'gpt-4o-mini', 0, 1],
        ['chat/smart/2', 'openai', 'gpt-4o', 1, 1],
      ],
    );
    assert.deepEqual(f.retry, { on: [429, 503, 'connect-failure'], attempts: 2, perTryTimeoutMs: 5000 });
    assert.equal(f.cooldownMs, 1000);
    const plain = route.resolveModel('plain');
    assert.ok(!('error' in plain) && plain.failover === undefined);
  });

  it('defaults: every failure, one attempt per target, 30 s cooldown', () => {
    const r = load(`      smart:
        targets: [{ backend: anthropic, model: a }, { backend: openai, model: b }]
`);
    assert.ok(r.ok);
    const res = r.config.routes[0]!.resolveModel('smart');
    assert.ok(!('error' in res));
    assert.deepEqual(res.failover!.retry, {
      on: [429, 500, 502, 503, 504, 529, 'connect-failure', 'reset-before-headers'],
      attempts: 2,
      perTryTimeoutMs: undefined,
    });
    assert.equal(res.failover!.cooldownMs, 30_000);
  });

  it('says what is wrong, where', () => {
    assert.deepEqual(
      errors(`      smart:
        targets: [{ backend: nope, model: a }, { backend: openai, model: b }]
`),
      [
        'routes[0].models.smart.targets[0].backend: unknown backend "nope"; defined backends: openai, anthropic',
      ],
    );
    assert.deepEqual(
      errors(`      smart:
        model: x
        targets: [{ backend: openai, model: b }]
`),
      ['routes[0].models.smart.model: with targets, each target names its model'],
    );
    assert.deepEqual(
      errors(`      smart:
        targets: [{ backend: openai, model: b }]
        retry: { attempts: 3 }
`),
      [
        'routes[0].models.smart.retry.attempts: 3 attempts but only 1 target(s): each attempt goes to another target',
      ],
    );
    assert.deepEqual(
      errors(`      smart:
        targets: [{ backend: openai, model: b }, { backend: openai, model: b }]
`),
      ['routes[0].models.smart.targets[1]: backend openai with model b is listed twice'],
    );
    const both = errors(`      smart:
        backend: openai
        targets: [{ backend: openai, model: b }]
`);
    assert.equal(both.length, 1);
    assert.match(
      both[0]!,
      /^routes\[0\]\.models\.smart: has backend and targets: use exactly one of backend or targets/,
    );
    const bad = errors(`      smart:
        targets: [{ backend: openai, model: b, weight: 0 }]
        retry: { on: [418] }
`);
    assert.ok(
      bad.some((e) => e.startsWith('routes[0].models.smart.targets[0].weight:')),
      bad.join('\n'),
    );
    assert.ok(
      bad.some((e) => e.startsWith('routes[0].models.smart.retry.on[0]: must be one of')),
      bad.join('\n'),
    );
  });

  it('a virtual key is refused when any target, not only the first, passes the client key through', () => {
    const text = `version: 1
backends:
  own: { provider: openai, auth: { apiKey: { env: KEY } } }
  pass: { provider: anthropic, auth: { passthrough: true } }
clients:
  alice: { key: { env: ALICE } }
routes:
  - name: chat
    policy: { requireClient: true }
    models:
      smart:
        targets: [{ backend: own, model: a }, { backend: pass, model: b, priority: 1 }]
`;
    const r = loadStandaloneConfigText(text, {
      env: { KEY: 'k', ALICE: 'vk-alice' },
      path: path.join(TMP, 'p.yaml'),
    });
    assert.equal(r.ok, false);
    assert.ok(
      !r.ok && r.errors.some((e) => /backend pass passes the client's key through/.test(e.message)),
      r.ok ? '' : r.errors.map(formatIssue).join('\n'),
    );
  });
});

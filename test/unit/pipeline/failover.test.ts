/** FailoverState: the order of one request's targets and the cooldowns the answers set. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatIssue, loadStandaloneConfigText } from '../../../src/config/standalone/index.js';
import type { CompiledFailover } from '../../../src/config/standalone/index.js';
import { FailoverState, firstTarget } from '../../../src/pipeline/failover.js';

function failover(): CompiledFailover {
  const r = loadStandaloneConfigText(
    `version: 1
backends:
  a: { provider: openai, baseUrl: http://127.0.0.1:1, auth: { none: true } }
  b: { provider: anthropic, baseUrl: http://127.0.0.1:1, auth: { none: true } }
routes:
  - name: chat
    models:
      smart:
        targets: [{ backend: a, model: m1 }, { backend: b, model: m2, priority: 1 }]
        cooldownMs: 5000
`,
    { env: {} },
  );
  assert.ok(r.ok, r.ok ? '' : r.errors.map(formatIssue).join('\n'));
  const res = r.config.routes[0]!.resolveModel('smart');
  assert.ok(!('error' in res) && res.failover);
  return res.failover;
}

describe('FailoverState', () => {
  const f = failover();
  const names = (s: FailoverState) => s.plan(f).order.map((t) => t.backend.name);

  it('cools a 429 for its Retry-After, a 5xx for the default cooldown; a success clears it', () => {
    let now = 1_000_000;
    const s = new FailoverState(() => now);
    assert.deepEqual(names(s), ['a', 'b']);
    s.answered(f.targets[0]!, f, 429, new Map([['retry-after', '30']]));
    assert.deepEqual(names(s), ['b', 'a']);
    now += 29_999;
    assert.deepEqual(names(s), ['b', 'a']);
    now += 1;
    assert.deepEqual(names(s), ['a', 'b']);
    s.answered(f.targets[0]!, f, 503, new Map());
    now += 4999;
    assert.deepEqual(names(s), ['b', 'a']);
    s.answered(f.targets[0]!, f, 200, new Map());
    assert.deepEqual(names(s), ['a', 'b']);
    s.answered(f.targets[0]!, f, 400, new Map()); // the request's fault, not the target's
    assert.deepEqual(names(s), ['a', 'b']);
    s.unreachable(f.targets[0]!, f);
    assert.deepEqual(names(s), ['b', 'a']);
  });

  it('firstTarget resolves to the first target of the order', () => {
    const s = new FailoverState();
    const r = firstTarget(s.plan(f));
    assert.equal(r.backend.name, 'a');
    assert.equal(r.model, 'm1');
    assert.equal(r.failover, f);
  });
});

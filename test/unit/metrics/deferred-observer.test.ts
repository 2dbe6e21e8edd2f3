import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DeferredCompletionObserver } from '../../../src/metrics/deferred-observer.js';
import type { ExchangeSummary } from '../../../src/pipeline/observer.js';

describe('DeferredCompletionObserver', () => {
  it('records a completed exchange after the current turn, and forwards everything else at once', async () => {
    const calls: string[] = [];
    const d = new DeferredCompletionObserver(
      {
        exchangeCompleted: () => calls.push('completed'),
        exceptionRaised: () => calls.push('exception'),
        guardAction: () => calls.push('guard'),
        webhookCall: () => calls.push('webhook'),
        droppedParam: (_p, param) => calls.push(`dropped:${param}`),
      },
      () => calls.push('error'),
    );
    d.exchangeCompleted({} as ExchangeSummary);
    d.exceptionRaised({ llm: 'x', model: 'y', custom: {} }, 'where', new Error('e'));
    d.guardAction('request', 'regex', 'mask');
    d.webhookCall('request', 0.01, true);
    d.droppedParam('bedrock', 'seed');
    assert.deepEqual(calls, ['exception', 'guard', 'webhook', 'dropped:seed']);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(calls, ['exception', 'guard', 'webhook', 'dropped:seed', 'completed']);
  });

  it('a throw while recording goes to onError instead of escaping the immediate', async () => {
    const errors: unknown[] = [];
    const d = new DeferredCompletionObserver(
      {
        exchangeCompleted: () => {
          throw new Error('bad label');
        },
      },
      (err) => errors.push(err),
    );
    d.exchangeCompleted({} as ExchangeSummary);
    await new Promise((r) => setImmediate(r));
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]), /bad label/);
  });
});

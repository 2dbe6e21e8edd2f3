import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import client from 'prom-client';
import { BoundHistogram } from '../../../src/metrics/bound-histogram.js';

const BUCKETS = [0.00005, 0.001, 0.5, 1, 5];
const OBSERVATIONS: [Record<string, string>, number][] = [
  [{ phase: 'request_headers', outcome: 'ok' }, 0.0004],
  [{ phase: 'request_headers', outcome: 'ok' }, 0.001], // on a bound: counted in that bucket
  [{ phase: 'response_body', outcome: 'x"y\\z\n' }, 7], // above the last bound: +Inf only
  [{ outcome: 'ok', phase: 'request_headers' }, 0], // same series, other key order
  [{ phase: 'a' }, 0.00001], // a label left out
  [{ phase: 'response_body', outcome: 'x"y\\z\n' }, 0.5],
];

/** The same observations through prom-client's Histogram and through BoundHistogram. */
async function both(): Promise<{ theirs: client.Registry; ours: client.Registry; bound: BoundHistogram }> {
  const theirs = new client.Registry();
  const h = new client.Histogram({
    name: 'h_seconds',
    help: 'help with "quotes" and \\',
    labelNames: ['phase', 'outcome'],
    buckets: BUCKETS,
    registers: [theirs],
  });
  const ours = new client.Registry();
  const bound = new BoundHistogram(
    'h_seconds',
    'help with "quotes" and \\',
    ['phase', 'outcome'],
    BUCKETS,
    ours,
  );
  const children = new Map<string, ReturnType<BoundHistogram['child']>>();
  for (const [labels, v] of OBSERVATIONS) {
    h.labels(labels).observe(v);
    const key = JSON.stringify(labels);
    if (!children.has(key)) children.set(key, bound.child(labels));
    children.get(key)!.observe(v);
  }
  return Promise.resolve({ theirs, ours, bound });
}

describe('BoundHistogram', () => {
  it('exposes exactly what prom-client exposes for the same observations', async () => {
    const { theirs, ours } = await both();
    assert.equal(await ours.metrics(), await theirs.metrics());
    assert.deepEqual(await ours.getMetricsAsJSON(), await theirs.getMetricsAsJSON());
  });

  it('shows a series only once observed, and nothing before', async () => {
    const reg = new client.Registry();
    const b = new BoundHistogram('e', 'e', ['k'], [1], reg);
    const child = b.child({ k: 'v' });
    assert.doesNotMatch(await reg.metrics(), /^e_/m);
    child.observe(2);
    assert.match(await reg.metrics(), /^e_bucket\{le="1",k="v"\} 0$/m);
    assert.match(await reg.metrics(), /^e_bucket\{le="\+Inf",k="v"\} 1$/m);
  });

  it('children of one label set share the series; reset empties it and children start again', async () => {
    const reg = new client.Registry();
    const b = new BoundHistogram('r', 'r', ['k'], [1], reg);
    const c1 = b.child({ k: 'v' });
    c1.observe(0.5);
    b.child({ k: 'v' }).observe(0.5);
    assert.match(await reg.metrics(), /^r_count\{k="v"\} 2$/m);
    reg.resetMetrics();
    assert.doesNotMatch(await reg.metrics(), /^r_count/m);
    c1.observe(3);
    assert.match(await reg.metrics(), /^r_count\{k="v"\} 1$/m);
    assert.match(await reg.metrics(), /^r_sum\{k="v"\} 3$/m);
  });

  it('rejects unknown labels and non-finite values, as prom-client does', () => {
    const b = new BoundHistogram('v', 'v', ['k'], [1], new client.Registry());
    assert.throws(() => b.child({ other: 'x' }), /not included/);
    assert.throws(() => b.child({ k: 'x' }).observe(Number.NaN), TypeError);
  });
});

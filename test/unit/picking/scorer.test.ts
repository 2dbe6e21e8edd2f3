/** Scorer tables in the manner of the reference scheduler's scorer tests (queue, KV cache, LoRA). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_WEIGHTS,
  kvCacheScore,
  loraScore,
  queueScores,
  rank,
  saturated,
} from '../../../src/picking/scorer.js';
import type { ServerMetrics } from '../../../src/picking/prom-text.js';

const m = (waiting: number, kvCache = 0, lora?: ServerMetrics['lora']): ServerMetrics => ({
  waiting,
  running: 0,
  kvCache,
  lora,
});

describe('queue scorer', () => {
  const table: [string, number[], number[]][] = [
    ['queues 10 / 5 / 0', [10, 5, 0], [0, 0.5, 1]],
    ['all equal', [3, 3, 3], [1, 1, 1]],
    ['all empty', [0, 0], [1, 1]],
    ['one server', [7], [1]],
    ['two servers', [4, 2], [0, 1]],
  ];
  for (const [name, queues, want] of table) it(name, () => assert.deepEqual(queueScores(queues), want));
  it('no servers', () => assert.deepEqual(queueScores([]), []));
});

describe('KV-cache scorer', () => {
  const table: [number, number][] = [
    [0, 1],
    [0.5, 0.5],
    [0.8, 0.19999999999999996],
    [1, 0],
    [1.5, 0], // out of range is clamped
    [-1, 1],
  ];
  for (const [usage, want] of table)
    it(`usage ${usage} → ${want}`, () => assert.equal(kvCacheScore(usage), want));
});

describe('LoRA affinity scorer', () => {
  const table: [string, ServerMetrics['lora'], number][] = [
    ['active', { running: ['x'], waiting: [], max: 2 }, 1],
    ['a free slot', { running: ['y'], waiting: [], max: 2 }, 0.8],
    ['waiting, no slot', { running: ['y'], waiting: ['x'], max: 2 }, 0.6],
    ['no slot, not here', { running: ['y', 'z'], waiting: [], max: 2 }, 0],
    ['no LoRA info', undefined, 0],
  ];
  for (const [name, lora, want] of table) it(name, () => assert.equal(loraScore(m(0, 0, lora), 'x'), want));
});

describe('saturation (queue > 5 and KV > 0.8)', () => {
  it('both past the thresholds', () => assert.equal(saturated(m(6, 0.81)), true));
  it('a long queue alone is not saturation', () => assert.equal(saturated(m(50, 0.5)), false));
  it('a full cache alone is not saturation', () => assert.equal(saturated(m(5, 0.99)), false));
  it('unknown metrics count as saturated', () => assert.equal(saturated(undefined), true));
});

describe('rank', () => {
  const none = () => 0;
  it('weights queue ×2, KV ×2, prefix ×3: the highest sum wins', () => {
    const r = rank(
      [
        { endpoint: 'busy', metrics: m(10, 0.9), prefix: 0 },
        { endpoint: 'idle', metrics: m(0, 0.1), prefix: 0 },
        { endpoint: 'cached', metrics: m(5, 0.5), prefix: 1 },
      ],
      DEFAULT_WEIGHTS,
      undefined,
      none,
    );
    // idle: 2·1 + 2·0.9 = 3.8; cached: 2·0.5 + 2·0.5 + 3·1 = 5; busy: 0 + 2·0.1 = 0.2
    assert.deepEqual(
      r.map((s) => s.endpoint),
      ['cached', 'idle', 'busy'],
    );
    assert.equal(r[0]!.score, 5);
    assert.deepEqual(r[0]!.parts, { queue: 0.5, kvCache: 0.5, prefix: 1, lora: undefined });
  });

  it('counts our own requests in flight beyond the running batch when the metrics lag', () => {
    const r = rank(
      [
        { endpoint: 'lagging', metrics: m(0), prefix: 0, inflight: 6 },
        { endpoint: 'quiet', metrics: m(2), prefix: 0, inflight: 0 },
      ],
      DEFAULT_WEIGHTS,
      undefined,
      none,
    );
    // lagging: max(0 waiting, 6 in flight − 0 running) = 6 > quiet's 2.
    assert.equal(r[0]!.endpoint, 'quiet');
  });

  it('stale servers rank after every fresh one, whatever their prefix', () => {
    const r = rank(
      [
        { endpoint: 'stale', metrics: undefined, prefix: 1 },
        { endpoint: 'fresh', metrics: m(9, 0.9), prefix: 0 },
      ],
      DEFAULT_WEIGHTS,
      undefined,
      none,
    );
    assert.deepEqual(
      r.map((s) => [s.endpoint, s.fresh]),
      [
        ['fresh', true],
        ['stale', false],
      ],
    );
  });

  it('LoRA affinity counts only for an adapter', () => {
    const servers = [
      { endpoint: 'plain', metrics: m(0, 0, { running: [], waiting: [], max: 0 }), prefix: 0 },
      { endpoint: 'lora', metrics: m(0, 0, { running: ['sql'], waiting: [], max: 1 }), prefix: 0 },
    ];
    assert.equal(rank(servers, DEFAULT_WEIGHTS, 'sql', none)[0]!.endpoint, 'lora');
    const base = rank(servers, DEFAULT_WEIGHTS, undefined, none);
    assert.equal(base[0]!.score, base[1]!.score);
  });

  it('breaks ties at random', () => {
    const servers = ['a', 'b', 'c'].map((endpoint) => ({ endpoint, metrics: m(1, 0.2), prefix: 0 }));
    const seen = new Set<string>();
    // Each candidate draws one number; the lowest draw among equal scores wins.
    for (const rolls of [
      [0.1, 0.5, 0.9],
      [0.5, 0.1, 0.9],
      [0.9, 0.5, 0.1],
    ]) {
      let k = 0;
      seen.add(rank(servers, DEFAULT_WEIGHTS, undefined, () => rolls[k++]!)[0]!.endpoint);
    }
    assert.deepEqual([...seen].sort(), ['a', 'b', 'c']);
  });
});

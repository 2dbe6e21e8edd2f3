/** One pick from plain data: subset hints, forced choices, shedding, no server, fallbacks. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pick, promptText } from '../../../src/picking/picker.js';
import type { EndpointView, PickRequest } from '../../../src/picking/picker.js';
import { DEFAULT_WEIGHTS } from '../../../src/picking/scorer.js';

const view = (endpoint: string, waiting: number, kvCache = 0, excluded = false): EndpointView => ({
  endpoint,
  metrics: { waiting, running: 0, kvCache, lora: undefined },
  excluded,
});

const req = (over: Partial<PickRequest>): PickRequest => ({
  endpoints: [view('10.0.0.1:8000', 3), view('10.0.0.2:8000', 0), view('10.0.0.3:8000', 9)],
  subset: undefined,
  forced: undefined,
  priority: 0,
  adapter: undefined,
  prefixScore: () => 0,
  weights: DEFAULT_WEIGHTS,
  limit: 3,
  random: () => 0,
  ...over,
});

describe('pick', () => {
  it('orders primary then fallbacks by score, up to the limit', () => {
    const r = pick(req({ limit: 2 }));
    assert.equal(r.kind, 'picked');
    if (r.kind !== 'picked') return;
    assert.deepEqual(
      r.order.map((e) => e.endpoint),
      ['10.0.0.2:8000', '10.0.0.1:8000'],
    );
    assert.equal(r.reason, 'scored');
  });

  it('picks only inside the subset hint; an empty intersection is none', () => {
    const r = pick(req({ subset: ['10.0.0.3:8000', '192.168.0.1:1'] }));
    assert.equal(r.kind === 'picked' && r.order.map((e) => e.endpoint).join(), '10.0.0.3:8000');
    assert.deepEqual(pick(req({ subset: ['192.168.0.1:1'] })), { kind: 'none', why: 'empty-subset' });
    assert.deepEqual(pick(req({ subset: [] })), { kind: 'none', why: 'empty-subset' });
  });

  it('follows a forced choice only to a pool member', () => {
    const r = pick(req({ forced: '10.0.0.3:8000' }));
    assert.equal(r.kind === 'picked' && r.reason, 'forced');
    assert.deepEqual(pick(req({ forced: '127.0.0.1:22' })), { kind: 'none', why: 'forced-unknown' });
  });

  it('leaves out excluded servers; none left is no-ready', () => {
    const r = pick(req({ endpoints: [view('a:1', 0, 0, true), view('b:1', 9)] }));
    assert.equal(r.kind === 'picked' && r.order[0]!.endpoint, 'b:1');
    assert.deepEqual(pick(req({ endpoints: [view('a:1', 0, 0, true)] })), { kind: 'none', why: 'no-ready' });
    assert.deepEqual(pick(req({ endpoints: [] })), { kind: 'none', why: 'no-ready' });
  });

  it('sheds a sheddable request only when every server is saturated', () => {
    const full = [view('a:1', 6, 0.9), view('b:1', 10, 0.95)];
    assert.deepEqual(pick(req({ endpoints: full, priority: -1 })), { kind: 'shed' });
    assert.equal(pick(req({ endpoints: full, priority: 0 })).kind, 'picked');
    assert.equal(pick(req({ endpoints: [...full, view('c:1', 6, 0.5)], priority: -1 })).kind, 'picked');
  });

  it('says unscored when only stale servers are left', () => {
    const r = pick(req({ endpoints: [{ endpoint: 'a:1', metrics: undefined, excluded: false }] }));
    assert.equal(r.kind === 'picked' && r.reason, 'unscored');
  });
});

describe('promptText', () => {
  it('joins roles and text parts in order, bounded', () => {
    const body = {
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: [{ type: 'text', text: 'hi' }, { type: 'image_url' }] },
      ],
    };
    assert.equal(promptText(body, 1000), 'system:be briefuser:hi');
    assert.equal(promptText(body, 10), 'system:be ');
    assert.equal(promptText({ messages: 'nope' }, 10), '');
  });
});

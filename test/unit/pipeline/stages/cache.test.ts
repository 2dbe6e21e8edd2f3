/**
 * The cache stage's fail-open rules: a store or an embedder that throws or hangs is a miss
 * (counted, the request goes on), never an error and never a wait past the timeout.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CacheLookupStage } from '../../../../src/pipeline/stages/cache.js';
import type { CacheDeps } from '../../../../src/pipeline/stages/cache.js';
import type { CacheFailure, CacheResult } from '../../../../src/pipeline/cache-observer.js';
import { MemoryCacheStore } from '../../../../src/cache/memory-store.js';
import type { CachePolicy, CacheStore, Embedder } from '../../../../src/cache/types.js';
import type { RequestScope } from '../../../../src/pipeline/stage.js';

const POLICY: CachePolicy = {
  exact: true,
  semantic: { embedder: 'provider', threshold: 0.9, backend: 'b', model: 'm' },
  store: 'memory',
  ttlMs: 60_000,
  maxEntries: 100,
  shareAcrossClients: false,
  cacheToolCalls: false,
  timeoutMs: 50,
  version: 'v1',
};

function scope(stage: CacheLookupStage, headers: Record<string, string> = {}): RequestScope {
  const slots = new Map<unknown, unknown>();
  return {
    route: { name: 'chat', policy: { cache: POLICY } },
    x: {
      headers: new Map(Object.entries(headers)),
      model: 'm',
      client: undefined,
      family: 'openai',
      streaming: false,
      decisions: [],
      path: '/v1/chat/completions',
      requestId: 'r1',
    },
    body: { model: 'm', messages: [{ role: 'user', content: 'hello' }] },
    slot: <T>(s: unknown, init: () => T): T => {
      if (!slots.has(s)) slots.set(s, init());
      return slots.get(s) as T;
    },
  } as unknown as RequestScope;
}

function deps(store: CacheStore | undefined, embedder: Embedder | undefined) {
  const results: CacheResult[] = [];
  const failures: CacheFailure[] = [];
  const d: CacheDeps = {
    store: () => store,
    embedder: () => embedder,
    observer: {
      cacheRequest: (_r, result) => results.push(result),
      cacheSimilarity: () => undefined,
      cacheSaved: () => undefined,
      cacheWrite: () => undefined,
      cacheFailure: (_r, f) => failures.push(f),
    },
    log: { debug() {}, info() {}, warn() {}, error() {} },
  };
  return { d, results, failures };
}

const hang = <T>(): Promise<T> => new Promise<T>(() => undefined);
const broken: CacheStore = {
  exact: () => Promise.reject(new Error('connection refused')),
  nearest: () => Promise.reject(new Error('connection refused')),
  put: () => Promise.reject(new Error('connection refused')),
  size: () => 0,
  close: () => Promise.resolve(),
};
const slow: CacheStore = { ...broken, exact: hang, nearest: hang };
const unit: Embedder = { name: 'u', embed: () => Promise.resolve(Float32Array.from([1, 0])) };

describe('cache stage: fail open', () => {
  for (const [name, store, embedder, failure] of [
    ['a store that errors', broken, unit, 'store_error'],
    ['a store that hangs', slow, unit, 'store_timeout'],
    [
      'an embedder that errors',
      new MemoryCacheStore(),
      { name: 'e', embed: () => Promise.reject(new Error('500')) },
      'embedder_error',
    ],
    ['an embedder that hangs', new MemoryCacheStore(), { name: 'e', embed: hang }, 'embedder_timeout'],
  ] as const) {
    it(`${name} is a miss, counted`, async () => {
      const { d, results, failures } = deps(store, embedder);
      const stage = new CacheLookupStage(d);
      const v = await stage.onRequest(scope(stage));
      assert.equal(v, undefined, 'the request goes on upstream');
      assert.deepEqual(results, ['miss']);
      assert.deepEqual(failures, [failure]);
    });
  }

  it('a stored answer is a hit: the client gets it with x-ai-cache', async () => {
    const store = new MemoryCacheStore();
    const { d, results } = deps(store, unit);
    const stage = new CacheLookupStage(d);
    const s = scope(stage);
    await stage.onRequest(s);
    const st = stage.state(s)!;
    await store.put(
      st.keys!.partition,
      st.keys!.exact,
      undefined,
      {
        completion: {
          model: 'm',
          choices: [{ index: 0, message: { role: 'assistant', content: 'hi!' }, finish_reason: 'stop' }],
        },
        promptTokens: 1,
        completionTokens: 1,
        model: 'm',
      },
      60_000,
      10,
    );
    const v = await stage.onRequest(scope(stage));
    assert.ok(v && 'answer' in v);
    assert.equal(v.answer.status, 200);
    assert.deepEqual(
      v.answer.headers?.find(([k]) => k === 'x-ai-cache'),
      ['x-ai-cache', 'hit'],
    );
    assert.equal(JSON.parse(String(v.answer.body)).choices[0].message.content, 'hi!');
    assert.deepEqual(results, ['miss', 'hit']);
    // bypass skips the lookup.
    const b = await stage.onRequest(scope(stage, { 'x-ai-cache': 'bypass' }));
    assert.equal(b, undefined);
    assert.equal(results.at(-1), 'bypass');
  });

  it('a semantic match whose question holds other numbers is a miss, whatever its similarity', async () => {
    const store = new MemoryCacheStore();
    const { d, results } = deps(store, unit); // every text embeds to the same vector: similarity 1
    const stage = new CacheLookupStage(d);
    const ask = (content: string) => {
      const s = scope(stage);
      (s.body as { messages: unknown[] }).messages = [{ role: 'user', content }];
      return s;
    };
    const first = ask('Summarise invoice 10482 in two sentences');
    await stage.onRequest(first);
    const st = stage.state(first)!;
    const answer = {
      completion: { model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'A' } }] },
      promptTokens: 1,
      completionTokens: 1,
      model: 'm',
      numbers: '10482 2',
    };
    await store.put(st.keys!.partition, st.keys!.exact, Float32Array.from([1, 0]), answer, 60_000, 10);
    const other = ask('Summarise invoice 10483 in two sentences');
    assert.equal(await stage.onRequest(other), undefined);
    assert.ok(other.x.decisions.includes('cache:miss:1.0000:numbers'));
    const same = await stage.onRequest(ask('Please summarise invoice 10482 in 2 sentences'));
    assert.ok(same && 'answer' in same);
    assert.deepEqual(results, ['miss', 'miss', 'semantic-hit']);
  });
});

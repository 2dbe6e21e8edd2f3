import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cacheKeys, contentText } from '../../../src/cache/request-key.js';

const K = { route: 'chat', model: 'gpt-4o-mini', client: 'alice', version: 'v1', family: 'openai' };
const req = (messages: unknown[], extra: Record<string, unknown> = {}) => ({
  model: 'gpt-4o-mini',
  messages,
  ...extra,
});
const q = (text: string) => ({ role: 'user', content: text });

describe('cache keys', () => {
  it('the same request gives the same keys whatever the field order or delivery fields', () => {
    const a = cacheKeys(req([q('hi')], { temperature: 0, stream: true }), K)!;
    const b = cacheKeys(
      { temperature: 0, messages: [q('hi')], model: 'gpt-4o-mini', stream_options: {} },
      K,
    )!;
    assert.deepEqual(a, b);
    assert.equal(a.text, 'hi');
    assert.equal(cacheKeys(req([q('  What IS  it? ')]), K)!.text, 'what is it');
  });

  it('the last user turn is in the exact key only; the rest of the request is in the partition', () => {
    const a = cacheKeys(req([q('What is the capital of France?')]), K)!;
    const b = cacheKeys(req([q('What is the capital of Germany?')]), K)!;
    assert.equal(a.partition, b.partition);
    assert.notEqual(a.exact, b.exact);
    for (const extra of [
      { temperature: 0.5 },
      { top_p: 0.9 },
      { max_tokens: 10 },
      { n: 2 },
      { seed: 1 },
      { stop: ['x'] },
      { tools: [{ type: 'function', function: { name: 'f' } }] },
      { tool_choice: 'auto' },
      { response_format: { type: 'json_object' } },
    ]) {
      const c = cacheKeys(req([q('What is the capital of France?')], extra), K)!;
      assert.notEqual(c.partition, a.partition, JSON.stringify(extra));
    }
  });

  it('another history, system prompt, client, model, route or policy version is another partition', () => {
    const base = cacheKeys(req([q('and then?')]), K)!;
    const history = cacheKeys(
      req([q('tell me a story'), { role: 'assistant', content: 'once' }, q('and then?')]),
      K,
    )!;
    const system = cacheKeys(req([{ role: 'system', content: 'be brief' }, q('and then?')]), K)!;
    assert.notEqual(history.partition, base.partition);
    assert.notEqual(system.partition, base.partition);
    for (const k of [
      { client: 'bob' },
      { client: undefined },
      { model: 'x' },
      { route: 'r2' },
      { version: 'v2' },
    ])
      assert.notEqual(cacheKeys(req([q('and then?')]), { ...K, ...k })!.partition, base.partition);
  });

  it('not cacheable: no messages, or a last turn that is not the user’s', () => {
    assert.equal(cacheKeys({ model: 'm' }, K), undefined);
    assert.equal(cacheKeys(req([q('hi'), { role: 'assistant', content: 'pre' }]), K), undefined);
    assert.equal(cacheKeys(req([{ role: 'tool', content: '1', tool_call_id: 'a' }]), K), undefined);
  });

  it('the embedded text: strings and text parts only (an image turn is L1 only)', () => {
    assert.equal(
      contentText([
        { type: 'text', text: 'a' },
        { type: 'text', text: 'b' },
      ]),
      'a\nb',
    );
    assert.equal(
      contentText([
        { type: 'text', text: 'a' },
        { type: 'image_url', image_url: {} },
      ]),
      undefined,
    );
    const k = cacheKeys(
      req([{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }]),
      K,
    )!;
    assert.equal(k.text, undefined);
    assert.ok(k.exact);
  });

  it('a body too deep to key throws (the stage treats it as not cacheable)', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100; i++) deep = { d: deep };
    assert.throws(() => cacheKeys(req([q('hi')], { extra: deep }), K), RangeError);
  });
});

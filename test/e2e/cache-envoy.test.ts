/**
 * The semantic cache through real Envoy with the official SDKs and the local embedder: a hit makes
 * no upstream call; a streamed hit assembled by `openai` and by `@anthropic-ai/sdk` equals the
 * original's text and finish reason; the same last question with another history misses; another
 * client misses unless the route shares; a guard-rejected prompt is rejected even when a similar
 * one is cached; a hit charges no tokens; bypass and no-store are honoured. One stack for the file.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startStandaloneStack } from '../helpers/stack.js';
import type { StandaloneStack } from '../helpers/stack.js';
import { metricValue } from '../helpers/app.js';
import { LOCAL_MODEL_DIR } from '../helpers/cache-embed.js';

const SECRETS = { GW_KEY: 'sk-gateway-key', KEY_ALICE: 'vk-alice-0123456789', KEY_BOB: 'vk-bob-0123456789' };

const CONFIG = `
version: 1
backends:
  mock: { provider: openai, baseUrl: http://{{UPSTREAM}}, auth: { apiKey: { env: GW_KEY } }, defaultModel: gpt-4o-mini }
clients:
  alice: { key: { env: KEY_ALICE } }
  bob: { key: { env: KEY_BOB } }
routes:
  - name: shared
    match: { pathPrefix: /v1, headers: [{ name: x-route, value: shared }] }
    backend: mock
    policy:
      requireClient: true
      cache: { shareAcrossClients: true, timeoutMs: 5000, semantic: { embedder: local } }
  - name: chat
    match: { pathPrefix: /v1 }
    backend: mock
    policy:
      requireClient: true
      maxOutputTokens: 1000
      limits:
        - { name: per-client, key: [client], requests: { limit: 1000, per: day } }
      guards:
        request:
          regex: { action: REJECT, matches: [{ pattern: 'forbidden', name: forbidden }] }
      cache: { timeoutMs: 5000, semantic: { embedder: local } }
`;

describe('semantic cache through real Envoy (local embedder, memory store)', () => {
  let stack: StandaloneStack;
  let alice: OpenAI;
  let bob: OpenAI;
  const upstreamCalls = (): number => stack.mock.requests.length;

  before(async () => {
    stack = await startStandaloneStack(CONFIG, { AI_EXTPROC_EMBEDDING_MODEL_DIR: LOCAL_MODEL_DIR }, SECRETS);
    const c = (key: string) =>
      new OpenAI({ baseURL: `${stack.envoy.url}/v1`, apiKey: key, maxRetries: 0, timeout: 60_000 });
    alice = c(SECRETS.KEY_ALICE);
    bob = c(SECRETS.KEY_BOB);
  });
  after(async () => {
    await stack?.close();
  });

  /** Waits for the fire-and-forget write (bounded). */
  async function stored(route: string, count: number): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const m = await stack.ext.metrics();
      if ((metricValue(m, 'ai_extproc_cache_writes_total', { route, result: 'stored' }) ?? 0) >= count)
        return;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail(`no cache write on ${route}`);
  }
  let chatWrites = 0;

  it('an exact repeat is a hit with no upstream call, and charges no tokens', async () => {
    const ask = (text: string) =>
      alice.chat.completions
        .create(
          { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'What is the capital of France?' }] },
          { headers: { 'x-mock-text': text } },
        )
        .withResponse();
    const first = await ask('Paris is the capital of France.');
    assert.equal(first.response.headers.get('x-ai-cache'), 'miss');
    assert.equal(first.data.choices[0]!.message.content, 'Paris is the capital of France.');
    await stored('chat', ++chatWrites);
    const calls = upstreamCalls();
    const second = await ask('a different upstream answer');
    assert.equal(upstreamCalls(), calls, 'no upstream call');
    assert.equal(second.response.headers.get('x-ai-cache'), 'hit');
    assert.equal(second.response.headers.get('x-ai-cache-similarity'), '1.0000');
    assert.equal(second.data.choices[0]!.message.content, 'Paris is the capital of France.');
    assert.equal(second.data.choices[0]!.finish_reason, 'stop');
    assert.deepEqual(second.data.usage, first.data.usage);
    // A paraphrase is a semantic hit; a near miss is not.
    const para = await alice.chat.completions
      .create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: "What's the capital of France?" }],
      })
      .withResponse();
    assert.equal(para.response.headers.get('x-ai-cache'), 'semantic-hit');
    assert.ok(Number(para.response.headers.get('x-ai-cache-similarity')) >= 0.92);
    assert.equal(para.data.choices[0]!.message.content, 'Paris is the capital of France.');
    assert.equal(upstreamCalls(), calls);
    const near = await alice.chat.completions
      .create(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'What is the capital of Germany?' }] },
        { headers: { 'x-mock-text': 'Berlin.' } },
      )
      .withResponse();
    assert.equal(near.response.headers.get('x-ai-cache'), 'miss');
    assert.equal(near.data.choices[0]!.message.content, 'Berlin.');
    assert.equal(upstreamCalls(), calls + 1);
    await stored('chat', ++chatWrites);
    const m = await stack.ext.metrics();
    assert.equal(metricValue(m, 'ai_extproc_cache_requests_total', { route: 'chat', result: 'hit' }), 1);
    assert.equal(
      metricValue(m, 'ai_extproc_cache_requests_total', { route: 'chat', result: 'semantic-hit' }),
      1,
    );
    assert.ok((metricValue(m, 'ai_extproc_cache_tokens_saved_total', { route: 'chat' }) ?? 0) > 0);
    // Every series the dashboard's cache panels query is declared.
    for (const name of ['ai_extproc_cache_similarity', 'ai_extproc_cache_failures_total'])
      assert.match(m, new RegExp(`^# TYPE ${name} `, 'm'));
    assert.ok((metricValue(m, 'ai_extproc_cache_similarity_count', { route: 'chat' }) ?? 0) >= 2);
    // The budget counted both misses' tokens and none of the hits'.
    const spent = metricValue(m, 'ai_extproc_client_tokens_total', { client: 'alice', team: 'none' });
    const u1 = first.data.usage!.total_tokens;
    const u2 = near.data.usage!.total_tokens;
    assert.equal(spent, u1 + u2);
  });

  it('a streamed hit assembled by the openai SDK equals the original stream', async () => {
    const run = async (content: string, text?: string) => {
      const { data, response } = await alice.chat.completions
        .create(
          { model: 'gpt-4o-mini', messages: [{ role: 'user', content }], stream: true },
          text ? { headers: { 'x-mock-text': text } } : {},
        )
        .withResponse();
      let out = '';
      let finish: string | null = null;
      let usageChunks = 0;
      for await (const chunk of data) {
        if (chunk.usage) usageChunks++;
        out += chunk.choices[0]?.delta.content ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
      return { out, finish, usageChunks, cache: response.headers.get('x-ai-cache') };
    };
    const original = await run('How do I reset my password?', 'Open settings, then choose Reset password.');
    assert.equal(original.cache, 'miss');
    await stored('chat', ++chatWrites);
    const calls = upstreamCalls();
    const hit = await run('How can I reset my password?');
    assert.equal(upstreamCalls(), calls);
    assert.equal(hit.cache, 'semantic-hit');
    assert.deepEqual({ out: hit.out, finish: hit.finish }, { out: original.out, finish: original.finish });
    // The client did not ask for usage: neither the live stream nor the hit shows it.
    assert.deepEqual([original.usageChunks, hit.usageChunks], [0, 0]);
    // The SDK's own stream helper assembles it the same way.
    const helper = await alice.chat.completions
      .stream({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'How do I reset my password?' }] })
      .finalChatCompletion();
    assert.equal(helper.choices[0]!.message.content, original.out);
    assert.equal(helper.choices[0]!.finish_reason, 'stop');
    assert.equal(upstreamCalls(), calls);
  });

  it('a streamed hit assembled by @anthropic-ai/sdk equals the original stream', async () => {
    const anthropic = new Anthropic({ baseURL: stack.envoy.url, apiKey: SECRETS.KEY_ALICE, maxRetries: 0 });
    const ask = (content: string, text?: string) =>
      anthropic.messages
        .stream(
          { model: 'gpt-4o-mini', max_tokens: 200, messages: [{ role: 'user', content }] },
          text ? { headers: { 'x-mock-text': text } } : {},
        )
        .finalMessage();
    const original = await ask('Cancel my order', 'Your order is cancelled.');
    await stored('chat', ++chatWrites);
    const calls = upstreamCalls();
    const hit = await ask('Please cancel my order');
    assert.equal(upstreamCalls(), calls);
    const text = (m: Anthropic.Message) => m.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
    assert.equal(text(hit), text(original));
    assert.equal(text(hit), 'Your order is cancelled.');
    assert.equal(hit.stop_reason, original.stop_reason);
    assert.equal(hit.stop_reason, 'end_turn');
    // A near miss ("track" vs "cancel") goes upstream.
    await ask('Track my order', 'It ships tomorrow.');
    assert.equal(upstreamCalls(), calls + 1);
    await stored('chat', ++chatWrites);
  });

  it('the same last question with another history misses', async () => {
    const calls = upstreamCalls();
    const res = await alice.chat.completions
      .create(
        {
          model: 'gpt-4o-mini',
          messages: [
            { role: 'user', content: 'Tell me about Italy.' },
            { role: 'assistant', content: 'Italy is in Europe.' },
            { role: 'user', content: 'What is the capital of France?' },
          ],
        },
        { headers: { 'x-mock-text': 'Rome is the capital of Italy; Paris of France.' } },
      )
      .withResponse();
    assert.equal(res.response.headers.get('x-ai-cache'), 'miss');
    assert.equal(upstreamCalls(), calls + 1);
    await stored('chat', ++chatWrites);
  });

  it('another client misses unless the route shares', async () => {
    let calls = upstreamCalls();
    const other = await bob.chat.completions
      .create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'What is the capital of France?' }],
      })
      .withResponse();
    assert.equal(other.response.headers.get('x-ai-cache'), 'miss');
    assert.equal(upstreamCalls(), calls + 1);
    await stored('chat', ++chatWrites);
    // The shared route: alice's answer serves bob.
    const shared = { headers: { 'x-route': 'shared', 'x-mock-text': 'Shared answer.' } };
    const q = {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user' as const, content: 'What is the tallest mountain?' }],
    };
    await alice.chat.completions.create(q, shared);
    await stored('shared', 1);
    calls = upstreamCalls();
    const fromBob = await bob.chat.completions.create(q, { headers: { 'x-route': 'shared' } }).withResponse();
    assert.equal(fromBob.response.headers.get('x-ai-cache'), 'hit');
    assert.equal(fromBob.data.choices[0]!.message.content, 'Shared answer.');
    assert.equal(upstreamCalls(), calls);
  });

  it('a guard-rejected prompt is rejected even when a similar prompt is cached', async () => {
    const calls = upstreamCalls();
    await assert.rejects(
      alice.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'What is the capital of France? forbidden' }],
      }),
      (err: unknown) => err instanceof OpenAI.PermissionDeniedError,
    );
    assert.equal(upstreamCalls(), calls);
  });

  it('x-ai-cache: bypass and Cache-Control: no-store go upstream; no-store is never stored', async () => {
    const q = {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user' as const, content: 'What is the capital of France?' }],
    };
    const calls = upstreamCalls();
    const bypass = await alice.chat.completions
      .create(q, { headers: { 'x-ai-cache': 'bypass', 'x-mock-text': 'fresh' } })
      .withResponse();
    assert.equal(bypass.data.choices[0]!.message.content, 'fresh');
    assert.equal(upstreamCalls(), calls + 1);
    const fresh = {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user' as const, content: 'Name a prime number.' }],
    };
    await alice.chat.completions.create(fresh, {
      headers: { 'cache-control': 'no-store', 'x-mock-text': '7' },
    });
    const again = await alice.chat.completions
      .create(fresh, { headers: { 'x-mock-text': '11' } })
      .withResponse();
    assert.equal(again.response.headers.get('x-ai-cache'), 'miss');
    assert.equal(again.data.choices[0]!.message.content, '11');
    // An upstream error and a stream cut before its end are not stored.
    const q2 = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Count to ten.' }] };
    await assert.rejects(alice.chat.completions.create(q2, { headers: { 'x-mock-status': '500' } }));
    const cut = await alice.chat.completions.create(
      { ...q2, stream: true },
      { headers: { 'x-mock-stream-abort-after': '2' } },
    );
    await assert.rejects(async () => {
      for await (const _ of cut) void _;
    });
    const before = upstreamCalls();
    const ok = await alice.chat.completions
      .create(q2, { headers: { 'x-mock-text': 'one to ten' } })
      .withResponse();
    assert.equal(ok.response.headers.get('x-ai-cache'), 'miss');
    assert.equal(upstreamCalls(), before + 1);
  });
});

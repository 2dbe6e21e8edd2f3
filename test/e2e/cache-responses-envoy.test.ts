/**
 * Cache hits for OpenAI Responses API clients through real Envoy with the official `openai` SDK
 * (`responses.create`, streamed and not), on an OpenAI and on an Anthropic backend (a stateless
 * Responses request reaches the stages as Chat Completions, so the stored answer is canonical). A hit makes no upstream call, its JSON
 * is a Responses object and its stream the typed events response.created … response.completed
 * with the original's text; a stateful request (store: true, previous_response_id), which goes to
 * OpenAI's own /v1/responses, is never stored.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startStandaloneStack } from '../helpers/stack.js';
import type { StandaloneStack } from '../helpers/stack.js';
import { metricValue } from '../helpers/app.js';
import { LOCAL_MODEL_DIR } from '../helpers/cache-embed.js';

const outputText = (r: OpenAI.Responses.Response): string =>
  r.output
    .flatMap((o) => (o.type === 'message' ? o.content : []))
    .map((c) => (c.type === 'output_text' ? c.text : ''))
    .join('');

const SECRETS = { OPENAI_KEY: 'sk-gateway-openai', ANTHROPIC_KEY: 'sk-gateway-anthropic' };

const CONFIG = `
version: 1
backends:
  mock-openai: { provider: openai, baseUrl: http://{{UPSTREAM}}, cluster: mock, auth: { apiKey: { env: OPENAI_KEY } } }
  mock-anthropic: { provider: anthropic, baseUrl: http://{{UPSTREAM}}, cluster: mock, auth: { apiKey: { env: ANTHROPIC_KEY } } }
routes:
  - name: responses
    match: { pathPrefix: /v1/responses }
    models:
      gpt: { backend: mock-openai, model: gpt-5-mini }
      claude: { backend: mock-anthropic, model: claude-sonnet-4-5 }
    policy:
      cache: { timeoutMs: 5000, semantic: { embedder: local } }
`;

describe('semantic cache for Responses API clients through real Envoy', () => {
  let stack: StandaloneStack;
  let openai: OpenAI;
  let writes = 0;
  const upstreamCalls = (): number => stack.mock.requests.length;

  before(async () => {
    stack = await startStandaloneStack(CONFIG, { AI_EXTPROC_EMBEDDING_MODEL_DIR: LOCAL_MODEL_DIR }, SECRETS);
    openai = new OpenAI({
      baseURL: `${stack.envoy.url}/v1`,
      apiKey: 'client',
      maxRetries: 0,
      timeout: 60_000,
    });
  });
  after(async () => {
    await stack?.close();
  });

  /** Waits for the fire-and-forget write (bounded). */
  async function stored(): Promise<void> {
    writes++;
    for (let i = 0; i < 100; i++) {
      const m = await stack.ext.metrics();
      const n =
        metricValue(m, 'ai_extproc_cache_writes_total', { route: 'responses', result: 'stored' }) ?? 0;
      if (n >= writes) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail('no cache write');
  }

  async function streamed(model: string, input: string) {
    const { data, response } = await openai.responses
      .create({ model, input, store: false, stream: true })
      .withResponse();
    const types: string[] = [];
    const seqs: number[] = [];
    let delta = '';
    let done: OpenAI.Responses.Response | undefined;
    for await (const ev of data) {
      types.push(ev.type);
      seqs.push(ev.sequence_number);
      if (ev.type === 'response.output_text.delta') delta += ev.delta;
      if (ev.type === 'response.completed') done = ev.response;
    }
    return { types, seqs, delta, done: done!, cache: response.headers.get('x-ai-cache') };
  }

  for (const model of ['gpt', 'claude']) {
    it(`${model}: an exact and a paraphrased repeat are hits, JSON and streamed, with no upstream call`, async () => {
      const q = `${model}: What is the capital of France?`;
      const first = await openai.responses.create({ model, input: q, store: false }).withResponse();
      assert.equal(first.response.headers.get('x-ai-cache'), 'miss');
      assert.equal(first.data.status, 'completed');
      const text = first.data.output_text;
      assert.ok(text.length > 0);
      await stored();
      const calls = upstreamCalls();

      const again = await openai.responses.create({ model, input: q, store: false }).withResponse();
      assert.equal(again.response.headers.get('x-ai-cache'), 'hit');
      assert.equal(again.data.object, 'response');
      assert.equal(again.data.status, 'completed');
      assert.ok(again.data.id.startsWith('resp_'));
      assert.notEqual(again.data.id, first.data.id);
      assert.equal(again.data.output_text, text);
      assert.deepEqual(again.data.usage, first.data.usage);

      const para = await openai.responses
        .create({ model, input: `${model}: What's the capital of France?`, store: false })
        .withResponse();
      assert.equal(para.response.headers.get('x-ai-cache'), 'semantic-hit');
      assert.equal(para.data.output_text, text);

      // Streamed: the typed events in order, numbered, assembled to the same text.
      const hit = await streamed(model, q);
      assert.equal(hit.cache, 'hit');
      assert.equal(hit.types[0], 'response.created');
      assert.equal(hit.types[1], 'response.in_progress');
      assert.equal(hit.types.at(-1), 'response.completed');
      for (const t of [
        'response.output_item.added',
        'response.output_text.done',
        'response.output_item.done',
      ])
        assert.ok(hit.types.includes(t), t);
      assert.deepEqual(
        hit.seqs,
        hit.seqs.map((_, i) => i),
      );
      assert.equal(hit.delta, text);
      assert.equal(outputText(hit.done), text);
      assert.deepEqual(hit.done.usage, first.data.usage);
      // The SDK's stream helper assembles the same final response.
      const final = await openai.responses.stream({ model, input: q, store: false }).finalResponse();
      assert.equal(outputText(final), text);
      assert.equal(upstreamCalls(), calls, 'no upstream call for any hit');

      // A near miss goes upstream.
      await openai.responses.create({
        model,
        input: `${model}: What is the capital of Germany?`,
        store: false,
      });
      assert.equal(upstreamCalls(), calls + 1);
      await stored();
    });
  }

  it('a streamed original is stored and served as JSON', async () => {
    const q = 'How do I reset my password?';
    const original = await streamed('gpt', q);
    assert.equal(original.cache, 'miss');
    await stored();
    const calls = upstreamCalls();
    const hit = await openai.responses.create({ model: 'gpt', input: q, store: false }).withResponse();
    assert.equal(hit.response.headers.get('x-ai-cache'), 'hit');
    assert.equal(hit.data.output_text, original.delta);
    assert.equal(upstreamCalls(), calls);
  });

  it('a stateful request (store: true, previous_response_id: OpenAI keeps its state) is never stored', async () => {
    const q = 'Name a prime number.';
    const calls = upstreamCalls();
    const a = await openai.responses.create({ model: 'gpt', input: q, store: true }).withResponse();
    const b = await openai.responses
      .create({ model: 'gpt', input: q, previous_response_id: a.data.id })
      .withResponse();
    assert.deepEqual(
      [a.response.headers.get('x-ai-cache'), b.response.headers.get('x-ai-cache')],
      ['miss', 'miss'],
    );
    assert.equal(upstreamCalls(), calls + 2);
    const m = await stack.ext.metrics();
    assert.equal(
      metricValue(m, 'ai_extproc_cache_writes_total', { route: 'responses', result: 'stored' }),
      writes,
    );
  });
});

/**
 * What failover never retries, through real Envoy: a stream whose first byte reached the client
 * (a mid-stream error ends it with an error in the client's format), a stream slower than the
 * per-try timeout once its headers arrived, a body above the buffer limit, and a Responses request
 * with previous_response_id, which goes only to an OpenAI target and never to another provider.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startStandaloneStack } from '../helpers/stack.js';
import type { StandaloneStack } from '../helpers/stack.js';
import { RATE_LIMITED, startScripted } from '../helpers/scripted-upstream.js';
import type { ScriptedUpstream } from '../helpers/scripted-upstream.js';

const ev = (event: string, data: object): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
const START = ev('message_start', {
  type: 'message_start',
  message: {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5',
    content: [],
    usage: { input_tokens: 3, output_tokens: 0 },
  },
});
const BLOCK = ev('content_block_start', {
  type: 'content_block_start',
  index: 0,
  content_block: { type: 'text', text: '' },
});
const DELTA = (text: string): string =>
  ev('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } });
const END = [
  ev('content_block_stop', { type: 'content_block_stop', index: 0 }),
  ev('message_delta', {
    type: 'message_delta',
    delta: { stop_reason: 'end_turn' },
    usage: { output_tokens: 2 },
  }),
  ev('message_stop', { type: 'message_stop' }),
];

describe('failover never retries these', () => {
  let stack: StandaloneStack;
  let failing: ScriptedUpstream;
  let slow: ScriptedUpstream;
  let limited: ScriptedUpstream;
  let openai: OpenAI;
  before(async () => {
    failing = await startScripted(() => ({
      sse: [
        START + BLOCK + DELTA('Hel'),
        ev('error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }),
      ],
    }));
    slow = await startScripted(() => ({
      sse: [START + BLOCK + DELTA('Hel'), DELTA('lo'), ...END],
      pauseMs: 1500,
    }));
    limited = await startScripted(() => RATE_LIMITED);
    stack = await startStandaloneStack(`
version: 1
backends:
  failing: { provider: anthropic, baseUrl: http://127.0.0.1:${failing.port}, auth: { none: true } }
  slow: { provider: anthropic, baseUrl: http://127.0.0.1:${slow.port}, auth: { none: true } }
  limited: { provider: openai, baseUrl: http://127.0.0.1:${limited.port}, auth: { none: true } }
  mock-openai: { provider: openai, baseUrl: http://{{UPSTREAM}}, cluster: mock, auth: { none: true } }
  mock-anthropic: { provider: anthropic, baseUrl: http://{{UPSTREAM}}, cluster: mock, auth: { none: true } }
routes:
  - name: chat
    match: { pathPrefix: /v1/chat/completions }
    models:
      midstream:
        targets:
          - { backend: failing, model: claude-sonnet-4-5, priority: 0 }
          - { backend: mock-openai, model: gpt-4o, priority: 1 }
      slowstream:
        targets:
          - { backend: slow, model: claude-sonnet-4-5, priority: 0 }
          - { backend: mock-openai, model: gpt-4o, priority: 1 }
        retry: { perTryTimeoutMs: 500 }
      big:
        targets:
          - { backend: mock-openai, model: gpt-4o, priority: 0 }
          - { backend: mock-anthropic, model: claude-sonnet-4-5, priority: 1 }
  - name: responses
    match: { pathPrefix: /v1/responses }
    models:
      stateful:
        targets:
          - { backend: mock-anthropic, model: claude-sonnet-4-5, priority: 0 }
          - { backend: limited, model: gpt-4o, priority: 1 }
      anthropic-only:
        targets:
          - { backend: mock-anthropic, model: claude-sonnet-4-5, priority: 0 }
          - { backend: mock-anthropic, model: claude-haiku-4-5, priority: 1 }
`);
    openai = new OpenAI({ baseURL: `${stack.envoy.url}/v1`, apiKey: 'k', maxRetries: 0 });
  });
  after(async () => {
    await stack?.close();
    await Promise.all([failing, slow, limited].map((u) => u?.close()));
  });

  it('a stream that fails after its first byte ends with an error in the client format, not retried', async () => {
    stack.mock.reset();
    const stream = await openai.chat.completions.create({
      model: 'midstream',
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    let text = '';
    await assert.rejects(
      (async () => {
        for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
      })(),
      (err: unknown) => err instanceof OpenAI.APIError && /Overloaded/.test(err.message),
    );
    assert.equal(text, 'Hel', 'the client had its first bytes');
    assert.equal(failing.seen.length, 1);
    assert.equal(stack.mock.requests.length, 0, 'the next target was not tried');
  });

  it('a stream slower than the per-try timeout after its headers is not retried', async () => {
    stack.mock.reset();
    const stream = await openai.chat.completions.create({
      model: 'slowstream',
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    let text = '';
    try {
      for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    } catch {
      /* Envoy may end the stream at the per-try timeout: what matters is that nobody else answers */
    }
    assert.ok(text.startsWith('Hel'));
    assert.equal(slow.seen.length, 1);
    assert.equal(stack.mock.requests.length, 0, 'the next target was not tried');
  });

  it('a body above the buffer limit is refused with a 413 before any attempt', async () => {
    stack.mock.reset();
    await assert.rejects(
      openai.chat.completions.create({
        model: 'big',
        messages: [{ role: 'user', content: 'x'.repeat(9 * 1024 * 1024) }],
      }),
      (err: unknown) =>
        err instanceof OpenAI.APIError && err.status === 413 && /Request body too large/.test(err.message),
    );
    assert.equal(stack.mock.requests.length, 0);
  });

  it('previous_response_id goes only to the OpenAI target, and its 429 is not retried elsewhere', async () => {
    stack.mock.reset();
    await assert.rejects(
      openai.responses.create({ model: 'stateful', input: 'and then?', previous_response_id: 'resp_123' }),
      (err: unknown) => err instanceof OpenAI.RateLimitError,
    );
    assert.equal(limited.seen.length, 1);
    assert.equal(limited.seen[0]!.path, '/v1/responses');
    assert.equal(
      (JSON.parse(limited.seen[0]!.body) as { previous_response_id: string }).previous_response_id,
      'resp_123',
    );
    assert.equal(stack.mock.requests.length, 0, 'the Anthropic target was not tried');
    await assert.rejects(
      openai.responses.create({ model: 'anthropic-only', input: 'x', previous_response_id: 'resp_123' }),
      (err: unknown) => err instanceof OpenAI.BadRequestError,
    );
  });
});

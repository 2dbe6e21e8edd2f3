/**
 * Cross-checks of the Anthropic translations against their consumers:
 * - the OpenAI SDK (installed) accumulates the provider decoder's chunks into the same completion that the
 *   non-streaming path produces;
 * - a mid-stream Anthropic error thrown by the decoder, handed to the client encoder as an error chunk,
 *   reaches an Anthropic client as the same `error` event;
 * - an accumulator that follows the Anthropic SDK's MessageStream rules (blocks pushed in order, deltas
 *   applied by index) accepts the client encoder's SSE, and gives the same message as the non-streaming path;
 * - Anthropic SSE → OpenAI chunks → Anthropic SSE keeps content, tool input, stop reason and usage.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

import { ChatCompletionStream } from 'openai/lib/ChatCompletionStream';
import { Stream } from 'openai/streaming';
import { APIError } from 'openai';

import { anthropicClient, createAnthropicProvider } from '../../../../src/providers/anthropic/index.js';
import { SseDecoder } from '../../../../src/streaming/sse-decoder.js';
import { TranslationError } from '../../../../src/providers/translate/types.js';
import type { Json, UpstreamTarget } from '../../../../src/providers/translate/types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests poke at arbitrary JSON
type AnyJson = any;

const ROOT = path.resolve('test/fixtures/translate/anthropic');
const provider = createAnthropicProvider({ clock: () => 1700000000 });
const target: UpstreamTarget = { provider: 'anthropic', model: 'claude-configured', stream: true };

const sseFixtures = readdirSync(path.join(ROOT, 'provider-stream')).filter((f) => f.endsWith('.sse'));
const readSse = (f: string): Buffer => readFileSync(path.join(ROOT, 'provider-stream', f));

function decodeAll(bytes: Uint8Array): Json[] {
  const dec = provider.stream(target);
  return [...dec.push(bytes), ...dec.end()];
}

function sseEvents(text: string): { event: string | undefined; data: AnyJson }[] {
  const dec = new SseDecoder();
  return [...dec.push(Buffer.from(text)), ...dec.end()].map((e) => ({
    event: e.event,
    data: JSON.parse(e.data),
  }));
}

/**
 * Accumulates Anthropic stream events the way @anthropic-ai/sdk's MessageStream does, and asserts the
 * ordering rules it relies on. Returns the message (tool inputs parsed from the concatenated JSON).
 */
function accumulateAnthropic(text: string): AnyJson {
  const events = sseEvents(text);
  let message: AnyJson;
  const open = new Set<number>();
  const json = new Map<number, string>();
  for (const [i, { event, data }] of events.entries()) {
    assert.equal(event, data.type, 'the SSE event name is the data type');
    if (data.type === 'error') throw new Error(`error event: ${data.error.type}`);
    if (i === 0) assert.equal(data.type, 'message_start', 'message_start comes first');
    switch (data.type) {
      case 'message_start':
        assert.equal(i, 0, 'one message_start');
        message = structuredClone(data.message);
        break;
      case 'content_block_start':
        assert.equal(data.index, message.content.length, 'blocks are numbered in order');
        message.content.push(structuredClone(data.content_block));
        open.add(data.index);
        break;
      case 'content_block_delta': {
        assert.ok(open.has(data.index), 'delta for an open block');
        const block = message.content[data.index];
        const d = data.delta;
        if (d.type === 'text_delta') {
          assert.equal(block.type, 'text');
          block.text += d.text;
        } else if (d.type === 'thinking_delta') {
          assert.equal(block.type, 'thinking');
          block.thinking += d.thinking;
        } else if (d.type === 'signature_delta') block.signature = d.signature;
        else if (d.type === 'input_json_delta') {
          assert.equal(block.type, 'tool_use');
          json.set(data.index, (json.get(data.index) ?? '') + d.partial_json);
        } else assert.fail(`unexpected delta ${d.type}`);
        break;
      }
      case 'content_block_stop':
        assert.ok(open.delete(data.index), 'stop for an open block');
        break;
      case 'message_delta':
        message.stop_reason = data.delta.stop_reason;
        message.stop_sequence = data.delta.stop_sequence;
        for (const [k, v] of Object.entries(data.usage))
          if (v !== null && v !== undefined) message.usage[k] = v;
        break;
      case 'message_stop':
        assert.equal(i, events.length - 1, 'message_stop comes last');
        assert.equal(open.size, 0, 'every block was stopped');
        break;
      case 'ping':
        break;
      default:
        assert.fail(`unexpected event ${data.type}`);
    }
  }
  for (const [index, text] of json) message.content[index].input = text === '' ? {} : JSON.parse(text);
  return message;
}

/** A plain OpenAI chunk accumulator (the SDK's helper keeps only the last reasoning_content fragment). */
function accumulateOpenAI(chunks: readonly Json[]): Json {
  let content: string | null = null;
  let reasoning: string | undefined;
  const calls: AnyJson[] = [];
  let finish: unknown = null;
  let usage: unknown;
  let head: Json = {};
  for (const c of chunks as AnyJson[]) {
    if (c.id !== undefined && head.id === undefined) head = { id: c.id, model: c.model };
    if (c.usage) usage = c.usage;
    const choice = c.choices?.[0];
    if (!choice) continue;
    const d = choice.delta ?? {};
    if (d.content) content = (content ?? '') + d.content;
    if (d.reasoning_content) reasoning = (reasoning ?? '') + d.reasoning_content;
    for (const t of d.tool_calls ?? []) {
      const call = (calls[t.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } });
      if (t.id) call.id = t.id;
      if (t.function?.name) call.function.name = t.function.name;
      if (t.function?.arguments) call.function.arguments += t.function.arguments;
    }
    if (choice.finish_reason) finish = choice.finish_reason;
  }
  const message: Json = { role: 'assistant', content };
  if (reasoning !== undefined) message.reasoning_content = reasoning;
  if (calls.length > 0) message.tool_calls = calls;
  const completion: Json = {
    ...head,
    object: 'chat.completion',
    choices: [{ index: 0, message, finish_reason: finish }],
  };
  if (usage !== undefined) completion.usage = usage;
  return completion;
}

function ndjson(chunks: readonly Json[]): ReadableStream<Uint8Array> {
  const body = chunks.map((c) => JSON.stringify(c) + '\n').join('');
  return new Response(body).body as ReadableStream<Uint8Array>;
}

/** Tool calls as [id, name, parsed arguments], to compare regardless of how the JSON text was split. */
function toolCalls(calls: AnyJson[] | undefined): string {
  return JSON.stringify(
    (calls ?? []).map((t: AnyJson): unknown[] => [
      String(t.id),
      String(t.function.name),
      JSON.parse(String(t.function.arguments)) as unknown,
    ]),
  );
}

const complete = (f: string): boolean => !/^(error|truncated|malformed)/.test(f);

describe('provider decoder output, consumed by the OpenAI SDK', () => {
  for (const file of sseFixtures.filter(complete)) {
    it(`${file}: ChatCompletionStream gives the non-streaming completion`, async () => {
      const bytes = readSse(file);
      const final: AnyJson = await ChatCompletionStream.fromReadableStream(
        ndjson(decodeAll(bytes)),
      ).finalChatCompletion();
      const expected: AnyJson = provider.response(accumulateAnthropic(bytes.toString('utf8')), target);
      const got = final.choices[0];
      const want = expected.choices[0];
      assert.equal(got.finish_reason, want.finish_reason);
      assert.equal(got.message.content, want.message.content);
      assert.deepEqual(toolCalls(got.message.tool_calls), toolCalls(want.message.tool_calls));
      assert.deepEqual(final.usage, expected.usage);
      assert.equal(final.id, expected.id);
      assert.equal(final.model, expected.model);
    });
  }

  it('an OpenAI-style in-band error chunk is what the OpenAI SDK raises as an APIError', async () => {
    // The shape the Anthropic client encoder also accepts: callers can forward one error form everywhere.
    const sse = 'data: {"error":{"message":"Overloaded","type":"api_error","code":"overloaded_error"}}\n\n';
    const stream = Stream.fromSSEResponse<Json>(new Response(sse), new AbortController());
    await assert.rejects(
      (async () => {
        for await (const _ of stream) assert.fail('no chunk expected');
      })(),
      (err: unknown) => err instanceof APIError && /Overloaded/.test(err.message),
    );
  });
});

describe('mid-stream errors: Anthropic upstream → Anthropic client', () => {
  it('the decoder error, pushed to the encoder as an error chunk, keeps overloaded_error', () => {
    const dec = provider.stream(target);
    const enc = anthropicClient.stream();
    let text = enc.push(dec.push(readSse('error-overloaded.sse')));
    try {
      dec.end();
      assert.fail('the decoder must throw');
    } catch (e) {
      if (!(e instanceof TranslationError)) throw e;
      text += enc.push([{ error: { message: e.message, type: e.type, code: null, status: e.status } }]);
    }
    text += enc.end();
    const events = sseEvents(text);
    assert.deepEqual(events.at(-1), {
      event: 'error',
      data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
    });
    assert.deepEqual(
      events.map((e) => e.event),
      ['message_start', 'content_block_start', 'content_block_delta', 'error'],
    );
  });
});

describe('client encoder output, consumed like the Anthropic SDK', () => {
  const dir = path.join(ROOT, 'client-stream');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.in.json') && !f.startsWith('error'))) {
    it(`${file}: MessageStream rules hold and the message equals the non-streaming one`, () => {
      const chunks: Json[] = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
      const enc = anthropicClient.stream();
      const message: AnyJson = accumulateAnthropic(enc.push(chunks) + enc.end());
      const expected: AnyJson = anthropicClient.response(accumulateOpenAI(chunks));
      assert.deepEqual(message.content, expected.content);
      if (chunks.length > 0) assert.equal(message.stop_reason, expected.stop_reason);
      const usage = (chunks as AnyJson[]).some((c) => c.usage)
        ? expected.usage
        : { input_tokens: 0, output_tokens: 0 };
      assert.deepEqual(message.usage, usage);
      assert.equal(message.id, expected.id);
    });
  }

  it('an error chunk becomes an error event and nothing follows it', () => {
    const enc = anthropicClient.stream();
    const text = enc.push([{ id: 'x', model: 'm', choices: [{ index: 0, delta: { content: 'a' } }] }]);
    const err = enc.push([{ error: { message: 'boom', type: 'rate_limit_error', code: null } }]);
    assert.match(text, /^event: message_start\n/);
    assert.deepEqual(sseEvents(err), [
      { event: 'error', data: { type: 'error', error: { type: 'rate_limit_error', message: 'boom' } } },
    ]);
    assert.equal(enc.push([{ choices: [{ index: 0, delta: { content: 'b' } }] }]) + enc.end(), '');
  });
});

describe('round trip: Anthropic SSE → OpenAI chunks → Anthropic SSE', () => {
  for (const file of sseFixtures.filter(complete)) {
    it(file, () => {
      const bytes = readSse(file);
      const original: AnyJson = accumulateAnthropic(bytes.toString('utf8'));
      const enc = anthropicClient.stream();
      const again: AnyJson = accumulateAnthropic(enc.push(decodeAll(bytes)) + enc.end());
      const strip = (blocks: AnyJson[]): AnyJson[] =>
        blocks
          .filter((b) => b.type !== 'text' || b.text !== '')
          .map((b): unknown => (b.type === 'thinking' ? { type: 'thinking', thinking: b.thinking } : b));
      assert.deepEqual(strip(again.content), strip(original.content));
      const sameReason: Record<string, string> = { stop_sequence: 'end_turn' };
      assert.equal(again.stop_reason, sameReason[original.stop_reason] ?? original.stop_reason);
      const u = original.usage;
      assert.equal(again.usage.input_tokens, u.input_tokens);
      assert.equal(again.usage.output_tokens, u.output_tokens);
      assert.equal(again.usage.cache_read_input_tokens ?? 0, u.cache_read_input_tokens ?? 0);
      assert.equal(again.usage.cache_creation_input_tokens ?? 0, u.cache_creation_input_tokens ?? 0);
      assert.equal(again.id, original.id);
      assert.equal(again.model, original.model);
    });
  }
});

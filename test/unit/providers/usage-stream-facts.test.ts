import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import type { SseEvent } from '../../../src/streaming/sse-decoder.js';
import type { ResponseFacts } from '../../../src/providers/usage.js';
import { StreamFactsAccumulator } from '../../../src/providers/usage.js';
import { NO_FACTS, accumulate, byteByByte, eventsOf, sized, streamFacts, whole } from './usage-fixtures.js';

describe('StreamFactsAccumulator: fixtures, whole vs byte by byte', () => {
  const cases: { provider: string; file: string; want: ResponseFacts }[] = [
    {
      provider: 'openai',
      file: 'openai-stream-usage.sse',
      want: {
        usage: { promptTokens: 31, completionTokens: 15, cachedInputTokens: 12, reasoningTokens: 4 },
        responseModel: 'gpt-4o-mini-2024-07-18',
        finishReasons: ['stop'],
        isToolCall: false,
      },
    },
    {
      provider: 'azure_openai',
      file: 'azure-stream.sse',
      want: {
        usage: { promptTokens: 22, completionTokens: 7, cachedInputTokens: 0, reasoningTokens: 0 },
        responseModel: 'gpt-4o-2024-11-20',
        finishReasons: ['stop'],
        isToolCall: false,
      },
    },
    {
      provider: 'openai',
      file: 'openai-stream-tool-crlf.sse',
      want: {
        usage: { promptTokens: 80, completionTokens: 17 },
        responseModel: 'gpt-4.1-2025-04-14',
        finishReasons: ['tool_calls'],
        isToolCall: true,
      },
    },
    {
      provider: 'openai',
      file: 'openai-stream-utf8.sse',
      want: {
        usage: { promptTokens: 19, completionTokens: 42 },
        responseModel: 'gpt-4o-2024-08-06',
        // choice 1 finished first; reasons are reported in choice-index order
        finishReasons: ['stop', 'length'],
        isToolCall: false,
      },
    },
    {
      provider: 'anthropic',
      file: 'anthropic-stream.sse',
      want: {
        usage: {
          promptTokens: 25,
          completionTokens: 17,
          cachedInputTokens: 2048,
          cacheCreationInputTokens: 100,
        },
        responseModel: 'claude-sonnet-4-5-20250929',
        finishReasons: ['end_turn'],
        isToolCall: false,
      },
    },
    {
      provider: 'anthropic',
      file: 'anthropic-stream-tool.sse',
      want: {
        usage: { promptTokens: 412, completionTokens: 38 },
        responseModel: 'claude-haiku-4-5-20251001',
        finishReasons: ['tool_use'],
        isToolCall: true,
      },
    },
    {
      provider: 'gemini',
      file: 'gemini-stream.sse',
      want: {
        // cumulative usageMetadata: the last chunk's, not the sum (85 / 65)
        usage: { promptTokens: 17, completionTokens: 25 },
        responseModel: 'gemini-2.0-flash-001',
        finishReasons: ['STOP'],
        isToolCall: false,
      },
    },
    {
      provider: 'vertex-ai',
      file: 'vertex-stream.sse',
      want: {
        usage: { promptTokens: 44, completionTokens: 21, cachedInputTokens: 32, reasoningTokens: 32 },
        responseModel: 'gemini-2.5-flash',
        finishReasons: ['STOP'],
        isToolCall: false,
      },
    },
    {
      provider: 'gemini',
      file: 'gemini-stream-function-call.sse',
      want: {
        usage: { promptTokens: 30, completionTokens: 8 },
        responseModel: 'gemini-2.0-flash-001',
        finishReasons: ['STOP'],
        isToolCall: true,
      },
    },
  ];

  for (const c of cases) {
    it(`${c.provider} ${c.file}`, () => {
      const a = streamFacts(c.provider, c.file, whole);
      assert.deepEqual(a.facts, c.want);
      assert.equal(a.done, true);
      assert.equal(a.invalid, 0);
      for (const chunker of [byteByByte, sized(3), sized(64), sized(1000)]) {
        const b = streamFacts(c.provider, c.file, chunker);
        assert.deepEqual(b, a);
      }
    });
  }

  it('done is false until the provider’s end marker', () => {
    for (const c of cases) {
      const evs = eventsOf(c.file);
      const acc = accumulate(c.provider, evs.slice(0, -1));
      assert.equal(acc.done, false, c.file);
      acc.onEvent(evs.at(-1) as SseEvent);
      assert.equal(acc.done, true, c.file);
    }
  });
});

describe('StreamFactsAccumulator: OpenAI', () => {
  const chunk = (o: Record<string, unknown>): SseEvent => ({ data: JSON.stringify(o) });

  it('usage comes only from the final usage chunk; a stream without it has no usage', () => {
    const evs = eventsOf('openai-stream-usage.sse');
    const noUsage = evs.filter((e) => !e.data.includes('"prompt_tokens"'));
    assert.equal(noUsage.length, evs.length - 1);
    const facts = accumulate('openai', noUsage).facts;
    assert.equal(facts.usage, undefined);
    assert.deepEqual(facts.finishReasons, ['stop']);
  });

  it('pretty-printed chunks (whitespace around colons) give the same facts', () => {
    const evs = eventsOf('openai-stream-tool-crlf.sse').map((e) =>
      e.data === '[DONE]' ? e : { data: JSON.stringify(JSON.parse(e.data), null, 2).replaceAll(':', ' : ') },
    );
    assert.deepEqual(
      accumulate('openai', evs).facts,
      streamFacts('openai', 'openai-stream-tool-crlf.sse').facts,
    );
  });

  it('tool call from delta.tool_calls alone', () => {
    const acc = accumulate('openai', [
      chunk({ model: 'm', choices: [{ index: 0, delta: { role: 'assistant' }, finish_reason: null }] }),
      chunk({
        model: 'm',
        choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'c' }] }, finish_reason: null }],
      }),
      chunk({ model: 'm', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }),
    ]);
    assert.equal(acc.facts.isToolCall, true);
  });

  it('the model comes from the first chunk that has one (Azure sends "" first)', () => {
    const acc = accumulate('azure_openai', [
      chunk({ model: '', choices: [] }),
      chunk({ model: 'first', choices: [] }),
      chunk({ model: 'second', choices: [] }),
    ]);
    assert.equal(acc.facts.responseModel, 'first');
  });
});

describe('StreamFactsAccumulator: Anthropic', () => {
  const ev = (o: Record<string, unknown>, withName = true): SseEvent =>
    withName && typeof o.type === 'string'
      ? { event: o.type, data: JSON.stringify(o) }
      : { data: JSON.stringify(o) };

  it('message_start gives input tokens and model; message_delta output tokens (last wins)', () => {
    const events = [
      {
        type: 'message_start',
        message: { model: 'claude-x', usage: { input_tokens: 50, output_tokens: 1 } },
      },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } },
      { type: 'message_delta', delta: { stop_reason: 'max_tokens' }, usage: { output_tokens: 7 } },
      { type: 'message_delta', delta: {}, usage: { output_tokens: 9 } },
      { type: 'message_stop' },
    ];
    for (const withName of [true, false]) {
      const acc = accumulate(
        'anthropic',
        events.map((e) => ev(e, withName)),
      );
      assert.deepEqual(acc.facts, {
        usage: { promptTokens: 50, completionTokens: 9 },
        responseModel: 'claude-x',
        finishReasons: ['max_tokens'],
        isToolCall: false,
      });
      assert.equal(acc.done, true);
    }
  });

  it('input_tokens and cache fields in message_delta override message_start', () => {
    const acc = accumulate('anthropic', [
      ev({ type: 'message_start', message: { model: 'c', usage: { input_tokens: 10, output_tokens: 1 } } }),
      ev({
        type: 'message_delta',
        delta: { stop_reason: 'end_turn' },
        usage: { input_tokens: 61, output_tokens: 2, cache_read_input_tokens: 5 },
      }),
    ]);
    assert.deepEqual(acc.facts.usage, { promptTokens: 61, completionTokens: 2, cachedInputTokens: 5 });
  });

  it('tool_use plus streamed text is not a pure tool call', () => {
    const acc = accumulate('anthropic', [
      ev({ type: 'message_start', message: { model: 'c', usage: { input_tokens: 1 } } }),
      ev({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
      ev({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Let me look.' } }),
      ev({
        type: 'content_block_start',
        index: 1,
        content_block: { type: 'tool_use', id: 't', name: 'f', input: {} },
      }),
      ev({ type: 'message_stop' }),
    ]);
    assert.equal(acc.facts.isToolCall, false);
  });

  it('the fixture gives the same facts without `event:` names', () => {
    const stripped = eventsOf('anthropic-stream.sse').map((e) => ({ data: e.data }));
    assert.deepEqual(
      accumulate('anthropic', stripped).facts,
      streamFacts('anthropic', 'anthropic-stream.sse').facts,
    );
    const toolStripped = eventsOf('anthropic-stream-tool.sse').map((e) => ({ data: e.data }));
    assert.deepEqual(
      accumulate('anthropic', toolStripped).facts,
      streamFacts('anthropic', 'anthropic-stream-tool.sse').facts,
    );
  });

  it('an error event gives no usage', () => {
    const acc = accumulate('anthropic', [
      { event: 'error', data: '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}' },
    ]);
    assert.deepEqual(acc.facts, NO_FACTS);
    assert.equal(acc.done, false);
  });
});

describe('StreamFactsAccumulator: Gemini / Vertex AI', () => {
  const chunk = (prompt: number, cands: number, finish?: string): SseEvent => ({
    data: JSON.stringify({
      candidates: [
        { content: { parts: [{ text: 'x' }] }, ...(finish === undefined ? {} : { finishReason: finish }) },
      ],
      usageMetadata: {
        promptTokenCount: prompt,
        candidatesTokenCount: cands,
        totalTokenCount: prompt + cands,
      },
      modelVersion: 'gemini-test',
    }),
  });

  it('takes the last usageMetadata, never the sum', () => {
    const acc = accumulate('gemini', [chunk(20, 2), chunk(20, 9), chunk(20, 15, 'STOP')]);
    assert.deepEqual(acc.facts.usage, { promptTokens: 20, completionTokens: 15 });
    assert.equal(acc.done, true);
  });

  it('an empty usageMetadata (Vertex) does not erase earlier counts', () => {
    const acc = accumulate('vertex-ai', [chunk(20, 2), { data: '{"candidates":[],"usageMetadata":{}}' }]);
    assert.deepEqual(acc.facts.usage, { promptTokens: 20, completionTokens: 2 });
    assert.equal(acc.done, false);
  });

  it('finish reasons per candidate index', () => {
    const acc = accumulate('gemini', [
      {
        data: JSON.stringify({
          candidates: [
            { index: 1, finishReason: 'MAX_TOKENS', content: { parts: [{ text: 'b' }] } },
            { index: 0, finishReason: 'STOP', content: { parts: [{ text: 'a' }] } },
          ],
        }),
      },
    ]);
    assert.deepEqual(acc.facts.finishReasons, ['STOP', 'MAX_TOKENS']);
  });
});

describe('StreamFactsAccumulator: robustness', () => {
  for (const provider of ['openai', 'azure_openai', 'anthropic', 'gemini', 'vertex-ai']) {
    it(`${provider}: invalid JSON events are counted and skipped`, () => {
      const acc = new StreamFactsAccumulator(provider);
      const bad: SseEvent[] = [
        { data: "ha this isn't json!" },
        { data: '{"broken":' },
        { data: '[1,2,3]' },
        { data: '' },
        { data: '{"a":1}}' },
      ];
      for (const ev of bad) assert.doesNotThrow(() => acc.onEvent(ev));
      assert.equal(acc.invalidEvents, bad.length);
      assert.deepEqual(acc.facts, NO_FACTS);
      // Valid but odd shapes are not invalid and do not throw.
      for (const data of [
        '{}',
        '{"choices":null,"usage":[],"candidates":{},"type":5}',
        '{"type":"message_start"}',
      ]) {
        acc.onEvent({ data });
      }
      assert.equal(acc.invalidEvents, bad.length);
    });
  }

  it('facts is a fresh snapshot', () => {
    const acc = accumulate('openai', eventsOf('openai-stream-usage.sse'));
    const f = acc.facts;
    f.finishReasons.push('mutated');
    if (f.usage !== undefined) f.usage.promptTokens = -1;
    assert.deepEqual(acc.facts.finishReasons, ['stop']);
    assert.equal(acc.facts.usage?.promptTokens, 31);
  });
});

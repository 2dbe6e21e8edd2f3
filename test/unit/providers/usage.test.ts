import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { SseEvent } from '../../../src/streaming/sse-decoder.js';
import { SseDecoder } from '../../../src/streaming/sse-decoder.js';
import type { ResponseFacts } from '../../../src/providers/usage.js';
import { StreamFactsAccumulator, parseResponseFacts, providerFamily } from '../../../src/providers/usage.js';

const FIXTURES = path.resolve('test/fixtures/providers');
const bytes = (name: string): Buffer => readFileSync(path.join(FIXTURES, name));
const json = (name: string): unknown => JSON.parse(bytes(name).toString('utf8'));

type Chunker = (b: Buffer) => Iterable<Uint8Array>;
const whole: Chunker = (b) => [b];
const byteByByte: Chunker = function* (b) {
  for (let i = 0; i < b.length; i++) yield b.subarray(i, i + 1);
};
const sized = (n: number): Chunker =>
  function* (b) {
    for (let i = 0; i < b.length; i += n) yield b.subarray(i, i + n);
  };

interface StreamResult {
  facts: ResponseFacts;
  done: boolean;
  invalid: number;
  events: number;
}

function streamFacts(provider: string, file: string, chunker: Chunker = whole): StreamResult {
  const dec = new SseDecoder();
  const acc = new StreamFactsAccumulator(provider);
  let events = 0;
  const feed = (evs: SseEvent[]): void => {
    for (const ev of evs) {
      events++;
      acc.onEvent(ev);
    }
  };
  for (const c of chunker(bytes(file))) feed(dec.push(c));
  feed(dec.end());
  return { facts: acc.facts, done: acc.done, invalid: acc.invalidEvents, events };
}

function eventsOf(file: string): SseEvent[] {
  const dec = new SseDecoder();
  return [...dec.push(bytes(file)), ...dec.end()];
}

function accumulate(provider: string, events: Iterable<SseEvent>): StreamFactsAccumulator {
  const acc = new StreamFactsAccumulator(provider);
  for (const ev of events) acc.onEvent(ev);
  return acc;
}

const NO_FACTS: ResponseFacts = { finishReasons: [], isToolCall: false };

describe('providerFamily', () => {
  it('maps the kgateway provider ids; anything else is OpenAI-compatible', () => {
    assert.equal(providerFamily('openai'), 'openai');
    assert.equal(providerFamily('azure_openai'), 'openai');
    assert.equal(providerFamily('anthropic'), 'anthropic');
    assert.equal(providerFamily('gemini'), 'gemini');
    assert.equal(providerFamily('vertex-ai'), 'gemini');
    for (const p of ['', 'mistral', 'deepseek', 'vertex_ai', 'Anthropic'])
      assert.equal(providerFamily(p), 'openai');
  });
});

describe('parseResponseFacts: OpenAI / Azure', () => {
  it('reads usage with cached and reasoning tokens, the model and finish reason', () => {
    assert.deepEqual(parseResponseFacts('openai', json('openai-chat.json')), {
      usage: { promptTokens: 1200, completionTokens: 310, cachedInputTokens: 1024, reasoningTokens: 256 },
      responseModel: 'o4-mini-2025-04-16',
      finishReasons: ['stop'],
      isToolCall: false,
    });
  });

  it('multi-choice: one finish reason per choice, in order; no detail keys when absent', () => {
    assert.deepEqual(parseResponseFacts('openai', json('openai-multi-choice.json')), {
      usage: { promptTokens: 14, completionTokens: 9 },
      responseModel: 'gpt-4o-mini-2024-07-18',
      finishReasons: ['stop', 'length', 'stop'],
      isToolCall: false,
    });
  });

  it('tool call: finish_reason tool_calls, or a message with tool_calls / function_call', () => {
    assert.deepEqual(parseResponseFacts('openai', json('openai-tool-call.json')), {
      usage: { promptTokens: 85, completionTokens: 18, cachedInputTokens: 0, reasoningTokens: 0 },
      responseModel: 'gpt-4.1-2025-04-14',
      finishReasons: ['tool_calls'],
      isToolCall: true,
    });
    const msgOnly = {
      choices: [
        {
          message: { tool_calls: [{ id: 'c', type: 'function', function: { name: 'f' } }] },
          finish_reason: 'stop',
        },
      ],
    };
    assert.equal(parseResponseFacts('openai', msgOnly).isToolCall, true);
    const legacy = {
      choices: [
        { message: { function_call: { name: 'f', arguments: '{}' } }, finish_reason: 'function_call' },
      ],
    };
    assert.equal(parseResponseFacts('openai', legacy).isToolCall, true);
    const emptyCalls = { choices: [{ message: { content: 'hi', tool_calls: [] }, finish_reason: 'stop' }] };
    assert.equal(parseResponseFacts('openai', emptyCalls).isToolCall, false);
  });

  it('azure_openai and unknown providers use the OpenAI shape', () => {
    const want: ResponseFacts = {
      usage: { promptTokens: 30, completionTokens: 5, cachedInputTokens: 0, reasoningTokens: 0 },
      responseModel: 'gpt-4o-2024-11-20',
      finishReasons: ['stop'],
      isToolCall: false,
    };
    assert.deepEqual(parseResponseFacts('azure_openai', json('azure-chat.json')), want);
    assert.deepEqual(parseResponseFacts('some-other-provider', json('azure-chat.json')), want);
  });

  it('Responses-API style usage (input_tokens/output_tokens) is accepted as a fallback', () => {
    const body = {
      model: 'gpt-4.1',
      usage: {
        input_tokens: 10,
        output_tokens: 4,
        input_tokens_details: { cached_tokens: 2 },
        output_tokens_details: { reasoning_tokens: 1 },
      },
    };
    assert.deepEqual(parseResponseFacts('openai', body).usage, {
      promptTokens: 10,
      completionTokens: 4,
      cachedInputTokens: 2,
      reasoningTokens: 1,
    });
  });

  it('an error body gives no usage', () => {
    assert.deepEqual(parseResponseFacts('openai', json('openai-error.json')), NO_FACTS);
    assert.deepEqual(parseResponseFacts('azure_openai', json('openai-error.json')), NO_FACTS);
  });
});

describe('parseResponseFacts: Anthropic', () => {
  it('text response', () => {
    assert.deepEqual(parseResponseFacts('anthropic', json('anthropic-text.json')), {
      usage: { promptTokens: 21, completionTokens: 12, cachedInputTokens: 0, cacheCreationInputTokens: 0 },
      responseModel: 'claude-sonnet-4-5-20250929',
      finishReasons: ['end_turn'],
      isToolCall: false,
    });
  });

  it('tool_use only is a tool call', () => {
    assert.deepEqual(parseResponseFacts('anthropic', json('anthropic-tool-use.json')), {
      usage: {
        promptTokens: 380,
        completionTokens: 40,
        cachedInputTokens: 0,
        cacheCreationInputTokens: 1500,
      },
      responseModel: 'claude-haiku-4-5-20251001',
      finishReasons: ['tool_use'],
      isToolCall: true,
    });
  });

  it('text + tool_use is not a (pure) tool call; thinking blocks are not text', () => {
    assert.deepEqual(parseResponseFacts('anthropic', json('anthropic-mixed.json')), {
      usage: {
        promptTokens: 512,
        completionTokens: 77,
        cachedInputTokens: 4096,
        cacheCreationInputTokens: 0,
      },
      responseModel: 'claude-opus-4-1-20250805',
      finishReasons: ['tool_use'],
      isToolCall: false,
    });
    const thinkingAndTool = {
      content: [
        { type: 'thinking', thinking: 'hmm' },
        { type: 'text', text: '  \n' },
        { type: 'tool_use', id: 't', name: 'f', input: {} },
      ],
    };
    assert.equal(parseResponseFacts('anthropic', thinkingAndTool).isToolCall, true);
  });

  it('error body gives no usage; missing input_tokens count as 0', () => {
    assert.deepEqual(parseResponseFacts('anthropic', json('anthropic-error.json')), NO_FACTS);
    assert.deepEqual(parseResponseFacts('anthropic', { usage: { output_tokens: 3 } }).usage, {
      promptTokens: 0,
      completionTokens: 3,
    });
  });
});

describe('parseResponseFacts: Gemini / Vertex AI', () => {
  it('Gemini usageMetadata incl. cached and thoughts tokens', () => {
    assert.deepEqual(parseResponseFacts('gemini', json('gemini.json')), {
      usage: { promptTokens: 12, completionTokens: 11, cachedInputTokens: 8, reasoningTokens: 34 },
      responseModel: 'gemini-2.5-pro',
      finishReasons: ['STOP'],
      isToolCall: false,
    });
  });

  it('Vertex AI', () => {
    assert.deepEqual(parseResponseFacts('vertex-ai', json('vertex.json')), {
      usage: { promptTokens: 9, completionTokens: 6 },
      responseModel: 'gemini-1.5-flash-002',
      finishReasons: ['STOP'],
      isToolCall: false,
    });
  });

  it('functionCall without text is a tool call (thought parts are not text); with text it is not', () => {
    const facts = parseResponseFacts('gemini', json('gemini-function-call.json'));
    assert.equal(facts.isToolCall, true);
    assert.deepEqual(facts.usage, { promptTokens: 30, completionTokens: 8 });
    const withText = {
      candidates: [
        { content: { parts: [{ text: 'Calling it.' }, { functionCall: { name: 'f', args: {} } }] } },
      ],
    };
    assert.equal(parseResponseFacts('vertex-ai', withText).isToolCall, false);
  });

  it('a JSON-array body (REST streaming) is folded, usage taken from the last element', () => {
    const arr = [
      {
        candidates: [{ content: { parts: [{ text: 'a' }] } }],
        usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 1 },
        modelVersion: 'g',
      },
      {
        candidates: [{ content: { parts: [{ text: 'b' }] }, finishReason: 'STOP' }],
        usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 2 },
      },
    ];
    assert.deepEqual(parseResponseFacts('gemini', arr), {
      usage: { promptTokens: 5, completionTokens: 2 },
      responseModel: 'g',
      finishReasons: ['STOP'],
      isToolCall: false,
    });
  });

  it('error body and empty usageMetadata give no usage', () => {
    assert.deepEqual(parseResponseFacts('gemini', json('gemini-error.json')), NO_FACTS);
    assert.deepEqual(parseResponseFacts('vertex-ai', json('gemini-error.json')), NO_FACTS);
    assert.equal(parseResponseFacts('vertex-ai', { usageMetadata: {} }).usage, undefined);
  });
});

describe('parseResponseFacts: garbage shapes never throw', () => {
  const garbage: unknown[] = [
    null,
    undefined,
    0,
    42,
    'str',
    true,
    [],
    [1, 'x', null, [{}]],
    {},
    { usage: 'x', usageMetadata: 7, model: 5, modelVersion: {}, stop_reason: [] },
    { usage: { prompt_tokens: 'x', completion_tokens: null, input_tokens: -1, output_tokens: Number.NaN } },
    { usage: { prompt_tokens: 1, prompt_tokens_details: 'x', completion_tokens_details: [1] } },
    { choices: 'x', content: 'x', candidates: 'x' },
    {
      choices: [
        null,
        1,
        'x',
        { message: 5, finish_reason: 7, delta: null },
        { message: { tool_calls: 'x' } },
      ],
    },
    { content: [null, 3, { type: 7 }, { type: 'text', text: 5 }] },
    {
      candidates: [
        null,
        { content: { parts: 'x' } },
        { content: { parts: [null, { functionCall: 'x', text: 1 }] } },
      ],
    },
    { usageMetadata: { promptTokenCount: -1, candidatesTokenCount: Number.POSITIVE_INFINITY } },
    { error: { code: 500 } },
    { error: 'boom', type: 'error' },
  ];
  for (const provider of ['openai', 'azure_openai', 'anthropic', 'gemini', 'vertex-ai', 'x']) {
    it(`${provider}`, () => {
      for (const body of garbage) {
        const facts = parseResponseFacts(provider, body);
        assert.ok(Array.isArray(facts.finishReasons));
        assert.ok(facts.finishReasons.every((r) => typeof r === 'string'));
        assert.equal(typeof facts.isToolCall, 'boolean');
        if (facts.usage !== undefined) {
          for (const v of Object.values(facts.usage)) assert.ok(Number.isFinite(v) && v >= 0);
        }
        if (facts.responseModel !== undefined) assert.equal(typeof facts.responseModel, 'string');
      }
      const partial = parseResponseFacts(provider, {
        usage: { prompt_tokens: 1, prompt_tokens_details: 'x', completion_tokens_details: [1] },
      });
      if (providerFamily(provider) === 'openai')
        assert.deepEqual(partial.usage, { promptTokens: 1, completionTokens: 0 });
    });
  }
});

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

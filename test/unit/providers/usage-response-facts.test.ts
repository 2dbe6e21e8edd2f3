import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import type { ResponseFacts } from '../../../src/providers/usage.js';
import { parseResponseFacts, providerFamily } from '../../../src/providers/usage.js';
import { NO_FACTS, json } from './usage-fixtures.js';

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

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';

import { encode as gptEncode } from 'gpt-tokenizer/encoding/cl100k_base';
// tiktoken (WASM) is imported here only, as the parity oracle for cl100k_base.
import { get_encoding } from 'tiktoken';

import { countTokensExact } from '../../../src/tokens/cl100k-fallback.js';
import {
  estimatePromptTokens,
  MAX_DEPTH,
  numTokensFromMessages,
} from '../../../src/tokens/prompt-estimate.js';
import { countTokens, LONG_RUN, OWN_COUNT_LOOP, warmTokenizer } from '../../../src/tokens/tokenizer.js';

const tiktoken = get_encoding('cl100k_base');
after(() => tiktoken.free());

/** tiktoken with allowed = disallowed = []: special-token text is encoded as plain text. */
const oracle = (s: string): number => tiktoken.encode(s, [], []).length;

const fixture = readFileSync(path.resolve('test/fixtures/tokens/multilingual.txt'), 'utf8');

// Public test vectors from kgateway's token_count_cases.json
// (kgateway python/ai_extension test_token_count.py): input message list -> expected count.
const KGATEWAY_VECTORS: { name: string; messages: unknown[]; expected: number }[] = [
  { name: 'empty dict', messages: [{}], expected: 6 },
  { name: 'single user message', messages: [{ role: 'user', content: 'Hello, world!' }], expected: 13 },
  {
    name: 'tool call dict',
    messages: [
      {
        id: 'call_b0BUgjUoOPkXRseHdkeZm7xL',
        function: { arguments: '{"location": "San Francisco, CA"}', name: 'get_current_weather' },
        type: 'function',
      },
    ],
    expected: 45,
  },
  {
    name: 'three messages with name',
    messages: [
      { role: 'user', content: 'Hello, how are you?' },
      { role: 'system', name: 'Claude', content: "I'm doing well, thank you for asking!" },
      { role: 'user', content: 'Here are my favorite colors: blue green red' },
    ],
    expected: 50,
  },
  {
    name: 'complex',
    messages: [
      { role: 'user', content: 'Hello, how are you?' },
      { role: 'assistant', name: 'Claude', content: "I'm doing well, thank you for asking!" },
      {
        role: 'assistant',
        content: null,
        function_call: { name: 'get_weather', arguments: '{"location": "New York", "unit": "celsius"}' },
      },
      { role: 'user', content: 'Here are my favorite colors:', colors: ['red', 'blue', 'green'] },
      {
        role: 'assistant',
        content: "Here's a summary of your order:",
        order: {
          items: [
            { name: 'Widget', quantity: 5, price: 9.99 },
            { name: 'Gadget', quantity: 2, price: 15.5 },
          ],
          total: 80.95,
          shipping: {
            method: 'express',
            address: { street: '123 Main St', city: 'Anytown', country: 'USA' },
          },
        },
      },
      {},
      { timestamp: 1234567890, temperature: 22.5, is_sunny: true },
      {
        id: 'call_b0BUgjUoOPkXRseHdkeZm7xL',
        function: { arguments: '{"location": "San Francisco, CA"}', name: 'get_current_weather' },
        type: 'function',
      },
    ],
    expected: 172,
  },
];

describe('numTokensFromMessages: kgateway vectors', () => {
  for (const v of KGATEWAY_VECTORS) {
    it(`${v.name} = ${v.expected}`, () => {
      assert.equal(numTokensFromMessages(v.messages), v.expected);
      // Same vector through the OpenAI body path, and after a JSON round trip.
      const body: unknown = JSON.parse(JSON.stringify({ model: 'gpt-4o', messages: v.messages }));
      assert.equal(estimatePromptTokens(body, 'openai'), v.expected);
    });
  }
});

describe('estimatePromptTokens: provider field selection', () => {
  const hello = [{ role: 'user', content: 'Hello, world!' }]; // 13

  it('openai, azure_openai and unknown providers count messages', () => {
    for (const provider of ['openai', 'azure_openai', 'some-new-provider', '']) {
      assert.equal(
        estimatePromptTokens({ messages: hello, input: 'ignored', prompt: 'ignored' }, provider),
        13,
      );
    }
  });

  it('input string is iterated per character (3 + tokens each, + 3)', () => {
    assert.equal(estimatePromptTokens({ input: 'abc' }, 'openai'), 3 * (3 + 1) + 3);
    // Per code point, as Python iterates str: one astral emoji is one element, not two.
    assert.equal(estimatePromptTokens({ input: '😀' }, 'openai'), 3 + oracle('😀') + 3);
    assert.equal(estimatePromptTokens({ input: '' }, 'openai'), 3);
  });

  it('input list counts like messages; input wins over prompt', () => {
    assert.equal(
      estimatePromptTokens({ input: ['Hello, world!', 'hi'], prompt: 'x' }, 'openai'),
      3 + 4 + 3 + 1 + 3,
    );
    assert.equal(estimatePromptTokens({ input: hello }, 'azure_openai'), 13);
  });

  it('prompt string is iterated per character', () => {
    assert.equal(estimatePromptTokens({ prompt: 'hi' }, 'openai'), 2 * (3 + 1) + 3);
  });

  it('field presence decides: a null messages counts 0 and does not fall through', () => {
    assert.equal(estimatePromptTokens({ messages: null, input: 'abc' }, 'openai'), 0);
    assert.equal(estimatePromptTokens({ messages: [] }, 'openai'), 3);
  });

  it('a dict is iterated per key, like Python', () => {
    assert.equal(estimatePromptTokens({ input: { role: 'x', content: 'y' } }, 'openai'), 3 + 1 + 3 + 1 + 3);
  });

  it('anthropic counts messages and ignores the top-level system prompt', () => {
    const body = { system: 'You are a very long system prompt. '.repeat(50), messages: hello, max_tokens: 5 };
    assert.equal(estimatePromptTokens(body, 'anthropic'), 13);
    assert.equal(estimatePromptTokens({ system: 'only a system prompt' }, 'anthropic'), 0);
  });

  it('gemini and vertex-ai count contents[].parts[].text; missing text counts as ""', () => {
    const body = {
      contents: [
        {
          role: 'user',
          parts: [{ text: 'Hello, world!' }, { inline_data: { mime_type: 'image/png', data: 'AAAA' } }],
        },
        { role: 'model', parts: [{ text: 'Hi' }] },
      ],
      systemInstruction: { parts: [{ text: 'not counted' }] },
    };
    const expected = 3 + 4 + (3 + 0) + (3 + 1) + 3;
    assert.equal(estimatePromptTokens(body, 'gemini'), expected);
    assert.equal(estimatePromptTokens(body, 'vertex-ai'), expected);
    // OpenAI-style fields are not looked at for Gemini.
    assert.equal(estimatePromptTokens({ messages: hello }, 'gemini'), 0);
    assert.equal(estimatePromptTokens({ contents: [] }, 'gemini'), 3);
  });

  it('non-objects and bodies without any prompt field give 0', () => {
    for (const body of [null, undefined, 42, 'a string', true, [hello], {}]) {
      assert.equal(estimatePromptTokens(body, 'openai'), 0);
      assert.equal(estimatePromptTokens(body, 'anthropic'), 0);
      assert.equal(estimatePromptTokens(body, 'gemini'), 0);
    }
    assert.equal(estimatePromptTokens({ model: 'x', temperature: 0 }, 'openai'), 0);
    assert.equal(numTokensFromMessages(7), 0);
    assert.equal(numTokensFromMessages(null), 0);
  });

  it('numbers, booleans and null inside messages count 0', () => {
    assert.equal(numTokensFromMessages([{ n: 1 }]), 3 + 1 + 3);
    assert.equal(numTokensFromMessages([1, true, null, 2.5]), 4 * 3 + 3);
  });

  it('"name" keys add 1 at any depth', () => {
    const plain = numTokensFromMessages([{ a: { b: [{ nam: 'x' }] } }]);
    const named = numTokensFromMessages([{ a: { b: [{ name: 'x' }] } }]);
    assert.equal(named - plain, countTokens('name') - countTokens('nam') + 1);
  });

  it('a hostile deeply nested body neither throws nor counts below MAX_DEPTH', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    assert.equal(numTokensFromMessages([deep]), 3 + 3);
    let objects: unknown = { name: 'leaf' };
    for (let i = 0; i < 100_000; i++) objects = { k: objects };
    const n = estimatePromptTokens({ messages: [objects] }, 'openai');
    // Each counted level contributes the key "k" (1 token); nothing below MAX_DEPTH is counted.
    assert.equal(n, 3 + MAX_DEPTH * countTokens('k') + 3);
  });
});

describe('countTokens: cl100k_base parity with tiktoken', () => {
  it("runs its own counting loop over gpt-tokenizer's tables (the internals it relies on are there)", () => {
    assert.equal(OWN_COUNT_LOOP, true);
  });

  it('special-token text is plain text and does not throw', () => {
    const samples = [
      '<|endoftext|>',
      'Ignore previous instructions <|endoftext|><|im_start|>system',
      'def f():<|fim_prefix|>a<|fim_middle|>b<|fim_suffix|>',
      '<|endofprompt|><|im_end|><|im_sep|>',
      '<|endoftext',
      '|><|',
    ];
    for (const s of samples) {
      assert.equal(countTokens(s), oracle(s), JSON.stringify(s));
      // Not just the count: gpt-tokenizer with the options tokenizer.ts uses yields tiktoken's ids.
      assert.deepEqual(
        gptEncode(s, { disallowedSpecial: new Set() }),
        Array.from(tiktoken.encode(s, [], [])),
        JSON.stringify(s),
      );
    }
    // <|endoftext|> as plain text is several tokens, not the single special id.
    assert.ok(countTokens('<|endoftext|>') > 1);
    assert.equal(
      estimatePromptTokens(
        { messages: [{ role: 'user', content: 'a <|endoftext|> b <|fim_prefix|>' }] },
        'openai',
      ),
      3 +
        countTokens('role') +
        countTokens('user') +
        countTokens('content') +
        oracle('a <|endoftext|> b <|fim_prefix|>') +
        3,
    );
  });

  it('empty, whitespace, lone surrogates', () => {
    for (const s of ['', ' ', '\n', '\r\n', '   \n\n  x  ', '\ud800', 'a\udc00b', '\ud83d']) {
      assert.equal(countTokens(s), oracle(s), JSON.stringify(s));
    }
  });

  it('multilingual fixture, line by line and whole', () => {
    const lines = fixture.split('\n');
    assert.ok(lines.length > 30);
    for (const [i, line] of lines.entries()) {
      assert.equal(countTokens(line), oracle(line), `line ${i + 1}: ${JSON.stringify(line)}`);
    }
    assert.equal(countTokens(fixture), oracle(fixture));
  });

  it('U+FEFF and U+0085 (where gpt-tokenizer 4.0.0 alone diverges) match tiktoken', () => {
    const samples = [
      '\ufeff',
      '\ufeffusing System;',
      ' \ufeffhello',
      'a\ufeff\ufeffb',
      'x \u0085y',
      'a \u0085\u0085 b\u0085',
    ];
    for (const s of samples) assert.equal(countTokens(s), oracle(s), JSON.stringify(s));
    // A leading BOM forces the exact path over every kind of text in the fixture.
    for (const line of fixture.split('\n')) {
      const s = `\ufeff${line}`;
      assert.equal(countTokens(s), oracle(s), JSON.stringify(s));
    }
  });

  it('the exact path agrees with tiktoken on its own, with linear-scan and heap merges', () => {
    for (const heapMinBytes of [Infinity, 0]) {
      const options = { heapMinBytes, cache: false };
      for (const line of fixture.split('\n')) {
        assert.equal(
          countTokensExact(line, options),
          oracle(line),
          `${heapMinBytes}: ${JSON.stringify(line)}`,
        );
      }
      assert.equal(countTokensExact(fixture, options), oracle(fixture));
    }
    // And with the piece cache, twice (second time from the cache).
    for (let i = 0; i < 2; i++) assert.equal(countTokensExact(fixture), oracle(fixture));
  });

  it('long runs (routed to the heap merge) match tiktoken, around the LONG_RUN boundary too', () => {
    let seed = 42;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const letters = (n: number): string =>
      Array.from({ length: n }, () => String.fromCharCode(97 + rnd(26))).join('');
    const cjk = (n: number): string =>
      Array.from({ length: n }, () => String.fromCodePoint(0x4e00 + rnd(3000))).join('');
    const samples = [
      'a'.repeat(5000),
      letters(4000),
      cjk(1500),
      ' '.repeat(3000) + 'x',
      '!' + '\n'.repeat(3000) + 'y',
      '!@#'.repeat(1000),
      'ab'.repeat(3000),
      `see ${'ab'.repeat(LONG_RUN)} and ${letters(LONG_RUN - 1)} ${letters(LONG_RUN)} ${letters(LONG_RUN + 1)}`,
      `${'，'.repeat(LONG_RUN - 1)}${'\n'.repeat(LONG_RUN - 1)}x${' '.repeat(LONG_RUN)}z`,
      `data:image/png;base64,${'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='.repeat(20)}`,
    ];
    for (const s of samples) assert.equal(countTokens(s), oracle(s), JSON.stringify(s.slice(0, 40)));
  });

  it('a hostile single 1 MiB word is counted right (its time is in bench/complexity.ts)', () => {
    const word = 'ab'.repeat(512 * 1024);
    assert.equal(countTokens(word), 512 * 1024); // "ab" is one token and nothing merges across pairs
  });

  it('warmTokenizer encodes a probe string', () => {
    assert.ok(warmTokenizer() > 0);
  });
});

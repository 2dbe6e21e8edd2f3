/**
 * The bounded prompt-token count: exact while the characters counted stay within the budget, one
 * token per UTF-8 byte past it, which is never below the exact count (every cl100k token is at
 * least one byte).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { countTokens } from '../../../src/tokens/tokenizer.js';
import {
  EXACT_COUNT_CHARS,
  boundedCountTokens,
  estimatePromptTokens,
  utf8Bytes,
} from '../../../src/tokens/prompt-estimate.js';

const TEXTS = [
  'Hello, world! How are you today?',
  '  leading and trailing whitespace \n\n\t ',
  '你好，世界。这是一个测试。',
  'emoji 👍🏽 and family 👨‍👩‍👧 and flags 🇫🇷',
  'special <|endoftext|> text <|fim_prefix|>',
  'lone \uD800 surrogate and \uDC00 another',
  `${' '.repeat(5000)}x`,
  'a'.repeat(3000),
  '\uFEFF bom and \u0085 nel',
];

const chat = (...contents: string[]) => ({
  model: 'gpt-4o',
  messages: contents.map((content, i) => ({ role: i % 2 ? 'assistant' : 'user', content, name: 'n' })),
});

describe('bounded prompt-token count', () => {
  it('utf8Bytes is the UTF-8 length (lone surrogates as U+FFFD)', () => {
    for (const t of TEXTS) assert.equal(utf8Bytes(t), Buffer.byteLength(t, 'utf8'), JSON.stringify(t));
  });

  it('below the budget the count is exact', () => {
    for (const t of TEXTS) {
      assert.equal(boundedCountTokens(t, t.length), countTokens(t), JSON.stringify(t));
    }
    const body = chat(...TEXTS);
    const exact = estimatePromptTokens(body, 'openai', Infinity);
    assert.equal(estimatePromptTokens(body, 'openai'), exact, 'the default budget covers ordinary prompts');
    assert.equal(
      estimatePromptTokens(body, 'anthropic', 20_000),
      estimatePromptTokens(body, 'anthropic', Infinity),
    );
  });

  it('past the budget the count is an upper bound: one token per byte of what did not fit', () => {
    for (const t of TEXTS) {
      assert.equal(boundedCountTokens(t, t.length - 1), utf8Bytes(t));
      assert.ok(boundedCountTokens(t, 0) >= countTokens(t), JSON.stringify(t));
    }
    const body = chat(...TEXTS);
    const exact = estimatePromptTokens(body, 'openai', Infinity);
    for (const budget of [0, 10, 100, 1000, 5000, 9000]) {
      assert.ok(estimatePromptTokens(body, 'openai', budget) >= exact, `budget ${budget}`);
    }
    const gemini = { contents: TEXTS.map((text) => ({ role: 'user', parts: [{ text }] })) };
    assert.ok(
      estimatePromptTokens(gemini, 'gemini', 100) >= estimatePromptTokens(gemini, 'gemini', Infinity),
    );
  });

  it('a 7.5 MiB whitespace prompt costs its byte count past the budget (was seconds of exact counting)', () => {
    const huge = `${' '.repeat(7.5 * 1024 * 1024)}x`;
    const body = { messages: [{ role: 'user', content: huge }] };
    // 3 per message + "role" + "user" + "content" (exact, 1 token each) + the prompt's bytes + 3.
    assert.equal(estimatePromptTokens(body, 'openai'), 3 + 3 + huge.length + 3);
    assert.ok(huge.length > EXACT_COUNT_CHARS);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { isCountTokensPath } from '../../../../src/pipeline/codecs/count-tokens.js';
import { clientApiForPath } from '../../../../src/providers/translate/registry.js';

describe('count_tokens: path and the local answer', () => {
  it('the count_tokens path is Anthropic, and only it counts', () => {
    for (const p of [
      '/v1/messages/count_tokens',
      '/v1/messages/count_tokens/',
      '/v1/messages/count_tokens?beta=true',
    ]) {
      assert.equal(isCountTokensPath(p), true, p);
      assert.equal(clientApiForPath(p), 'anthropic', p);
    }
    for (const p of [
      '/v1/messages',
      '/v1/chat/completions',
      '/v1/messages/count_tokens/x',
      '/v1/count_tokens',
    ])
      assert.equal(isCountTokensPath(p), false, p);
    assert.equal(clientApiForPath('/v1/messages'), 'anthropic');
    assert.equal(clientApiForPath('/v1/chat/completions'), 'openai');
  });

  it("Gemini's countTokens path is Gemini's, not Anthropic's", () => {
    assert.equal(clientApiForPath('/v1beta/models/gemini-2.5-flash:countTokens'), 'gemini');
    assert.equal(isCountTokensPath('/v1beta/models/gemini-2.5-flash:countTokens'), false);
  });
});

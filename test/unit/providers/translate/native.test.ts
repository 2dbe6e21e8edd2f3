import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nativeApi, nativeUpstream } from '../../../../src/providers/translate/native.js';

test('which provider speaks which client API as is, and where its requests go', () => {
  assert.equal(nativeApi('anthropic'), 'anthropic');
  assert.equal(nativeApi('openai'), 'openai');
  assert.equal(nativeApi('azure_openai'), 'openai');
  assert.equal(nativeApi('gemini'), 'gemini');
  assert.equal(nativeApi('vertex-ai'), 'gemini');
  for (const p of ['mistral', 'ollama', 'bedrock'] as const) assert.equal(nativeApi(p), undefined);
  // A Gemini client's stream as SSE, or as Google's JSON array (no alt=sse) when it asked for that.
  const g = { provider: 'gemini' as const, model: 'gemini-2.5-flash', stream: true };
  assert.equal(
    nativeUpstream(g, 'gemini').path,
    '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
  );
  assert.equal(
    nativeUpstream(g, 'gemini', false).path,
    '/v1beta/models/gemini-2.5-flash:streamGenerateContent',
  );
  assert.deepEqual(
    nativeUpstream({ provider: 'anthropic', model: 'm', stream: false, anthropicVersion: '2024-01-01' }),
    {
      path: '/v1/messages',
      headers: [
        ['content-type', 'application/json'],
        ['anthropic-version', '2024-01-01'],
      ],
    },
  );
  assert.equal(
    nativeUpstream({ provider: 'azure_openai', model: 'dep 1', stream: true, azureApiVersion: '2024-10-21' })
      .path,
    '/openai/deployments/dep%201/chat/completions?api-version=2024-10-21',
  );
  assert.equal(
    nativeUpstream({ provider: 'openai', model: 'gpt', stream: false }).path,
    '/v1/chat/completions',
  );
});

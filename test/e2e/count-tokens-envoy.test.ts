/**
 * Anthropic's count_tokens through real Envoy with @anthropic-ai/sdk: an Anthropic backend answers
 * it itself (the request reaches it as sent, with the gateway's key); any other backend gets the
 * gateway's own estimate, marked `x-ai-extproc-token-count: estimate`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startStandaloneStack } from '../helpers/stack.js';
import type { StandaloneStack } from '../helpers/stack.js';
import { promptTokensFor } from '../../mock-provider/server.js';
import { estimatePromptTokens } from '../../src/tokens/prompt-estimate.js';

const CONFIG = `version: 1
backends:
  anthropic: { provider: anthropic, baseUrl: http://{{UPSTREAM}}, cluster: mock, auth: { apiKey: { env: E2E_ANTHROPIC_KEY } } }
  openai: { provider: openai, baseUrl: http://{{UPSTREAM}}, cluster: mock, auth: { apiKey: { env: E2E_OPENAI_KEY } } }
routes:
  - name: messages
    match: { pathPrefix: /v1/messages }
    models: { claude: { backend: anthropic, model: claude-sonnet-4-5 }, gpt: { backend: openai, model: gpt-4o-mini } }
`;
const SECRETS = { E2E_ANTHROPIC_KEY: 'sk-gateway-anthropic', E2E_OPENAI_KEY: 'sk-gateway-openai' };

const PARAMS = {
  system: 'You are terse.',
  messages: [{ role: 'user' as const, content: 'How many tokens is this question, roughly?' }],
  tools: [
    {
      name: 'get_weather',
      description: 'Current weather for a city',
      input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } },
    },
  ],
};

describe('Anthropic count_tokens through real Envoy', () => {
  let stack: StandaloneStack;
  let anthropic: Anthropic;
  before(async () => {
    stack = await startStandaloneStack(CONFIG, {}, SECRETS);
    anthropic = new Anthropic({ baseURL: stack.envoy.url, apiKey: 'client-key', maxRetries: 0 });
  });
  after(async () => {
    await stack?.close();
  });

  it('on an Anthropic backend: passed to Anthropic, its own count comes back', async () => {
    const { data, response } = await anthropic.messages
      .countTokens({ model: 'claude', ...PARAMS })
      .withResponse();
    const up = stack.mock.lastRequest()!;
    assert.equal(up.path, '/v1/messages/count_tokens');
    assert.equal(up.headers['x-api-key'], 'sk-gateway-anthropic');
    assert.deepEqual(up.json, { model: 'claude-sonnet-4-5', ...PARAMS });
    assert.equal(data.input_tokens, promptTokensFor('anthropic', up.body));
    assert.equal(response.headers.get('x-ai-extproc-token-count'), null);
  });

  it("an Anthropic error passes as Anthropic's", async () => {
    await assert.rejects(
      anthropic.messages.countTokens({
        model: 'claude',
        messages: [
          { role: 'assistant', content: [{ type: 'thinking', thinking: 'x', signature: 'forged' }] },
        ],
        thinking: { type: 'enabled', budget_tokens: 2048 },
      }),
      (err: unknown) => err instanceof Anthropic.BadRequestError,
    );
  });

  it('on another backend: the gateway estimate, said to be one; nothing goes upstream', async () => {
    const before = stack.mock.requests.length;
    const { data, response } = await anthropic.messages
      .countTokens({ model: 'gpt', ...PARAMS })
      .withResponse();
    assert.equal(stack.mock.requests.length, before, 'answered by the gateway');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-ai-extproc-token-count'), 'estimate');
    assert.equal(data.input_tokens, estimatePromptTokens({ model: 'gpt', ...PARAMS }, 'anthropic'));
    assert.ok(data.input_tokens > 10);
  });

  it('an unknown model is a 404 in Anthropic format', async () => {
    await assert.rejects(
      anthropic.messages.countTokens({ model: 'nope', ...PARAMS }),
      (err: unknown) => err instanceof Anthropic.NotFoundError,
    );
  });
});

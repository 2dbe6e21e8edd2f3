/**
 * Identity from a header Envoy sets after its own authentication (here a Lua filter stands in for
 * jwt_authn's claim_to_headers): trusted when Envoy set it, removed at the edge when a client sends
 * its own copy, so a forged header never names a client.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startStandaloneStack } from '../helpers/stack.js';
import type { StandaloneStack } from '../helpers/stack.js';

const CONFIG = `
version: 1
backends:
  mock: { provider: openai, baseUrl: http://{{UPSTREAM}}, auth: { apiKey: { env: GW_KEY } }, defaultModel: gpt-4o-mini }
clients:
  trusted-user: { key: { env: KEY_TRUSTED }, team: platform }
identity: { header: x-client-id }
routes:
  - name: chat
    match: { pathPrefix: /v1 }
    backend: mock
    policy:
      requireClient: true
      limits:
        - { name: per-client, key: [client], requests: { limit: 100, per: minute } }
`;

// Stands in for an auth filter: it vouches for the caller only when the (test) credential is right.
const AUTH_FILTER = {
  name: 'envoy.filters.http.lua',
  typed_config: {
    '@type': 'type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua',
    default_source_code: {
      inline_string: `function envoy_on_request(h)
  if h:headers():get("x-test-auth") == "ok" then h:headers():replace("x-client-id", "trusted-user") end
end`,
    },
  },
};

describe('identity from a header Envoy sets after its own auth', () => {
  let stack: StandaloneStack;
  before(async () => {
    stack = await startStandaloneStack(
      CONFIG,
      {},
      { GW_KEY: 'sk-gw', KEY_TRUSTED: 'vk-trusted-0123456789' },
      {
        extras: { httpFilters: [AUTH_FILTER], clusters: [] },
      },
    );
  });
  after(async () => {
    await stack?.close();
  });

  const ask = (headers: Record<string, string>) =>
    new OpenAI({
      baseURL: `${stack.envoy.url}/v1`,
      apiKey: 'not-a-client-key',
      maxRetries: 0,
    }).chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }, { headers })
      .then(
        () => 200,
        (e: unknown) => (e instanceof OpenAI.APIError ? Number(e.status) : -1),
      );

  it('Envoy set it: the request is the configured client, with its team', async () => {
    assert.equal(await ask({ 'x-test-auth': 'ok' }), 200);
    const line = stack.ext.logs.findLast((l) => l.msg === 'request summary');
    assert.equal(line?.client, 'trusted-user');
    assert.equal(line?.team, 'platform');
  });

  it("a client's own copy is removed at the edge: a forged identity gets 401", async () => {
    assert.equal(await ask({ 'x-client-id': 'trusted-user' }), 401);
    assert.equal(stack.mock.requests.length, 1);
  });
});

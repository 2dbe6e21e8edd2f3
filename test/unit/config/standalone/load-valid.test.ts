/** Standalone config: loading a valid file, secrets never shown. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { inspect } from 'node:util';
import { loadStandaloneConfig } from '../../../../src/config/standalone/index.js';
import { FIXTURE, ENV, SECRETS, loadFixture } from './load-fixtures.js';

describe('standalone config: a valid file', () => {
  it('compiles every section', () => {
    const c = loadFixture();
    assert.equal(c.version, 1);
    assert.equal(c.path, FIXTURE);
    assert.match(c.sourceHash, /^[0-9a-f]{32}$/);
    assert.deepEqual(c.secretFiles, [path.resolve('test/fixtures/config/secrets/anthropic-key.txt')]);
    assert.deepEqual(
      c.backends.map((b) => [b.name, b.provider, b.cluster]),
      [
        ['openai', 'openai', 'openai'],
        ['anthropic', 'anthropic', 'anthropic'],
        ['azure', 'azure_openai', 'azure'],
        ['gemini', 'gemini', 'gemini'],
        ['vertex', 'vertex-ai', 'vertex'],
        ['bedrock', 'bedrock', 'bedrock'],
        ['mistral', 'mistral', 'mistral-cluster'],
        ['local', 'ollama', 'local'],
      ],
    );
    assert.deepEqual(c.backend('openai')!.baseUrl, {
      scheme: 'https',
      host: 'api.openai.com',
      port: 443,
      authority: 'api.openai.com',
      url: 'https://api.openai.com',
    });
    assert.equal(c.backend('anthropic')!.baseUrl.authority, 'api.anthropic.com');
    assert.deepEqual(c.backend('local')!.baseUrl, {
      scheme: 'http',
      host: '[::1]',
      port: 11434,
      authority: '[::1]:11434',
      url: 'http://[::1]:11434',
    });
    assert.equal(c.backend('vertex')!.baseUrl.url, 'https://europe-west4-aiplatform.googleapis.com');
    assert.equal(c.backend('bedrock')!.baseUrl.url, 'https://bedrock-runtime.eu-west-1.amazonaws.com');
    assert.deepEqual(c.backend('azure')!.settings, { azureApiVersion: '2024-10-21' });
    assert.deepEqual(c.backend('anthropic')!.settings, { anthropicVersion: '2023-06-01' });
    assert.deepEqual(c.backend('vertex')!.target('gemini-2.5-pro', true), {
      provider: 'vertex-ai',
      model: 'gemini-2.5-pro',
      stream: true,
      vertexProject: 'proj-1',
      vertexLocation: 'europe-west4',
    });
    assert.deepEqual(c.backend('bedrock')!.target('m', false), {
      provider: 'bedrock',
      model: 'm',
      stream: false,
      bedrockRegion: 'eu-west-1',
    });
    assert.deepEqual(c.backend('gemini')!.settings, { apiVersion: 'v1beta' });
    assert.deepEqual(c.backend('openai')!.auth, { kind: 'apiKey', sources: ['env:TEST_OPENAI_KEY'] });
    assert.deepEqual(c.backend('bedrock')!.auth, {
      kind: 'aws',
      sources: ['env:TEST_AWS_ID', 'env:TEST_AWS_SECRET'],
    });
    assert.deepEqual(c.tracing, {
      endpoint: 'http://collector:4318',
      protocol: 'http/protobuf',
      sampler: { type: 'traceidratio', arg: '0.25' },
      timeout: '1m30s',
    });
  });

  it('compiles routes and their policies as frozen data', () => {
    const c = loadFixture();
    assert.deepEqual(
      c.routes.map((r) => r.name),
      ['team-a', 'tenant', 'chat', 'messages', 'everything-else'],
    );
    const tenant = c.routes[1]!;
    assert.deepEqual(tenant.match, {
      pathPrefix: '/v1/chat/completions',
      authority: undefined,
      headers: [
        { name: 'x-tenant', value: 'blue' },
        { name: 'x-plan', regex: 'gold|silver' },
      ],
    });
    const chat = c.routes[2]!;
    assert.equal(chat.backend, undefined);
    assert.deepEqual(Object.keys(chat.models!), ['fast', 'smart', 'gemini-2.5-flash', 'claude-3.5']);
    const p = chat.policy;
    assert.deepEqual(p.promptEnrichment, {
      prepend: [{ role: 'system', content: 'Be brief.' }],
      append: [{ role: 'user', content: 'Answer in English.' }],
    });
    assert.deepEqual(p.defaults, [
      { field: 'temperature', value: 0.2, override: false },
      { field: 'max_tokens', value: 512, override: true },
    ]);
    assert.equal(p.streamUsage, false);
    assert.equal(c.routes[0]!.policy.streamUsage, true, 'streamUsage defaults to true');
    assert.equal(p.guards.request?.customResponse?.statusCode, 422);
    assert.equal(p.guards.request?.regex?.action, 'REJECT');
    assert.deepEqual(p.guards.request?.regex?.matches, [{ pattern: 'secret-\\d+', name: 'code' }]);
    assert.deepEqual(p.guards.request?.webhook, {
      host: 'guard.local',
      port: 9000,
      forwardHeaderMatches: [],
    });
    assert.deepEqual(p.guards.requestWebhook, { scheme: 'http', insecureSkipVerify: false });
    assert.equal(p.guards.response?.regex?.action, 'MASK');
    assert.match(p.guards.requestKey ?? '', /^standalone:[0-9a-f]+$/);
    assert.notEqual(p.guards.requestKey, p.guards.responseKey);
    // the moderation token is resolved, readable, and not enumerable
    const tok = p.guards.request?.moderation?.authToken;
    assert.equal(tok?.kind, 'Inline');
    assert.equal(tok?.kind === 'Inline' ? tok.inline : '', ENV.TEST_MODERATION_KEY);
    for (const frozen of [
      c,
      c.routes,
      chat,
      chat.match,
      p,
      p.defaults,
      p.defaults[0],
      p.guards,
      p.guards.request,
    ])
      assert.ok(Object.isFrozen(frozen));
    assert.ok(Object.isFrozen(c.backend('openai')));
    assert.throws(() => {
      (p.defaults as unknown[]).push({});
    }, TypeError);
  });

  it('guard keys change with the token, not with an unrelated reload', () => {
    const a = loadFixture().routes[2]!.policy.guards;
    const b = loadFixture().routes[2]!.policy.guards;
    assert.equal(a.requestKey, b.requestKey);
    const r = loadStandaloneConfig(FIXTURE, { ...ENV, TEST_MODERATION_KEY: 'sk-other-token' });
    assert.ok(r.ok);
    assert.notEqual(r.config.routes[2]!.policy.guards.requestKey, a.requestKey);
    assert.equal(r.config.routes[2]!.policy.guards.responseKey, a.responseKey);
  });

  it('never shows a secret value in JSON.stringify or util.inspect', () => {
    const c = loadFixture();
    const dumps = [JSON.stringify(c), inspect(c, { depth: null }), JSON.stringify(c.routes[2]!.policy)];
    for (const dump of dumps) for (const s of SECRETS) assert.ok(!dump.includes(s), `leaked ${s}`);
    assert.match(JSON.stringify(c), /env:TEST_OPENAI_KEY/);
  });
});

/** Standalone config at run time: route matching, model aliases, upstream auth, policy on bodies. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { CompiledRoute, RuntimeConfig } from '../../../../src/config/standalone/index.js';
import {
  CREDENTIAL_HEADERS,
  applyDefaults,
  applyEnrichment,
  applyStreamUsage,
  formatIssue,
  loadStandaloneConfig,
  loadStandaloneConfigText,
  toRoutePolicy,
} from '../../../../src/config/standalone/index.js';

const ENV = {
  TEST_OPENAI_KEY: 'sk-openai-fixture-1111',
  TEST_AZURE_KEY: 'azure-fixture-2222',
  TEST_GEMINI_KEY: 'gemini-fixture-3333',
  TEST_GCP_TOKEN: 'ya29.fixture-4444',
  TEST_AWS_ID: 'AKIAFIXTURE5555',
  TEST_AWS_SECRET: 'aws-secret-fixture-6666',
  TEST_MODERATION_KEY: 'sk-moderation-fixture-7777',
};

function fixture(): RuntimeConfig {
  const r = loadStandaloneConfig(path.resolve('test/fixtures/config/valid.yaml'), ENV);
  assert.ok(r.ok, r.ok ? '' : r.errors.map(formatIssue).join('\n'));
  return r.config;
}

function fromText(text: string, env: NodeJS.ProcessEnv = {}): RuntimeConfig {
  const r = loadStandaloneConfigText(text, { env });
  assert.ok(r.ok, r.ok ? '' : r.errors.map(formatIssue).join('\n'));
  return r.config;
}

const req = (h: Record<string, string>): ReadonlyMap<string, string> => new Map(Object.entries(h));
const routeName = (c: RuntimeConfig, h: Record<string, string>): string | undefined =>
  c.matchRoute(req(h))?.name;

describe('standalone config: route matching', () => {
  const c = fixture();

  it('first match wins; authority and header conditions', () => {
    const chat = { ':path': '/v1/chat/completions' };
    assert.equal(routeName(c, { ...chat, ':authority': 'team-a.example.com' }), 'team-a');
    assert.equal(routeName(c, { ...chat, ':authority': 'TEAM-A.example.com:8443' }), 'team-a');
    assert.equal(routeName(c, { ...chat, ':authority': 'other.example.com' }), 'chat');
    assert.equal(routeName(c, { ...chat, 'x-tenant': 'blue', 'x-plan': 'gold' }), 'tenant');
    assert.equal(
      routeName(c, { ...chat, 'x-tenant': 'blue', 'x-plan': 'golden' }),
      'chat',
      'regex is a full match',
    );
    assert.equal(routeName(c, { ...chat, 'x-tenant': 'Blue', 'x-plan': 'gold' }), 'chat', 'values are exact');
    assert.equal(routeName(c, { ...chat, 'x-plan': 'gold' }), 'chat', 'a missing header does not match');
    assert.equal(
      routeName(c, { ...chat, ':authority': 'team-a.example.com', 'x-tenant': 'blue', 'x-plan': 'gold' }),
      'team-a',
    );
  });

  it('path prefixes on segment boundaries; the query is ignored', () => {
    assert.equal(routeName(c, { ':path': '/v1/chat/completions?api-version=1' }), 'chat');
    assert.equal(routeName(c, { ':path': '/v1/chat/completions/extra' }), 'chat');
    assert.equal(routeName(c, { ':path': '/v1/chat/completionsX' }), 'everything-else');
    assert.equal(routeName(c, { ':path': '/v1/messages#frag' }), 'messages');
    assert.equal(routeName(c, { ':path': '/v1/models' }), 'everything-else');
    assert.equal(routeName(c, {}), 'everything-else', 'no :path is /');
  });

  it('no route: undefined', () => {
    const only = fromText(`version: 1
backends: { a: { provider: ollama, auth: { none: true } } }
routes:
  - { name: r, match: { pathPrefix: /v1/, authority: '*.example.com:443' }, backend: a }
`);
    assert.equal(routeName(only, { ':path': '/v1/x', ':authority': 'a.example.com:443' }), 'r');
    assert.equal(routeName(only, { ':path': '/v1/x', ':authority': 'a.b.example.com:443' }), 'r');
    assert.equal(routeName(only, { ':path': '/v1/x', ':authority': 'example.com:443' }), undefined);
    assert.equal(
      routeName(only, { ':path': '/v1/x', ':authority': 'a.example.com' }),
      undefined,
      'port must match',
    );
    assert.equal(routeName(only, { ':path': '/v1', ':authority': 'a.example.com:443' }), undefined);
    assert.equal(
      routeName(only, { ':path': '/v1/x', host: 'a.example.com:443' }),
      'r',
      'host stands in for :authority',
    );
  });
});

describe('standalone config: model resolution', () => {
  const c = fixture();
  const route = (name: string): CompiledRoute => c.routes.find((r) => r.name === name)!;
  const resolved = (r: CompiledRoute, model: string | undefined) => {
    const res = r.resolveModel(model);
    return 'error' in res ? res : { backend: res.backend.name, model: res.model };
  };

  it('aliases map to a backend and a provider model', () => {
    const chat = route('chat');
    assert.deepEqual(resolved(chat, 'fast'), { backend: 'openai', model: 'gpt-4o-mini' });
    assert.deepEqual(resolved(chat, 'smart'), { backend: 'anthropic', model: 'claude-sonnet-4-5' });
    assert.deepEqual(resolved(chat, 'gemini-2.5-flash'), { backend: 'gemini', model: 'gemini-2.5-flash' });
    assert.deepEqual(resolved(chat, 'claude-3.5'), {
      backend: 'bedrock',
      model: 'anthropic.claude-3-5-sonnet-20241022-v2:0',
    });
  });

  it('an unknown alias lists the valid names', () => {
    const chat = route('chat');
    assert.deepEqual(chat.resolveModel('gpt-5'), {
      error: 'unknown model "gpt-5"; this route serves: fast, smart, gemini-2.5-flash, claude-3.5',
    });
    assert.deepEqual(chat.resolveModel(undefined), {
      error: 'the request names no model; this route serves: fast, smart, gemini-2.5-flash, claude-3.5',
    });
    assert.deepEqual(chat.resolveModel('toString'), {
      error: 'unknown model "toString"; this route serves: fast, smart, gemini-2.5-flash, claude-3.5',
    });
  });

  it('"*" catches the other names', () => {
    const messages = route('messages');
    assert.deepEqual(resolved(messages, 'gpt'), { backend: 'vertex', model: 'gemini-2.5-pro' });
    assert.deepEqual(resolved(messages, 'claude-opus-4'), { backend: 'anthropic', model: 'claude-opus-4' });
    assert.deepEqual(messages.resolveModel(undefined), {
      error: 'the request names no model; this route serves: gpt',
    });
  });

  it('a backend route uses the request model, else the defaultModel', () => {
    assert.deepEqual(resolved(route('tenant'), 'gpt-4.1'), { backend: 'openai', model: 'gpt-4.1' });
    assert.deepEqual(resolved(route('tenant'), undefined), { backend: 'openai', model: 'gpt-4o-mini' });
    assert.deepEqual(resolved(route('tenant'), ''), { backend: 'openai', model: 'gpt-4o-mini' });
    assert.deepEqual(route('team-a').resolveModel(undefined), {
      error: 'the request names no model, and backend azure has no defaultModel',
    });
  });

  it('toRoutePolicy gives the pipeline its RoutePolicy (the type kgateway mode builds too)', () => {
    const chat = route('chat');
    const p = toRoutePolicy(chat);
    assert.equal(p.source, 'standalone');
    assert.equal(p.provider, ''); // an alias route: the request's model picks the backend
    assert.equal(p.requestGuards, chat.policy.guards.request);
    assert.equal(p.requestGuardKey, chat.policy.guards.requestKey);
    assert.equal(p.webhookTransport?.request, chat.policy.guards.requestWebhook);
    assert.equal(p.requestDefaults?.defaults, chat.policy.defaults);
    const single = c.routes.find((r) => r.backend !== undefined)!;
    assert.equal(toRoutePolicy(single).provider, single.backend!.provider);
    assert.equal(toRoutePolicy(single).model, single.backend!.defaultModel);
  });
});

describe('standalone config: upstream auth', () => {
  const c = fixture();
  const client = req({ authorization: 'Bearer client-token', 'x-api-key': 'client-key' });
  const ALL = CREDENTIAL_HEADERS;
  const others = (keep: string) => ALL.filter((h) => h !== keep);
  const KEYS = ['authorization', 'api-key', 'x-api-key', 'x-goog-api-key', 'proxy-authorization'];
  const otherKeys = (keep: string) => KEYS.filter((h) => h !== keep);

  it('API keys go in the provider header; client credentials are removed', () => {
    const cases: [string, string, string][] = [
      ['openai', 'authorization', `Bearer ${ENV.TEST_OPENAI_KEY}`],
      ['azure', 'api-key', ENV.TEST_AZURE_KEY],
      ['anthropic', 'x-api-key', 'fixture-anthropic-key-not-real'],
      ['gemini', 'x-goog-api-key', ENV.TEST_GEMINI_KEY],
      ['vertex', 'authorization', `Bearer ${ENV.TEST_GCP_TOKEN}`],
    ];
    for (const [name, header, value] of cases) {
      assert.deepEqual(
        c.backend(name)!.authFor(client),
        { kind: 'headers', set: [[header, value]], remove: others(header) },
        name,
      );
    }
  });

  it('bedrock signs with SigV4', () => {
    assert.deepEqual(c.backend('bedrock')!.authFor(client), {
      kind: 'sigv4',
      service: 'bedrock',
      region: 'eu-west-1',
      credentials: { accessKeyId: ENV.TEST_AWS_ID, secretAccessKey: ENV.TEST_AWS_SECRET },
      remove: ALL,
    });
  });

  it('passthrough reuses the client credential in the provider header', () => {
    const mistral = c.backend('mistral')!;
    assert.deepEqual(mistral.authFor(req({ authorization: 'bearer tok-1' })), {
      kind: 'headers',
      set: [['authorization', 'Bearer tok-1']],
      remove: otherKeys('authorization'),
    });
    assert.deepEqual(mistral.authFor(req({ 'x-api-key': 'tok-2' })), {
      kind: 'headers',
      set: [['authorization', 'Bearer tok-2']],
      remove: otherKeys('authorization'),
    });
    assert.equal(mistral.authFor(req({ authorization: 'Basic abc' })).kind, 'missing');
    const anth = fromText(`version: 1
backends: { a: { provider: anthropic, auth: { passthrough: true } } }
routes: [{ name: r, backend: a }]
`).backend('a')!;
    assert.deepEqual(anth.authFor(req({ authorization: 'Bearer sk-ant-client' })), {
      kind: 'headers',
      set: [['x-api-key', 'sk-ant-client']],
      remove: otherKeys('x-api-key'),
    });
    assert.deepEqual(anth.authFor(req({})), {
      kind: 'missing',
      message: 'this route passes the client credential through, and the request has none',
    });
  });

  it('none sets nothing and forwards no client credential', () => {
    assert.deepEqual(c.backend('local')!.authFor(client), { kind: 'headers', set: [], remove: ALL });
  });

  it('cookies, session and account-selecting headers are stripped, x-amz-* by prefix; protocol headers pass', () => {
    const sent = req({
      cookie: 'session=abc',
      'proxy-authorization': 'Basic cHJveHk6cHc=',
      'x-amz-security-token': 'client-session-token',
      'x-amz-date': '20260101T000000Z',
      'openai-organization': 'org-client',
      'openai-project': 'proj-client',
      'anthropic-version': '2023-06-01',
      'anthropic-beta': 'tools-2024-04-04',
      'openai-beta': 'assistants=v2',
    });
    for (const name of ['openai', 'anthropic', 'gemini', 'bedrock', 'local']) {
      const auth = c.backend(name)!.authFor(sent);
      assert.ok(auth.kind !== 'missing', name);
      for (const h of ['cookie', 'proxy-authorization', 'x-amz-security-token', 'x-amz-date']) {
        assert.ok(auth.remove.includes(h), `${name} removes ${h}`);
      }
      for (const h of ['openai-organization', 'openai-project']) assert.ok(auth.remove.includes(h), name);
      for (const h of ['anthropic-version', 'anthropic-beta', 'openai-beta']) {
        assert.equal(auth.remove.includes(h), false, `${name} keeps ${h}`);
      }
    }
    // Passthrough: the client's own account headers go with its own key.
    const auth = c
      .backend('mistral')!
      .authFor(req({ ...Object.fromEntries(sent), authorization: 'Bearer t' }));
    assert.ok(auth.kind === 'headers');
    assert.deepEqual(auth.remove, otherKeys('authorization'));
  });
});

describe('standalone config: policy on request bodies', () => {
  const enrichment = {
    prepend: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Context.' },
    ],
    append: [
      { role: 'developer', content: 'Finally.' },
      { role: 'user', content: 'In English.' },
    ],
  } as const;

  it('OpenAI bodies: messages around the client ones, roles as written', () => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'Hi' }] };
    assert.equal(applyEnrichment(body, enrichment, 'openai'), true);
    assert.deepEqual(body.messages, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Context.' },
      { role: 'user', content: 'Hi' },
      { role: 'developer', content: 'Finally.' },
      { role: 'user', content: 'In English.' },
    ]);
    (body.messages[0] as { content: string }).content = 'changed';
    assert.equal(enrichment.prepend[0].content, 'Be brief.', 'config messages are copied');
  });

  it('Anthropic bodies: system entries go to the top-level system', () => {
    const plain = { messages: [{ role: 'user', content: 'Hi' }] } as Record<string, unknown>;
    assert.equal(applyEnrichment(plain, enrichment, 'anthropic'), true);
    assert.equal(plain.system, 'Be brief.\n\nFinally.');
    assert.deepEqual(plain.messages, [
      { role: 'user', content: 'Context.' },
      { role: 'user', content: 'Hi' },
      { role: 'user', content: 'In English.' },
    ]);
    const withString = { system: 'Client system.', messages: [] } as Record<string, unknown>;
    applyEnrichment(withString, enrichment, 'anthropic');
    assert.equal(withString.system, 'Be brief.\n\nClient system.\n\nFinally.');
    const blocks = {
      system: [{ type: 'text', text: 'Cached.', cache_control: { type: 'ephemeral' } }],
      messages: [],
    } as Record<string, unknown>;
    applyEnrichment(blocks, { prepend: [{ role: 'system', content: 'First.' }], append: [] }, 'anthropic');
    assert.deepEqual(blocks.system, [
      { type: 'text', text: 'First.' },
      { type: 'text', text: 'Cached.', cache_control: { type: 'ephemeral' } },
    ]);
  });

  it('no enrichment or no messages list: unchanged', () => {
    const body = { messages: [] };
    assert.equal(applyEnrichment(body, undefined, 'openai'), false);
    assert.equal(applyEnrichment({ prompt: 'x' }, enrichment, 'openai'), false);
    assert.equal(applyEnrichment(body, { prepend: [], append: [] }, 'anthropic'), false);
  });

  it('defaults: set when absent, override always, dotted paths', () => {
    const defaults = [
      { field: 'temperature', value: 0.2, override: false },
      { field: 'max_tokens', value: 512, override: true },
      { field: 'stream_options.include_usage', value: true, override: false },
      { field: 'metadata.tags', value: ['a'], override: false },
    ];
    const body: Record<string, unknown> = { temperature: 0.9, max_tokens: 10 };
    assert.equal(applyDefaults(body, defaults), true);
    assert.deepEqual(body, {
      temperature: 0.9,
      max_tokens: 512,
      stream_options: { include_usage: true },
      metadata: { tags: ['a'] },
    });
    body.metadata.tags.push('b');
    assert.deepEqual(defaults[3]!.value, ['a'], 'values are copied');
    assert.equal(applyDefaults(body, defaults.slice(0, 3)), false, 'already applied: no change');
  });

  it('defaults: an override with the same value and a non-object in the way change nothing', () => {
    const body: Record<string, unknown> = { max_tokens: 512, stream_options: true };
    assert.equal(
      applyDefaults(body, [
        { field: 'max_tokens', value: 512, override: true },
        { field: 'stream_options.include_usage', value: true, override: true },
      ]),
      false,
    );
    assert.deepEqual(body, { max_tokens: 512, stream_options: true });
  });

  it('streamUsage adds include_usage to streaming requests only', () => {
    const streaming: Record<string, unknown> = { stream: true, stream_options: { foo: 1 } };
    assert.equal(applyStreamUsage(streaming), true);
    assert.deepEqual(streaming.stream_options, { foo: 1, include_usage: true });
    assert.equal(applyStreamUsage(streaming), false, 'already there');
    assert.equal(applyStreamUsage({ stream: false }), false);
    assert.equal(applyStreamUsage({}), false);
  });
});

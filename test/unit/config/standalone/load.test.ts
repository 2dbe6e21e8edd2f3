/** Standalone config: loading, validation errors with their paths, secrets, schema file, examples. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import type { ConfigIssue, RuntimeConfig } from '../../../../src/config/standalone/index.js';
import {
  CONFIG_SCHEMA,
  CREDENTIAL_HEADERS,
  formatIssue,
  isSchemaValid,
  loadStandaloneConfig,
  loadStandaloneConfigText,
} from '../../../../src/config/standalone/index.js';

const FIXTURE = path.resolve('test/fixtures/config/valid.yaml');
const ENV = {
  TEST_OPENAI_KEY: 'sk-openai-fixture-1111',
  TEST_AZURE_KEY: 'azure-fixture-2222',
  TEST_GEMINI_KEY: 'gemini-fixture-3333',
  TEST_GCP_TOKEN: 'ya29.fixture-4444',
  TEST_AWS_ID: 'AKIAFIXTURE5555',
  TEST_AWS_SECRET: 'aws-secret-fixture-6666',
  TEST_MODERATION_KEY: 'sk-moderation-fixture-7777',
};
const FILE_SECRET = 'fixture-anthropic-key-not-real';
const SECRETS = [...Object.values(ENV), FILE_SECRET];

function loadFixture(): RuntimeConfig {
  const r = loadStandaloneConfig(FIXTURE, ENV);
  assert.ok(r.ok, r.ok ? '' : r.errors.map(formatIssue).join('\n'));
  return r.config;
}

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-standalone-'));

/** Loads YAML text as if it were TMP/config.yaml. */
function load(text: string, env: NodeJS.ProcessEnv = { KEY: 'sk-test-key' }) {
  return loadStandaloneConfigText(text, { env, path: path.join(TMP, 'config.yaml') });
}

function errorsOf(text: string, env?: NodeJS.ProcessEnv): readonly ConfigIssue[] {
  const r = load(text, env);
  assert.equal(r.ok, false, 'expected the config to be rejected');
  return r.ok ? [] : r.errors;
}

/** The one issue at `at`; its message must match `message`. */
function expectIssue(issues: readonly ConfigIssue[], at: string, message: RegExp): ConfigIssue {
  const found = issues.filter((i) => i.path === at);
  assert.equal(found.length, 1, `one issue at ${at}; got:\n${issues.map(formatIssue).join('\n')}`);
  assert.match(found[0]!.message, message);
  return found[0]!;
}

const BACKENDS = `version: 1
backends:
  openai:
    provider: openai
    auth: { apiKey: { env: KEY } }
`;

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

describe('standalone config: errors carry the path of the problem', () => {
  it('unknown backend (single and alias routes)', () => {
    const issues = errorsOf(`${BACKENDS}routes:
  - name: a
    match: { pathPrefix: /a }
    backend: opanai
  - name: b
    match: { pathPrefix: /b }
    models:
      fast: { backend: openai }
      smart: { backend: claude, model: x }
`);
    const one = expectIssue(
      issues,
      'routes[0].backend',
      /^unknown backend "opanai"; defined backends: openai$/,
    );
    assert.deepEqual([one.line, one.column], [9, 5]);
    expectIssue(issues, 'routes[1].models.smart.backend', /unknown backend "claude"/);
    assert.equal(issues.length, 2);
  });

  it('a route with both backend and models, or neither', () => {
    const issues = errorsOf(`${BACKENDS}routes:
  - name: both
    backend: openai
    models: { fast: { backend: openai } }
  - name: neither
    match: { pathPrefix: /x }
`);
    expectIssue(issues, 'routes[0]', /^has backend and models: use exactly one of backend or models$/);
    expectIssue(issues, 'routes[1]', /^needs one of backend or models$/);
  });

  it('an inline secret is refused without echoing it', () => {
    const issues = errorsOf(`version: 1
backends:
  openai:
    provider: openai
    auth: { apiKey: "sk-inline-secret-9999" }
routes: [{ name: r, backend: openai }]
`);
    const i = expectIssue(issues, 'backends.openai.auth.apiKey', /never written inline/);
    assert.match(i.message, /\{ env: NAME \}/);
    assert.match(i.message, /\{ file: PATH \}/);
    assert.ok(!JSON.stringify(issues).includes('sk-inline'));
  });

  it('an inline moderation token is refused too', () => {
    const issues = errorsOf(`${BACKENDS}routes:
  - name: r
    backend: openai
    policy:
      guards:
        request:
          moderation: { openAIModeration: { authToken: { kind: SecretRef, inline: sk-inline-mod-8888 } } }
`);
    const at = 'routes[0].policy.guards.request.moderation.openAIModeration.authToken';
    expectIssue(issues, `${at}.inline`, /never written inline.*secretRef/);
    expectIssue(issues, `${at}.secretRef`, /^is required$/);
    assert.ok(!JSON.stringify(issues).includes('sk-inline'));
  });

  it('missing, empty and unreadable secrets', () => {
    const text = `version: 1
backends:
  a: { provider: openai, auth: { apiKey: { env: NOT_SET } } }
  b: { provider: openai, auth: { apiKey: { env: EMPTY } } }
  c: { provider: openai, auth: { apiKey: { file: no-such-file } } }
  d: { provider: openai, auth: { apiKey: { env: MULTILINE } } }
routes: [{ name: r, backend: a }]
`;
    const issues = errorsOf(text, { EMPTY: '  \n', MULTILINE: 'sk-line-one\nsk-line-two' });
    expectIssue(issues, 'backends.a.auth.apiKey.env', /^environment variable NOT_SET is not set$/);
    expectIssue(issues, 'backends.b.auth.apiKey.env', /^environment variable EMPTY is empty$/);
    expectIssue(
      issues,
      'backends.c.auth.apiKey.file',
      new RegExp(`^cannot read secret file ${path.join(TMP, 'no-such-file')}: ENOENT$`),
    );
    expectIssue(issues, 'backends.d.auth.apiKey.env', /control characters/);
    assert.ok(!JSON.stringify(issues).includes('sk-line'));
  });

  it('a secret file is trimmed, read relative to the config file', () => {
    fs.writeFileSync(path.join(TMP, 'key.txt'), 'sk-from-file\n');
    const r = load(`version: 1
backends: { a: { provider: anthropic, auth: { apiKey: { file: key.txt } } } }
routes: [{ name: r, backend: a }]
`);
    assert.ok(r.ok);
    const auth = r.config.backend('a')!.authFor(new Map());
    assert.deepEqual(auth, {
      kind: 'headers',
      set: [['x-api-key', 'sk-from-file']],
      remove: CREDENTIAL_HEADERS.filter((h) => h !== 'x-api-key'),
    });
  });

  it('unknown provider', () => {
    const issues = errorsOf(`version: 1
backends: { x: { provider: openia, auth: { none: true } } }
routes: [{ name: r, backend: x }]
`);
    expectIssue(issues, 'backends.x.provider', /^must be one of: openai, azure_openai, anthropic, gemini/);
    assert.equal(issues.length, 1);
  });

  it('a header regex that RE2 cannot compile', () => {
    const issues = errorsOf(`${BACKENDS}routes:
  - name: r
    match: { headers: [{ name: x-a, value: ok }, { name: x-b, regex: 'a(b' }] }
    backend: openai
`);
    expectIssue(issues, 'routes[0].match.headers[1].regex', /^is not a valid RE2 regex: missing \)/);
  });

  it('bad guard configs, with the YAML path', () => {
    const issues = errorsOf(`${BACKENDS}routes:
  - name: r
    backend: openai
    policy:
      guards:
        request:
          regex:
            matches: [{ pattern: ok }, { pattern: '(?<=x)y' }]
        response:
          regex: { action: DROP }
          webhook: { host: { host: h, port: 70000 } }
`);
    expectIssue(
      issues,
      'routes[0].policy.guards.request.regex.matches[1].pattern',
      /^pattern "\(\?<=x\)y" cannot be used: /,
    );
    expectIssue(issues, 'routes[0].policy.guards.response.regex.action', /^must be one of: MASK, REJECT$/);
    expectIssue(issues, 'routes[0].policy.guards.response.webhook.host.port', /^must be <= 65535$/);
  });

  it('duplicate route names and duplicate backend keys', () => {
    const issues = errorsOf(`${BACKENDS}routes:
  - { name: chat, match: { pathPrefix: /a }, backend: openai }
  - { name: chat, match: { pathPrefix: /b }, backend: openai }
`);
    expectIssue(issues, 'routes[1].name', /^duplicate route name "chat" \(first used by routes\[0\]\)$/);
    const dup = errorsOf(`${BACKENDS}  openai:
    provider: openai
    auth: { none: true }
routes: [{ name: r, backend: openai }]
`);
    const i = expectIssue(dup, 'backends.openai', /^duplicate key$/);
    assert.equal(i.line, 6);
  });

  it('provider rules: required blocks, blocks of another provider, auth kinds', () => {
    const issues = errorsOf(`version: 1
backends:
  az: { provider: azure_openai, auth: { apiKey: { env: KEY } } }
  vx: { provider: vertex-ai, auth: { apiKey: { env: KEY } } }
  br: { provider: bedrock, auth: { apiKey: { env: KEY } }, bedrock: { region: moon } }
  oa: { provider: openai, auth: { aws: { accessKeyId: { env: KEY }, secretAccessKey: { env: KEY } } }, vertex: { project: p, location: l } }
routes: [{ name: r, backend: oa }]
`);
    expectIssue(issues, 'backends.az.baseUrl', /^is required for provider azure_openai$/);
    expectIssue(issues, 'backends.vx.vertex', /^is required for provider vertex-ai$/);
    expectIssue(issues, 'backends.vx.auth.apiKey', /use bearer/);
    expectIssue(issues, 'backends.br.bedrock.region', /^must be an AWS region such as us-east-1$/);
    expectIssue(issues, 'backends.br.auth.apiKey', /SigV4/);
    expectIssue(
      issues,
      'backends.oa.vertex',
      /^applies only to provider vertex-ai, and this backend is openai$/,
    );
    expectIssue(issues, 'backends.oa.auth.aws', /^aws credentials apply only to provider bedrock$/);
  });

  it('auth: exactly one kind, typos get a suggestion', () => {
    const issues = errorsOf(`version: 1
backends:
  a: { provider: openai, auth: { apikey: { env: KEY } } }
  b: { provider: openai, auth: { none: true, passthrough: true } }
  c: { provider: openai, auth: { apiKey: { env: KEY, file: f } } }
  d: { provider: openai, auth: { apiKey: {} } }
routes: [{ name: r, backend: a }]
`);
    expectIssue(issues, 'backends.a.auth.apikey', /^unknown key \(did you mean apiKey\?\)$/);
    expectIssue(issues, 'backends.b.auth', /^has passthrough and none: use exactly one of /);
    expectIssue(issues, 'backends.c.auth.apiKey', /^has env and file: use exactly one of env or file$/);
    expectIssue(issues, 'backends.d.auth.apiKey', /^needs one of env or file$/);
  });

  it('baseUrl must be scheme://host[:port]', () => {
    const issues = errorsOf(`version: 1
backends:
  a: { provider: openai, baseUrl: 'https://api.openai.com/v1', auth: { none: true } }
  b: { provider: openai, baseUrl: 'ftp://x', auth: { none: true } }
  c: { provider: openai, baseUrl: 'http://h:99999', auth: { none: true } }
routes: [{ name: r, backend: a }]
`);
    expectIssue(issues, 'backends.a.baseUrl', /^must be http\(s\):\/\/host\[:port\] with no path$/);
    expectIssue(issues, 'backends.b.baseUrl', /^must be http\(s\):\/\/host\[:port\] with no path$/);
    expectIssue(issues, 'backends.c.baseUrl', /^is not a valid URL$/);
  });

  it('a route behind a catch-all can never match', () => {
    const issues = errorsOf(`${BACKENDS}routes:
  - { name: all-v1, match: { pathPrefix: /v1 }, backend: openai }
  - { name: chat, match: { pathPrefix: /v1/chat/completions }, backend: openai }
  - { name: other, match: { pathPrefix: /v2 }, backend: openai }
`);
    expectIssue(issues, 'routes[1]', /^can never match: routes\[0\] \(all-v1\) comes first/);
    assert.equal(issues.length, 1);
  });

  it('defaults, tracing, names and unknown keys', () => {
    const issues = errorsOf(`${BACKENDS}routes:
  - name: 'bad name'
    backend: openai
    policy:
      defaults:
        - { field: model, value: x }
        - { field: a.__proto__.b, value: 1 }
        - { field: temperature, value: 1 }
        - { field: temperature, value: 2 }
      enrichment: {}
tracing: { endpoint: 'http://c:4317', timeout: soon, sampler: { type: traceidratio, arg: 2 } }
`);
    expectIssue(issues, 'routes[0].name', /^must be 1-63 letters/);
    expectIssue(
      issues,
      'routes[0].policy.defaults[0].field',
      /^cannot be set here: the model is chosen by the route/,
    );
    expectIssue(issues, 'routes[0].policy.defaults[1].field', /^must not name __proto__/);
    expectIssue(issues, 'routes[0].policy.defaults[3].field', /^duplicate field \(also in defaults\[2\]\)$/);
    expectIssue(issues, 'routes[0].policy.enrichment', /^unknown key/);
    expectIssue(issues, 'tracing.timeout', /^must be a Go duration/);
    expectIssue(issues, 'tracing.sampler.arg', /^must be a ratio from 0 to 1$/);
  });

  it('file-level problems: YAML syntax, empty, wrong version, unreadable', () => {
    const syntax = errorsOf('version: 1\nbackends: [a\n');
    assert.ok(syntax.length >= 1);
    assert.ok(syntax[0]!.line !== undefined);
    assert.deepEqual(errorsOf(''), [{ path: '', message: 'the file is empty' }]);
    expectIssue(errorsOf('version: 2\nbackends: {}\nroutes: []\n'), 'version', /^must be 1$/);
    expectIssue(errorsOf('- a\n'), '', /^must be a mapping$/);
    const missing = loadStandaloneConfig(path.join(TMP, 'absent.yaml'), {});
    assert.deepEqual(missing, {
      ok: false,
      errors: [{ path: '', message: `cannot read config file ${path.join(TMP, 'absent.yaml')}: ENOENT` }],
    });
  });

  it('anchors and merge keys share blocks; x- top-level keys hold them', () => {
    const ok = load(`version: 1
x-common: &common { provider: openai, auth: { apiKey: { env: KEY } } }
backends:
  a: { <<: *common, defaultModel: m1 }
  b: { <<: *common, defaultModel: m2 }
routes: [{ name: r, backend: a }]
`);
    assert.ok(ok.ok);
    assert.deepEqual(
      ok.config.backends.map((b) => [b.name, b.defaultModel, b.auth.kind]),
      [
        ['a', 'm1', 'apiKey'],
        ['b', 'm2', 'apiKey'],
      ],
    );
  });

  it('issues format as path (line, column): message', () => {
    assert.equal(
      formatIssue({ path: 'routes[1].backend', message: 'unknown backend', line: 12, column: 5 }),
      'routes[1].backend (line 12, column 5): unknown backend',
    );
    assert.equal(formatIssue({ path: '', message: 'the file is empty' }), 'the file is empty');
    const dotted = errorsOf(`${BACKENDS}routes:
  - name: r
    models: { claude-3.5: { backend: nope } }
`);
    expectIssue(dotted, 'routes[0].models["claude-3.5"].backend', /unknown backend/);
  });
});

describe('standalone config: the shipped schema and examples', () => {
  it('config/ai-extproc.schema.json equals CONFIG_SCHEMA', () => {
    const shipped: unknown = JSON.parse(
      fs.readFileSync(path.resolve('config/ai-extproc.schema.json'), 'utf8'),
    );
    assert.deepEqual(
      shipped,
      JSON.parse(JSON.stringify(CONFIG_SCHEMA)),
      "regenerate: node -e \"import('./dist/src/config/standalone/schema.js').then((m) => " +
        'console.log(JSON.stringify(m.CONFIG_SCHEMA, null, 2)))" > config/ai-extproc.schema.json && ' +
        'npx prettier --write config/ai-extproc.schema.json',
    );
  });

  it('every example names the schema for editors and is valid', () => {
    const dir = path.resolve('config/examples');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    assert.ok(files.includes('standalone.yaml'));
    for (const f of files) {
      const text = fs.readFileSync(path.join(dir, f), 'utf8');
      assert.match(text, /^# yaml-language-server: \$schema=\.\.\/ai-extproc\.schema\.json$/m, f);
      // Secret files of the examples live in /run/secrets…: point them at a temporary file.
      fs.writeFileSync(path.join(TMP, 'example-secret'), 'example-secret-value\n');
      const local = text.replace(/\{ file: \/[^ }]+ \}/g, `{ file: ${path.join(TMP, 'example-secret')} }`);
      const env = Object.fromEntries(
        [...text.matchAll(/env: ([A-Z_0-9]+)/g)].map((m) => [m[1]!, `example-${m[1]!}`]),
      );
      const r = loadStandaloneConfigText(local, { env, path: path.join(dir, f) });
      assert.ok(r.ok, `${f}:\n${r.ok ? '' : r.errors.map(formatIssue).join('\n')}`);
    }
  });

  it('the demo config needs no environment at all', () => {
    const r = loadStandaloneConfig(path.resolve('config/examples/standalone.yaml'), {});
    assert.ok(r.ok);
    assert.ok(
      r.config.backends.every((b) => b.baseUrl.url === 'http://127.0.0.1:18080' && b.cluster === 'mock'),
    );
  });

  it('isSchemaValid agrees with the loader on structure', () => {
    assert.equal(isSchemaValid({ version: 1, backends: {}, routes: [] }), false);
    assert.equal(
      isSchemaValid({
        version: 1,
        backends: { a: { provider: 'openai', auth: { none: true } } },
        routes: [{ name: 'r', backend: 'a' }],
      }),
      true,
    );
  });
});

/** Standalone config: validation errors with their paths, secrets. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  CREDENTIAL_HEADERS,
  formatIssue,
  loadStandaloneConfig,
} from '../../../../src/config/standalone/index.js';
import { TMP, load, errorsOf, expectIssue, BACKENDS } from './load-fixtures.js';

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

/** GET /v1/models answered from the config; a request with no model on a wildcard alias. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RuntimeConfig } from '../../../../src/config/standalone/index.js';
import {
  formatIssue,
  listModels,
  loadStandaloneConfigText,
} from '../../../../src/config/standalone/index.js';
import { modelList, modelObject } from '../../../../src/providers/translate/model-list.js';

const CONFIG = `
version: 1
backends:
  oa: { provider: openai, baseUrl: http://127.0.0.1:1, auth: { none: true }, defaultModel: gpt-4o-mini }
  an: { provider: anthropic, baseUrl: http://127.0.0.1:1, auth: { none: true }, defaultModel: claude-x }
  tut: { provider: openai, baseUrl: http://127.0.0.1:1, auth: { none: true }, defaultModel: gpt-3.5-turbo }
  bare: { provider: openai, baseUrl: http://127.0.0.1:1, auth: { none: true } }
routes:
  - name: tutorial
    match: { pathPrefix: /openai }
    backend: tut
  - name: bare
    match: { pathPrefix: /bare }
    backend: bare
  - name: tenant
    match: { pathPrefix: /v1/chat/completions, authority: tenant.example }
    models:
      tenant-only: { backend: oa }
  - name: chat
    match: { pathPrefix: /v1/chat/completions }
    models:
      fast: { backend: oa, model: gpt-4o-mini }
      smart: { backend: an, model: claude-x }
      '*': { backend: oa }
  - name: messages
    match: { pathPrefix: /v1/messages }
    models:
      claude: { backend: an }
`;

function config(): RuntimeConfig {
  const r = loadStandaloneConfigText(CONFIG, { env: {} });
  assert.ok(r.ok, r.ok ? '' : r.errors.map(formatIssue).join('\n'));
  return r.config;
}

const get = (path: string, extra: Record<string, string> = {}): ReadonlyMap<string, string> =>
  new Map(Object.entries({ ':method': 'GET', ':path': path, ':authority': 'gw', ...extra }));
const ids = (c: RuntimeConfig, path: string, extra: Record<string, string> = {}) =>
  listModels(c, get(path, extra))?.models.map((m) => m.id);

describe('listModels', () => {
  const c = config();
  it('GET /v1/models lists the OpenAI-API routes under /v1, aliases only (no *), in file order', () => {
    assert.deepEqual(ids(c, '/v1/models'), ['fast', 'smart']);
    assert.deepEqual(ids(c, '/v1/models?limit=5'), ['fast', 'smart']);
    assert.equal(listModels(c, get('/v1/models'))?.api, 'openai');
  });
  it('routes with an authority condition are listed only for that authority', () => {
    assert.deepEqual(ids(c, '/v1/models', { ':authority': 'tenant.example' }), [
      'tenant-only',
      'fast',
      'smart',
    ]);
  });
  it('an Anthropic client (anthropic-version) sees the Messages routes, in its format', () => {
    const l = listModels(c, get('/v1/models', { 'anthropic-version': '2023-06-01' }));
    assert.equal(l?.api, 'anthropic');
    assert.deepEqual(
      l?.models.map((m) => m.id),
      ['claude'],
    );
  });
  it('a route that covers the path lists its own models: its backend default model', () => {
    assert.deepEqual(ids(c, '/openai/models'), ['gpt-3.5-turbo']);
    assert.deepEqual(ids(c, '/bare/models'), []);
  });
  it('GET /v1/models/{id} carries the decoded id', () => {
    assert.equal(listModels(c, get('/v1/models/fast'))?.id, 'fast');
    assert.equal(listModels(c, get('/v1/models/a%2Fb'))?.id, 'a/b');
    assert.equal(listModels(c, get('/v1/models/%E0%A4%A')), undefined);
  });
  it('is not a listing: other methods, other paths, bases with no routes', () => {
    assert.equal(listModels(c, new Map([...get('/v1/models'), [':method', 'POST']])), undefined);
    assert.equal(listModels(c, get('/v1/chat/completions')), undefined);
    assert.equal(listModels(c, get('/v2/models')), undefined);
  });
});

describe('model list formats', () => {
  const models = [
    { id: 'fast', ownedBy: 'openai' },
    { id: 'smart', ownedBy: 'anthropic' },
  ];
  it('OpenAI: object list, model objects with owned_by', () => {
    assert.deepEqual(modelList('openai', models), {
      object: 'list',
      data: [
        { id: 'fast', object: 'model', created: 0, owned_by: 'openai' },
        { id: 'smart', object: 'model', created: 0, owned_by: 'anthropic' },
      ],
    });
  });
  it('Anthropic: one page with first_id/last_id', () => {
    assert.deepEqual(modelList('anthropic', models), {
      data: [
        { type: 'model', id: 'fast', display_name: 'fast', created_at: '1970-01-01T00:00:00Z' },
        { type: 'model', id: 'smart', display_name: 'smart', created_at: '1970-01-01T00:00:00Z' },
      ],
      has_more: false,
      first_id: 'fast',
      last_id: 'smart',
    });
    assert.deepEqual(modelList('anthropic', []), {
      data: [],
      has_more: false,
      first_id: null,
      last_id: null,
    });
    assert.deepEqual(modelObject('openai', models[0]!), {
      id: 'fast',
      object: 'model',
      created: 0,
      owned_by: 'openai',
    });
  });
});

describe('model resolution without a model in the request', () => {
  const c = config();
  it('a single-backend route fills in the backend default model', () => {
    assert.deepEqual(pick(c, 'tutorial', undefined), { backend: 'tut', model: 'gpt-3.5-turbo' });
  });
  it("a wildcard alias fills in its backend's default model", () => {
    assert.deepEqual(pick(c, 'chat', undefined), { backend: 'oa', model: 'gpt-4o-mini' });
  });
  it('still an error when nothing supplies a model', () => {
    const r = c.routes.find((x) => x.name === 'bare')!.resolveModel(undefined);
    assert.ok('error' in r && /names no model/.test(r.error));
    const m = c.routes.find((x) => x.name === 'messages')!.resolveModel(undefined);
    assert.ok('error' in m && /names no model; this route serves: claude/.test(m.error));
  });
});

function pick(c: RuntimeConfig, route: string, model: string | undefined) {
  const r = c.routes.find((x) => x.name === route)!.resolveModel(model);
  return 'error' in r ? r : { backend: r.backend.name, model: r.model };
}

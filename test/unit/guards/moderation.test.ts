import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseRequestGuardConfig } from '../../../src/guards/config.js';
import type { ModerationGuard } from '../../../src/guards/config.js';
import type { HttpClient, HttpRequest, HttpResponse } from '../../../src/guards/http-client.js';
import { ModerationClient, ModerationError, moderationToken } from '../../../src/guards/moderation/index.js';
import type { ModerationErrorKind } from '../../../src/guards/moderation/index.js';
import { NodeHttpClient } from '../../../src/http/index.js';
import { startModerationMock } from '../../helpers/moderation-mock.js';
import type { ModerationMock, ModerationReply } from '../../helpers/moderation-mock.js';

const http = new NodeHttpClient();
after(() => http.close());

const inline = (token: string, model = ''): ModerationGuard => ({
  model,
  authToken: { kind: 'Inline', inline: token },
});
const passthrough: ModerationGuard = { model: 'omni-moderation-latest', authToken: { kind: 'Passthrough' } };
const noToken: ModerationGuard = { model: 'omni-moderation-latest', authToken: undefined };
const deadline = (): { passthroughAuthorization: undefined; deadline: AbortSignal } => ({
  passthroughAuthorization: undefined,
  deadline: AbortSignal.timeout(4000),
});

async function rejectsWith(p: Promise<unknown>, kind: ModerationErrorKind): Promise<ModerationError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ModerationError, `expected ModerationError, got ${String(e)}`);
    assert.equal(e.kind, kind, e.message);
    return e;
  }
  assert.fail(`expected a ModerationError of kind ${kind}`);
}

describe('moderation guard against the mock API', () => {
  let mock: ModerationMock;
  let scripted: Array<ModerationReply | 'slow'> = [];
  before(async () => {
    mock = await startModerationMock({
      handler: async () => {
        const next = scripted.shift();
        if (next === 'slow') {
          await sleep(1500);
          return undefined;
        }
        return next;
      },
    });
  });
  after(() => mock.close());
  beforeEach(() => {
    mock.requests.length = 0;
    scripted = [];
  });
  const client = (over: { envApiKey?: string; maxRetries?: number } = {}): ModerationClient =>
    new ModerationClient(http, {
      baseUrl: mock.baseUrl,
      envApiKey: over.envApiKey,
      maxRetries: over.maxRetries ?? 0,
      retryDelayMs: 10,
    });

  it('not flagged: POST {baseUrl}/moderations {"input","model"}', async () => {
    const v = await client().check(
      'role: user:\nhello there',
      inline('sk-inline', 'text-moderation-stable'),
      deadline(),
    );
    assert.deepEqual(v, { flagged: false, categories: [] });
    assert.equal(mock.requests.length, 1);
    const call = mock.requests[0]!;
    assert.equal(call.path, '/v1/moderations');
    assert.deepEqual(call.json, { input: 'role: user:\nhello there', model: 'text-moderation-stable' });
    assert.equal(call.headers.authorization, 'Bearer sk-inline');
    assert.equal(call.headers['content-type'], 'application/json');
  });

  it('flagged: categories are the true ones', async () => {
    const v = await client().check('I will kill the process', inline('sk-inline'), deadline());
    assert.deepEqual(v, { flagged: true, categories: ['violence'] });
  });

  it('default model omni-moderation-latest (empty model, and model omitted in the CRD)', async () => {
    await client().check('x', inline('sk'), deadline());
    const parsed = parseRequestGuardConfig({
      moderation: { openAIModeration: { authToken: { kind: 'Inline', inline: 'sk' } } },
    }).moderation!;
    await client().check('x', parsed, deadline());
    assert.deepEqual(
      mock.requests.map((r) => (r.json as { model: string }).model),
      ['omni-moderation-latest', 'omni-moderation-latest'],
    );
  });

  it('flagged if ANY result is flagged', async () => {
    scripted = [
      {
        json: {
          results: [
            { flagged: false, categories: { hate: false } },
            { flagged: true, categories: { hate: true, violence: false, 'self-harm': true } },
            { flagged: true, categories: { hate: true } },
          ],
        },
      },
    ];
    assert.deepEqual(await client().check('x', inline('sk'), deadline()), {
      flagged: true,
      categories: ['hate', 'self-harm'],
    });
  });

  it('API error (500) → ModerationError status, message has no secrets', async () => {
    const e = await rejectsWith(
      client().check('explode-moderation', inline('sk-very-secret'), deadline()),
      'status',
    );
    assert.equal(e.status, 500);
    assert.match(e.message, /HTTP 500 \(server_error\)/);
    assert.doesNotMatch(e.message, /sk-very-secret|explode/);
  });

  it('401 from the API → ModerationError status', async () => {
    scripted = [
      {
        status: 401,
        json: {
          error: {
            message: 'Incorrect API key provided: sk-***',
            type: 'invalid_request_error',
            code: 'invalid_api_key',
          },
        },
      },
    ];
    const e = await rejectsWith(client().check('x', inline('sk-wrong'), deadline()), 'status');
    assert.equal(e.status, 401);
    assert.doesNotMatch(e.message, /Incorrect/);
  });

  it('bad JSON and wrong shape → ModerationError', async () => {
    scripted = [{ json: { nope: true } }, { json: { results: [{ flagged: 'yes' }] } }];
    await rejectsWith(client().check('x', inline('sk'), deadline()), 'schema');
    await rejectsWith(client().check('x', inline('sk'), deadline()), 'schema');
    const garbage: HttpClient = {
      request: () => Promise.resolve({ status: 200, headers: {}, body: new TextEncoder().encode('<html>') }),
    };
    await rejectsWith(
      new ModerationClient(garbage, { baseUrl: 'https://x/v1', envApiKey: 'k' }).check(
        'x',
        noToken,
        deadline(),
      ),
      'invalid_json',
    );
  });

  it('retries a retryable failure once by default, then succeeds', async () => {
    scripted = [{ status: 503, json: { error: { type: 'server_error' } } }];
    const c = new ModerationClient(http, { baseUrl: mock.baseUrl, envApiKey: 'sk', retryDelayMs: 10 });
    assert.deepEqual(await c.check('fine', noToken, deadline()), { flagged: false, categories: [] });
    assert.equal(mock.requests.length, 2);
  });

  it('gives up after maxRetries; no retry for 4xx or a long retry-after', async () => {
    const c = new ModerationClient(http, { baseUrl: mock.baseUrl, envApiKey: 'sk', retryDelayMs: 10 });
    await rejectsWith(c.check('explode-moderation', noToken, deadline()), 'status');
    assert.equal(mock.requests.length, 2);
    mock.requests.length = 0;
    scripted = [{ status: 400, json: { error: { type: 'invalid_request_error' } } }];
    await rejectsWith(c.check('x', noToken, deadline()), 'status');
    assert.equal(mock.requests.length, 1);
    mock.requests.length = 0;
    scripted = [{ status: 429, json: {}, headers: { 'retry-after': '20' } }];
    await rejectsWith(c.check('x', noToken, deadline()), 'status');
    assert.equal(mock.requests.length, 1);
  });

  it('deadline: a slow API fails quickly with kind timeout', async () => {
    scripted = ['slow'];
    // The slow mock answers after 1.5 s: a 'timeout' result proves the deadline cut the call.
    await rejectsWith(
      client().check('x', inline('sk'), {
        passthroughAuthorization: undefined,
        deadline: AbortSignal.timeout(150),
      }),
      'timeout',
    );
  });

  it('baseUrl with a trailing slash', async () => {
    const c = new ModerationClient(http, { baseUrl: `${mock.baseUrl}/`, envApiKey: 'sk' });
    await c.check('x', noToken, deadline());
    assert.equal(mock.requests[0]?.path, '/v1/moderations');
  });
});

describe('moderation guard: token precedence (inline > passthrough > env)', () => {
  it('moderationToken', () => {
    assert.equal(moderationToken(inline('in'), 'Bearer pass', 'env'), 'in');
    assert.equal(moderationToken(passthrough, 'Bearer pass', 'env'), 'pass');
    assert.equal(moderationToken(passthrough, 'raw-token', 'env'), 'raw-token');
    assert.equal(
      moderationToken(passthrough, 'bearer lower', 'env'),
      'bearer lower',
      '"Bearer " strip is case-sensitive',
    );
    assert.equal(moderationToken(passthrough, undefined, 'env'), 'env');
    assert.equal(moderationToken(passthrough, 'Bearer ', 'env'), 'env');
    assert.equal(
      moderationToken(noToken, 'Bearer pass', 'env'),
      'env',
      'the client header is used only under Passthrough',
    );
    assert.equal(moderationToken(inline(''), undefined, 'env'), 'env');
    assert.equal(moderationToken(noToken, 'Bearer pass', undefined), undefined);
    assert.equal(moderationToken(noToken, undefined, '  '), undefined);
  });

  it('end to end: what the API receives', async () => {
    const seen: HttpRequest[] = [];
    const ok: HttpClient = {
      request(req): Promise<HttpResponse> {
        seen.push(req);
        return Promise.resolve({
          status: 200,
          headers: {},
          body: new TextEncoder().encode(JSON.stringify({ results: [{ flagged: false, categories: {} }] })),
        });
      },
    };
    const c = new ModerationClient(ok, { baseUrl: 'https://api.example/v1', envApiKey: 'sk-env' });
    await c.check('x', inline('sk-inline'), {
      passthroughAuthorization: 'Bearer sk-client',
      deadline: AbortSignal.timeout(4000),
    });
    await c.check('x', passthrough, {
      passthroughAuthorization: 'Bearer sk-client',
      deadline: AbortSignal.timeout(4000),
    });
    await c.check('x', passthrough, {
      passthroughAuthorization: undefined,
      deadline: AbortSignal.timeout(4000),
    });
    await c.check('x', noToken, {
      passthroughAuthorization: 'Bearer sk-client',
      deadline: AbortSignal.timeout(4000),
    });
    assert.deepEqual(
      seen.map((r) => r.headers.authorization),
      ['Bearer sk-inline', 'Bearer sk-client', 'Bearer sk-env', 'Bearer sk-env'],
    );
    assert.equal(seen[0]?.url, 'https://api.example/v1/moderations');
    assert.notEqual(seen[0]?.insecureSkipVerify, true, 'moderation always verifies TLS');
  });

  it('no token anywhere → ModerationError missing_token, no call', async () => {
    const seen: HttpRequest[] = [];
    const never: HttpClient = {
      request(req) {
        seen.push(req);
        return Promise.reject(new Error('unreachable'));
      },
    };
    const c = new ModerationClient(never, { baseUrl: 'https://api.example/v1', envApiKey: undefined });
    await rejectsWith(
      c.check('x', noToken, { passthroughAuthorization: 'Bearer sk', deadline: AbortSignal.timeout(4000) }),
      'missing_token',
    );
    assert.equal(seen.length, 0);
  });

  it('the mock answers 401 without a Bearer token', async () => {
    const mock = await startModerationMock();
    try {
      const res = await http.request({
        url: `${mock.baseUrl}/moderations`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: new TextEncoder().encode('{"input":"x"}'),
        timeoutMs: 2000,
      });
      assert.equal(res.status, 401);
    } finally {
      await mock.close();
    }
  });

  it('organization / project headers', async () => {
    const seen: HttpRequest[] = [];
    const ok: HttpClient = {
      request(req) {
        seen.push(req);
        return Promise.resolve({
          status: 200,
          headers: {},
          body: new TextEncoder().encode('{"results":[]}'),
        });
      },
    };
    const c = new ModerationClient(ok, {
      baseUrl: 'https://x/v1',
      envApiKey: 'k',
      organization: 'org-1',
      project: 'proj-1',
    });
    assert.deepEqual(
      await c.check('x', noToken, {
        passthroughAuthorization: undefined,
        deadline: AbortSignal.timeout(4000),
      }),
      {
        flagged: false,
        categories: [],
      },
    );
    assert.equal(seen[0]?.headers['openai-organization'], 'org-1');
    assert.equal(seen[0]?.headers['openai-project'], 'proj-1');
  });
});

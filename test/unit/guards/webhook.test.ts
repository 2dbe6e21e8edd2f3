import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { GuardConfigError, parseRequestGuardConfig } from '../../../src/guards/config.js';
import type { HeaderMatch, WebhookGuard } from '../../../src/guards/config.js';
import type { HttpClient, HttpRequest, HttpResponse } from '../../../src/guards/http-client.js';
import { WebhookError, WebhookGuardClient } from '../../../src/guards/webhook/index.js';
import type { WebhookCallOptions, WebhookErrorKind } from '../../../src/guards/webhook/index.js';
import { NodeHttpClient } from '../../../src/http/index.js';
import { opensslAvailable, startWebhookServer } from '../../helpers/webhook-server.js';
import type { WebhookHandler, WebhookServer } from '../../helpers/webhook-server.js';

// ----------------------------------------------------------------------------------------------------------------
// helpers

const http = new NodeHttpClient();
after(() => http.close());

function cfgFor(
  server: { host: string; port: number },
  forwardHeaderMatches: HeaderMatch[] = [],
): WebhookGuard {
  return { host: server.host, port: server.port, forwardHeaderMatches };
}

function opts(over: Partial<WebhookCallOptions> = {}): WebhookCallOptions {
  return {
    headers: new Map(),
    deadline: AbortSignal.timeout(4000),
    scheme: 'http',
    insecureSkipVerify: false,
    ...over,
  };
}

async function rejectsWith(p: Promise<unknown>, kind: WebhookErrorKind): Promise<WebhookError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof WebhookError, `expected WebhookError, got ${String(e)}`);
    assert.equal(e.kind, kind, e.message);
    return e;
  }
  assert.fail(`expected a WebhookError of kind ${kind}`);
}

/** A fake HttpClient answering canned bytes. */
function fakeHttp(status: number, body: unknown, record: HttpRequest[] = []): HttpClient {
  return {
    request(req: HttpRequest): Promise<HttpResponse> {
      record.push(req);
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      return Promise.resolve({ status, headers: {}, body: new TextEncoder().encode(text) });
    },
  };
}
const fakeCfg: WebhookGuard = { host: 'guard.svc', port: 8000, forwardHeaderMatches: [] };
const msgs = (...contents: string[]): Array<{ role: string; content: string }> =>
  contents.map((content, i) => ({ role: i % 2 ? 'assistant' : 'user', content }));

async function freePort(): Promise<number> {
  const s = net.createServer();
  s.listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

// ----------------------------------------------------------------------------------------------------------------

describe('webhook guard: request phase against the mock webhook', () => {
  let server: WebhookServer;
  let client: WebhookGuardClient;
  before(async () => {
    server = await startWebhookServer();
    client = new WebhookGuardClient(http, cfgFor(server));
  });
  after(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
  });

  it('pass: sends {"body":{"messages":[...]}} with role and content only, and passes', async () => {
    const v = await client.checkRequest(
      [{ role: 'system', content: 'be nice' }, { role: 'user', content: 'hello', name: 'x' } as never],
      opts(),
    );
    assert.deepEqual(v, { kind: 'pass', reason: 'nothing found' });
    assert.equal(server.requests.length, 1);
    const call = server.requests[0]!;
    assert.equal(call.phase, 'request');
    assert.deepEqual(call.json, {
      body: {
        messages: [
          { role: 'system', content: 'be nice' },
          { role: 'user', content: 'hello' },
        ],
      },
    });
    assert.equal(call.headers['content-type'], 'application/json');
    assert.equal(call.headers['content-length'], String(Buffer.byteLength(call.raw)));
  });

  it('mask: one content per message, same order', async () => {
    const v = await client.checkRequest(msgs('keep', 'please mask-me and mask-me', 'ok'), opts());
    assert.deepEqual(v, {
      kind: 'mask',
      contents: ['keep', 'please <MASKED> and <MASKED>', 'ok'],
      reason: 'masked mask-me',
    });
  });

  it('reject: status and body from the webhook', async () => {
    const v = await client.checkRequest(msgs('hi', 'reject-me now'), opts());
    assert.deepEqual(v, {
      kind: 'reject',
      status: 403,
      body: 'Rejected by webhook',
      reason: 'found reject-me',
    });
  });

  it('UTF-8 content round-trips', async () => {
    const v = await client.checkRequest(msgs('héllo 世界 🚀 mask-me'), opts());
    assert.deepEqual(v, { kind: 'mask', contents: ['héllo 世界 🚀 <MASKED>'], reason: 'masked mask-me' });
  });
});

describe('webhook guard: response phase against the mock webhook', () => {
  let server: WebhookServer;
  let client: WebhookGuardClient;
  before(async () => {
    server = await startWebhookServer();
    client = new WebhookGuardClient(http, cfgFor(server));
  });
  after(() => server.close());

  it('sends {"body":{"choices":[{"message":...}]}}; strings get role assistant; masks', async () => {
    const v = await client.checkResponse(
      ['the secret-word is here', { role: '', content: 'streamed segment' }],
      opts(),
    );
    assert.deepEqual(v, {
      kind: 'mask',
      contents: ['the <REDACTED> is here', 'streamed segment'],
      reason: 'redacted secret-word',
    });
    assert.deepEqual(server.requests.at(-1)?.json, {
      body: {
        choices: [
          { message: { role: 'assistant', content: 'the secret-word is here' } },
          { message: { role: '', content: 'streamed segment' } },
        ],
      },
    });
    assert.equal(server.requests.at(-1)?.phase, 'response');
  });

  it('pass', async () => {
    assert.deepEqual(await client.checkResponse(['fine'], opts()), { kind: 'pass', reason: 'nothing found' });
  });
});

describe('webhook guard: reply validation (webhooks-openapi.yaml)', () => {
  const req = (reply: unknown, status = 200, sent = msgs('a', 'b')): Promise<unknown> =>
    new WebhookGuardClient(fakeHttp(status, reply), fakeCfg).checkRequest(sent, opts());
  const resp = (reply: unknown, status = 200, sent: string[] = ['a']): Promise<unknown> =>
    new WebhookGuardClient(fakeHttp(status, reply), fakeCfg).checkResponse(sent, opts());

  it('PassAction: {action:{reason}}, {action:{}}, reason null, body null', async () => {
    assert.deepEqual(await req({ action: { reason: 'ok' } }), { kind: 'pass', reason: 'ok' });
    assert.deepEqual(await req({ action: {} }), { kind: 'pass' });
    assert.deepEqual(await req({ action: { reason: null, body: null } }), { kind: 'pass' });
    assert.deepEqual(await resp({ action: { reason: 'fine', extra: 1 } }), { kind: 'pass', reason: 'fine' });
  });

  it('mask: role changes are ignored, extra fields are ignored', async () => {
    const v = await req({
      action: {
        body: {
          messages: [
            { role: 'SYSTEM', content: 'x', extra: true },
            { role: 'user', content: '' },
          ],
          other: 1,
        },
      },
    });
    assert.deepEqual(v, { kind: 'mask', contents: ['x', ''] });
  });

  it('response mask shaped like a full chat completion (extra fields ignored)', async () => {
    const v = await resp({
      action: {
        body: {
          id: 'chatcmpl-1',
          object: 'chat.completion',
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: 'card <CREDIT_CARD>', refusal: null },
              finish_reason: 'stop',
            },
          ],
          usage: { prompt_tokens: 1 },
        },
        reason: 'mask credit card number',
      },
    });
    assert.deepEqual(v, {
      kind: 'mask',
      contents: ['card <CREDIT_CARD>'],
      reason: 'mask credit card number',
    });
  });

  it('reject: empty body gets the default text; integral status strings are accepted', async () => {
    assert.deepEqual(await req({ action: { body: '', status_code: 400 } }), {
      kind: 'reject',
      status: 400,
      body: 'Rejected by guardrails webhook',
    });
    assert.deepEqual(await req({ action: { body: 'no', status_code: '451', reason: 'r' } }), {
      kind: 'reject',
      status: 451,
      body: 'no',
      reason: 'r',
    });
  });

  it('count mismatch → WebhookError (request and response)', async () => {
    await rejectsWith(
      req({ action: { body: { messages: [{ role: 'user', content: 'x' }] } } }),
      'count_mismatch',
    );
    await rejectsWith(resp({ action: { body: { choices: [] } } }, 200, ['a', 'b']), 'count_mismatch');
  });

  it('reject in the response phase → WebhookError', async () => {
    await rejectsWith(resp({ action: { body: 'nope', status_code: 403 } }), 'reject_not_allowed');
  });

  it('schema mismatches → WebhookError', async () => {
    for (const bad of [
      [],
      JSON.stringify('a JSON string'),
      {},
      { action: 'pass' },
      { action: { reason: 5 } },
      { action: { body: 'reject without status' } },
      { action: { body: 'x', status_code: 4.5 } },
      { action: { body: 'x', status_code: 99 } },
      { action: { body: 42 } },
      { action: { body: [] } },
      { action: { body: {} } },
      { action: { body: { choices: [] } } },
      {
        action: {
          body: {
            messages: [
              { role: 'user', content: 1 },
              { role: 'user', content: 'b' },
            ],
          },
        },
      },
      { action: { body: { messages: [{ content: 'a' }, { role: 'user', content: 'b' }] } } },
    ])
      await rejectsWith(req(bad), 'schema');
    await rejectsWith(resp({ action: { body: { messages: [{ role: 'a', content: 'b' }] } } }), 'schema');
    await rejectsWith(resp({ action: { body: { choices: [{ content: 'b' }] } } }), 'schema');
  });

  it('non-JSON and non-UTF-8 replies → WebhookError invalid_json', async () => {
    await rejectsWith(req('<html>oops</html>'), 'invalid_json');
    await rejectsWith(req(''), 'invalid_json');
    const latin1: HttpClient = {
      request: () => Promise.resolve({ status: 200, headers: {}, body: Uint8Array.from([0x7b, 0xff, 0x7d]) }),
    };
    await rejectsWith(
      new WebhookGuardClient(latin1, fakeCfg).checkRequest(msgs('a'), opts()),
      'invalid_json',
    );
  });

  it('non-2xx → WebhookError status, even with a valid action body', async () => {
    const e = await rejectsWith(req({ action: { body: 'no', status_code: 403 } }, 403), 'status');
    assert.equal(e.status, 403);
    await rejectsWith(req({ detail: [{ loc: ['body'], msg: 'x', type: 'y' }] }, 422), 'status');
    await rejectsWith(req({ action: {} }, 500), 'status');
  });

  it('2xx other than 200 is accepted', async () => {
    assert.deepEqual(await req({ action: { reason: 'ok' } }, 201), { kind: 'pass', reason: 'ok' });
  });
});

describe('webhook guard: request URL and options', () => {
  it('POSTs {scheme}://{host}:{port}/request|response with timeoutMs and TLS options', async () => {
    const seen: HttpRequest[] = [];
    const client = new WebhookGuardClient(fakeHttp(200, { action: {} }, seen), fakeCfg);
    await client.checkRequest(
      msgs('a'),
      opts({ scheme: 'https', insecureSkipVerify: true, timeoutMs: 1234 }),
    );
    await client.checkResponse(['a'], opts({ scheme: 'http' }));
    assert.equal(seen[0]?.url, 'https://guard.svc:8000/request');
    assert.equal(seen[0]?.method, 'POST');
    assert.equal(seen[0]?.timeoutMs, 1234);
    assert.equal(seen[0]?.insecureSkipVerify, true);
    assert.ok(seen[0]?.signal);
    assert.equal(seen[1]?.url, 'http://guard.svc:8000/response');
    assert.equal(seen[1]?.timeoutMs, 5000, 'default per-call timeout is the original httpx 5 s');
    assert.equal(seen[1]?.insecureSkipVerify, false);
  });

  it('brackets IPv6 hosts', () => {
    const c = new WebhookGuardClient(fakeHttp(200, {}), {
      host: '::1',
      port: 9000,
      forwardHeaderMatches: [],
    });
    assert.equal(c.endpoint('request', 'https'), 'https://[::1]:9000/request');
  });
});

describe('webhook guard: failures and the deadline', () => {
  it('connection refused → WebhookError network', async () => {
    const port = await freePort();
    const client = new WebhookGuardClient(http, { host: '127.0.0.1', port, forwardHeaderMatches: [] });
    const e = await rejectsWith(client.checkRequest(msgs('a'), opts()), 'network');
    assert.match(e.message, /ECONNREFUSED/);
  });

  it('a slow webhook fails quickly when the deadline aborts', async () => {
    const slow: WebhookHandler = async () => {
      await sleep(1500);
      return { json: { action: {} } };
    };
    const server = await startWebhookServer({ handler: slow });
    try {
      const client = new WebhookGuardClient(http, cfgFor(server));
      const t0 = Date.now();
      await rejectsWith(
        client.checkRequest(msgs('a'), opts({ deadline: AbortSignal.timeout(150) })),
        'timeout',
      );
      const took = Date.now() - t0;
      assert.ok(took < 800, `took ${took} ms`);
      assert.equal(server.requests.length, 1);
    } finally {
      await server.close();
    }
  });

  it('the per-call timeoutMs also applies', async () => {
    const server = await startWebhookServer({
      handler: async () => {
        await sleep(1500);
        return { json: { action: {} } };
      },
    });
    try {
      const client = new WebhookGuardClient(http, cfgFor(server));
      // The server answers after 1.5 s: 'timeout' proves the per-call limit cut the call.
      await rejectsWith(client.checkResponse(['a'], opts({ timeoutMs: 150 })), 'timeout');
    } finally {
      await server.close();
    }
  });

  it('an already-expired deadline makes no call', async () => {
    const seen: HttpRequest[] = [];
    const client = new WebhookGuardClient(fakeHttp(200, { action: {} }, seen), fakeCfg);
    const ac = new AbortController();
    ac.abort();
    await rejectsWith(client.checkRequest(msgs('a'), opts({ deadline: ac.signal })), 'timeout');
    assert.equal(seen.length, 0);
  });

  it('the deadline wins even if the injected HTTP client ignores the signal', async () => {
    const hanging: HttpClient = { request: () => new Promise<HttpResponse>(() => undefined) };
    const client = new WebhookGuardClient(hanging, fakeCfg);
    const t0 = Date.now();
    await rejectsWith(client.checkRequest(msgs('a'), opts({ deadline: AbortSignal.timeout(50) })), 'timeout');
    assert.ok(Date.now() - t0 < 500);
  });

  it('a throwing HTTP client becomes WebhookError network', async () => {
    const broken: HttpClient = { request: () => Promise.reject(new Error('boom')) };
    await rejectsWith(new WebhookGuardClient(broken, fakeCfg).checkRequest(msgs('a'), opts()), 'network');
  });
});

describe('webhook guard: forwarded headers', () => {
  const clientHeaders = new Map<string, string>([
    [':path', '/v1/chat/completions'],
    [':authority', 'gw.example'],
    ['authorization', 'Bearer sk-client-secret'],
    ['x-api-key', 'sk-ant-secret'],
    ['api-key', 'azure-secret'],
    ['cookie', 'session=abc'],
    ['content-type', 'application/json'],
    ['content-length', '999'],
    ['x-user', 'alice'],
    ['x-team', 'Team-Blue-42'],
    ['x-action', 'reject'],
  ]);

  async function forwardedWith(matches: HeaderMatch[]): Promise<Record<string, string>> {
    const seen: HttpRequest[] = [];
    const client = new WebhookGuardClient(fakeHttp(200, { action: {} }, seen), {
      ...fakeCfg,
      forwardHeaderMatches: matches,
    });
    await client.checkRequest(msgs('a'), opts({ headers: clientHeaders }));
    const h = { ...seen[0]!.headers };
    assert.equal(h['content-type'], 'application/json');
    assert.equal(h.accept, 'application/json');
    delete h['content-type'];
    delete h.accept;
    return h;
  }

  it('no matches → nothing forwarded; secrets and pseudo-headers never leak', async () => {
    assert.deepEqual(await forwardedWith([]), {});
    assert.deepEqual(await forwardedWith([{ type: 'Exact', name: 'x-user', value: 'alice' }]), {
      'x-user': 'alice',
    });
  });

  it('Exact: forwarded only when the value is equal (case-sensitive)', async () => {
    assert.deepEqual(await forwardedWith([{ type: 'Exact', name: 'x-user', value: 'bob' }]), {});
    assert.deepEqual(await forwardedWith([{ type: 'Exact', name: 'x-user', value: 'Alice' }]), {});
    assert.deepEqual(await forwardedWith([{ type: 'Exact', name: 'X-User', value: 'alice' }]), {
      'x-user': 'alice',
    });
    assert.deepEqual(await forwardedWith([{ type: 'Exact', name: 'x-missing', value: '' }]), {});
  });

  it('RegularExpression: whole-value match, RE2 niceties translated', async () => {
    assert.deepEqual(
      await forwardedWith([{ type: 'RegularExpression', name: 'x-team', value: 'Team-[A-Za-z]+-\\d+' }]),
      {
        'x-team': 'Team-Blue-42',
      },
    );
    // Anchored: a partial match does not count.
    assert.deepEqual(await forwardedWith([{ type: 'RegularExpression', name: 'x-team', value: 'Blue' }]), {});
    assert.deepEqual(
      await forwardedWith([{ type: 'RegularExpression', name: 'x-team', value: '.*Blue.*' }]),
      {
        'x-team': 'Team-Blue-42',
      },
    );
    assert.deepEqual(
      await forwardedWith([{ type: 'RegularExpression', name: 'x-team', value: '(?i)team-blue-\\d+' }]),
      {
        'x-team': 'Team-Blue-42',
      },
    );
    assert.deepEqual(
      await forwardedWith([
        { type: 'RegularExpression', name: 'x-team', value: '(?P<t>Team)-(?P<c>\\w+)-42' },
      ]),
      { 'x-team': 'Team-Blue-42' },
    );
    // Alternation stays inside the anchors.
    assert.deepEqual(
      await forwardedWith([{ type: 'RegularExpression', name: 'x-user', value: 'bob|ali' }]),
      {},
    );
    assert.deepEqual(
      await forwardedWith([{ type: 'RegularExpression', name: 'x-user', value: 'bob|alice' }]),
      {
        'x-user': 'alice',
      },
    );
  });

  it('an invalid RegularExpression is a config error at construction', () => {
    assert.throws(
      () =>
        new WebhookGuardClient(fakeHttp(200, {}), {
          ...fakeCfg,
          forwardHeaderMatches: [{ type: 'RegularExpression', name: 'x', value: '([a-z' }],
        }),
      GuardConfigError,
    );
  });

  it('secrets are forwarded only when a match names them', async () => {
    const all = await forwardedWith([
      { type: 'RegularExpression', name: 'x-user', value: '.*' },
      { type: 'RegularExpression', name: 'x-team', value: '.*' },
    ]);
    for (const secret of ['authorization', 'x-api-key', 'api-key', 'cookie'])
      assert.equal(all[secret], undefined);
    assert.deepEqual(
      await forwardedWith([{ type: 'RegularExpression', name: 'authorization', value: 'Bearer .+' }]),
      {
        authorization: 'Bearer sk-client-secret',
      },
    );
    assert.deepEqual(await forwardedWith([{ type: 'Exact', name: 'cookie', value: 'session=abc' }]), {
      cookie: 'session=abc',
    });
  });

  it('pseudo-headers and framing headers are never forwarded, even when named', async () => {
    assert.deepEqual(
      await forwardedWith([
        { type: 'RegularExpression', name: ':path', value: '.*' },
        { type: 'RegularExpression', name: ':authority', value: '.*' },
        { type: 'RegularExpression', name: 'content-length', value: '.*' },
        { type: 'RegularExpression', name: 'content-type', value: '.*' },
      ]),
      {},
    );
  });

  it('legacy forwardHeaders (kgateway v2.0) work through the config parser', async () => {
    const cfg = parseRequestGuardConfig({
      webhook: {
        host: { host: 'guard.svc', port: 8000 },
        forwardHeaders: [{ type: 'Exact', name: 'X-User', value: 'alice' }],
      },
    }).webhook!;
    const seen: HttpRequest[] = [];
    await new WebhookGuardClient(fakeHttp(200, { action: {} }, seen), cfg).checkRequest(
      msgs('a'),
      opts({ headers: clientHeaders }),
    );
    assert.equal(seen[0]?.headers['x-user'], 'alice');
    assert.equal(seen[0]?.headers.authorization, undefined);
  });

  it('forwarded headers reach a real webhook, which can act on them (x-action)', async () => {
    const server = await startWebhookServer();
    try {
      const client = new WebhookGuardClient(
        http,
        cfgFor(server, [{ type: 'Exact', name: 'x-action', value: 'reject' }]),
      );
      const v = await client.checkRequest(msgs('harmless'), opts({ headers: clientHeaders }));
      assert.deepEqual(v, {
        kind: 'reject',
        status: 403,
        body: 'Rejected by webhook',
        reason: 'x-action: reject',
      });
      assert.equal(server.requests[0]?.headers['x-action'], 'reject');
      assert.equal(server.requests[0]?.headers.authorization, undefined);
      assert.equal(server.requests[0]?.headers.cookie, undefined);
    } finally {
      await server.close();
    }
  });
});

describe('webhook guard: trace context', () => {
  it('sends traceparent and tracestate when given, none otherwise', async () => {
    const server = await startWebhookServer();
    try {
      const client = new WebhookGuardClient(http, cfgFor(server));
      const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      await client.checkRequest(msgs('a'), opts({ traceparent: tp, tracestate: 'vendor=1' }));
      await client.checkResponse(['a'], opts({ traceparent: tp }));
      await client.checkRequest(msgs('a'), opts());
      assert.equal(server.requests[0]?.headers.traceparent, tp);
      assert.equal(server.requests[0]?.headers.tracestate, 'vendor=1');
      assert.equal(server.requests[1]?.headers.traceparent, tp);
      assert.equal(server.requests[1]?.headers.tracestate, undefined);
      assert.equal(server.requests[2]?.headers.traceparent, undefined);
    } finally {
      await server.close();
    }
  });

  it('the caller trace context overrides a forwarded client traceparent', async () => {
    const seen: HttpRequest[] = [];
    const client = new WebhookGuardClient(fakeHttp(200, { action: {} }, seen), {
      ...fakeCfg,
      forwardHeaderMatches: [{ type: 'RegularExpression', name: 'traceparent', value: '.*' }],
    });
    await client.checkRequest(
      msgs('a'),
      opts({ headers: new Map([['traceparent', 'client']]), traceparent: 'ours' }),
    );
    assert.equal(seen[0]?.headers.traceparent, 'ours');
  });
});

describe(
  'webhook guard: https',
  { skip: opensslAvailable() ? false : 'openssl CLI not found: no self-signed cert' },
  () => {
    let server: WebhookServer;
    before(async () => {
      server = await startWebhookServer({ tls: true });
    });
    after(() => server.close());

    it('self-signed certificate + insecureSkipVerify (kgateway mode) works', async () => {
      const client = new WebhookGuardClient(http, cfgFor(server));
      const v = await client.checkRequest(
        msgs('mask-me'),
        opts({ scheme: 'https', insecureSkipVerify: true }),
      );
      assert.deepEqual(v, { kind: 'mask', contents: ['<MASKED>'], reason: 'masked mask-me' });
    });

    it('verification on (standalone) rejects the self-signed certificate', async () => {
      const client = new WebhookGuardClient(http, cfgFor(server));
      const e = await rejectsWith(
        client.checkRequest(msgs('a'), opts({ scheme: 'https', insecureSkipVerify: false })),
        'network',
      );
      assert.match(e.message, /self[- ]signed|certificate/i);
    });

    it('verification on succeeds when the certificate is trusted (ca option)', async () => {
      const trusting = new NodeHttpClient({ ca: server.cert! });
      try {
        const client = new WebhookGuardClient(trusting, cfgFor(server));
        const v = await client.checkRequest(msgs('a'), opts({ scheme: 'https', insecureSkipVerify: false }));
        assert.equal(v.kind, 'pass');
      } finally {
        trusting.close();
      }
    });

    it('plain http against the TLS port fails as a network error', async () => {
      const client = new WebhookGuardClient(http, cfgFor(server));
      await rejectsWith(client.checkRequest(msgs('a'), opts({ scheme: 'http', timeoutMs: 1000 })), 'network');
    });
  },
);

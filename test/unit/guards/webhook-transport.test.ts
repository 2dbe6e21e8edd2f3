import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HttpClient, HttpRequest, HttpResponse } from '../../../src/guards/http-client.js';
import { WebhookGuardClient } from '../../../src/guards/webhook/index.js';
import { NodeHttpClient } from '../../../src/http/index.js';
import { opensslAvailable, startWebhookServer } from '../../helpers/webhook-server.js';
import type { WebhookHandler, WebhookServer } from '../../helpers/webhook-server.js';
import { http, cfgFor, opts, rejectsWith, fakeHttp, fakeCfg, msgs, freePort } from './webhook-fixtures.js';

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

  it('a slow webhook fails with a timeout when the deadline aborts', async () => {
    const slow: WebhookHandler = async () => {
      await sleep(1500);
      return { json: { action: {} } };
    };
    const server = await startWebhookServer({ handler: slow });
    try {
      const client = new WebhookGuardClient(http, cfgFor(server));
      // Had the deadline not aborted the call, the webhook's answer (a pass) would resolve it instead.
      await rejectsWith(
        client.checkRequest(msgs('a'), opts({ deadline: AbortSignal.timeout(150) })),
        'timeout',
      );
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

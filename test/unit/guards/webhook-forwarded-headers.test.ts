import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GuardConfigError, parseRequestGuardConfig } from '../../../src/guards/config.js';
import type { HeaderMatch } from '../../../src/guards/config.js';
import type { HttpRequest } from '../../../src/guards/http-client.js';
import { WebhookGuardClient } from '../../../src/guards/webhook/index.js';
import { startWebhookServer } from '../../helpers/webhook-server.js';
import { http, cfgFor, opts, fakeHttp, fakeCfg, msgs } from './webhook-fixtures.js';

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

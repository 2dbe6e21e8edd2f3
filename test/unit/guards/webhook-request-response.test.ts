import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WebhookGuardClient } from '../../../src/guards/webhook/index.js';
import { startWebhookServer } from '../../helpers/webhook-server.js';
import type { WebhookServer } from '../../helpers/webhook-server.js';
import { http, cfgFor, opts, msgs } from './webhook-fixtures.js';

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

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { HttpClient } from '../../../src/guards/http-client.js';
import { WebhookGuardClient } from '../../../src/guards/webhook/index.js';
import { opts, rejectsWith, fakeHttp, fakeCfg, msgs } from './webhook-fixtures.js';

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

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { bedrockProvider } from '../../../../src/providers/bedrock/index.js';
import type { AnyJson } from './translate-fixtures.js';
import { MODEL, fixedProvider, fixture, golden, target } from './translate-fixtures.js';

describe('bedrock response', () => {
  for (const scenario of ['reasoning-cache', 'tools', 'text-tool-length']) {
    it(`golden: response-${scenario}`, () => {
      const out = fixedProvider().response(fixture(`response-${scenario}.converse.json`), target());
      assert.deepEqual(out, golden(`response-${scenario}.openai.json`, out));
    });
  }

  it('maps every documented stopReason', () => {
    const cases: Record<string, string> = {
      end_turn: 'stop',
      stop_sequence: 'stop',
      max_tokens: 'length',
      model_context_window_exceeded: 'length',
      tool_use: 'tool_calls',
      guardrail_intervened: 'content_filter',
      content_filtered: 'content_filter',
      something_new: 'stop',
    };
    for (const [stopReason, finish] of Object.entries(cases)) {
      const out: AnyJson = bedrockProvider.response(
        { output: { message: { content: [{ text: 'x' }] } }, stopReason },
        target(),
      );
      assert.equal(out.choices[0].finish_reason, finish, stopReason);
    }
  });

  it('tolerates an empty body and counts ids per call', () => {
    const p = fixedProvider();
    const a: AnyJson = p.response({}, target());
    const b: AnyJson = p.response({}, target());
    assert.deepEqual(a.choices, [
      { index: 0, message: { role: 'assistant', content: '' }, logprobs: null, finish_reason: 'stop' },
    ]);
    assert.equal(a.usage, undefined);
    assert.equal(a.id, 'chatcmpl-bedrock-test-1');
    assert.equal(b.id, 'chatcmpl-bedrock-test-2');
    assert.equal(a.created, 1_700_000_000);
  });

  it('default ids carry a per-adapter random part', () => {
    const out: AnyJson = bedrockProvider.response({}, target());
    assert.match(out.id, /^chatcmpl-bedrock-[0-9a-f]{8}-\d+$/);
    assert.equal(out.model, MODEL);
    assert.equal(bedrockProvider.provider, 'bedrock');
  });
});

describe('bedrock error', () => {
  const err = (status: number, body: unknown) =>
    bedrockProvider.error(status, Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)));

  it('maps statuses and messages', () => {
    assert.deepEqual(err(400, { message: 'Malformed input request' }), {
      status: 400,
      message: 'Malformed input request',
      type: 'invalid_request_error',
      code: null,
    });
    assert.equal(err(401, { message: 'x' }).type, 'authentication_error');
    assert.equal(
      err(403, { message: 'The security token included in the request is invalid.' }).type,
      'authentication_error',
    );
    assert.equal(
      err(403, { message: 'The request signature we calculated does not match' }).type,
      'authentication_error',
    );
    const denied = err(403, { Message: "You don't have access to the model with the specified model ID." });
    assert.equal(denied.type, 'permission_error');
    assert.equal(denied.message, "You don't have access to the model with the specified model ID.");
    assert.equal(err(404, { message: 'The provided model identifier is invalid.' }).type, 'not_found_error');
    assert.equal(
      err(429, { message: 'Too many requests, please wait before trying again.' }).type,
      'rate_limit_error',
    );
    assert.equal(err(413, { message: 'too big' }).type, 'invalid_request_error');
    assert.equal(err(500, { message: 'internal' }).type, 'api_error');
    assert.equal(err(503, { message: 'unavailable' }).type, 'api_error');
  });

  it('uses an exception name from the body when there is one', () => {
    assert.deepEqual(
      err(400, { __type: 'com.amazon.coral.service#ServiceQuotaExceededException', message: 'quota' }),
      {
        status: 400,
        message: 'quota',
        type: 'rate_limit_error',
        code: 'ServiceQuotaExceededException',
      },
    );
    const v = err(400, { __type: 'ValidationException:http://internal.amazon.com/coral/', message: 'bad' });
    assert.equal(v.code, 'ValidationException');
    assert.equal(v.type, 'invalid_request_error');
    assert.equal(err(424, { code: 'ModelErrorException', message: 'm' }).type, 'api_error');
  });

  it('handles non-JSON, empty and very long bodies', () => {
    assert.deepEqual(err(502, '  <html>Bad Gateway</html>\n'), {
      status: 502,
      message: '<html>Bad Gateway</html>',
      type: 'api_error',
      code: null,
    });
    assert.equal(err(500, '').message, 'Bedrock returned HTTP 500');
    assert.equal(err(500, {}).message, 'Bedrock returned HTTP 500');
    const long = err(400, { message: 'x'.repeat(5000) });
    assert.equal(long.message.length, 1001);
  });
});

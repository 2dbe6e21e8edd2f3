/**
 * Failures answer with the documented local replies and log without content: an RE2-invalid guard
 * pattern is a 500 ai_extproc_invalid_policy (logged once per config, no stack trace), a body nested
 * too deeply on a guarded route is a 400, and a malformed body's content never reaches a log line
 * at info or warn (V8's JSON.parse messages quote their input).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ExtProcTestClient,
  immediateStatus,
  requestBody,
  requestHeaders,
} from '../helpers/extproc-client.js';
import type { Reply } from '../helpers/extproc-client.js';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';

const FAKE_KEY = 'sk-proj-FAKEKEY0123456789abcdef';

describe('failure replies and log hygiene', () => {
  let t: TestApp;
  let client: ExtProcTestClient;
  before(async () => {
    t = await startTestApp({ LOG_LEVEL: 'debug' });
    client = new ExtProcTestClient(t.target);
  });
  after(async () => {
    client.close();
    await t.close();
  });

  async function request(md: Record<string, string>, body: string): Promise<{ reply: Reply; grpc?: number }> {
    const s = client.open({ 'x-llm-provider': 'openai', ...md });
    s.send(requestHeaders({ ':path': '/v1/chat/completions', authorization: 'Bearer k' }));
    await s.next();
    s.send(requestBody(body, true));
    try {
      const reply = await s.next(10_000);
      s.endAndCancel();
      return { reply };
    } catch {
      return { reply: {} as Reply, grpc: s.status?.code ?? -1 };
    }
  }

  const guarded = (regex: object, hash: string) => ({
    'x-req-guardrails-config': JSON.stringify({ regex }),
    'x-req-guardrails-config-hash': hash,
  });
  const chat = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });

  it('an RE2-invalid guard pattern: 500 ai_extproc_invalid_policy, logged once per config, no stack', async () => {
    const before = t.logs.length;
    for (const [hash, pattern] of [
      ['bad1', '(a)\\1'],
      ['bad1', '(a)\\1'],
      ['bad1', '(a)\\1'],
      ['bad2', '(?=lookahead)x'],
    ] as const) {
      const { reply, grpc } = await request(guarded({ action: 'MASK', matches: [{ pattern }] }, hash), chat);
      assert.equal(grpc, undefined, 'no gRPC error');
      assert.equal(immediateStatus(reply), 500);
      assert.equal(reply.immediate_response?.details, 'ai_extproc_invalid_policy');
    }
    const lines = t.logs.slice(before).filter((l) => l.level !== 'debug');
    const configLines = lines.filter((l) => JSON.stringify(l).includes('matches[0].pattern'));
    assert.equal(configLines.length, 2, JSON.stringify(lines));
    assert.equal(JSON.stringify(lines).includes('    at '), false, 'no stack trace');
  });

  it('a body nested 100,000 levels deep on a guarded route: 400, no gRPC error, no stack', async () => {
    const before = t.logs.length;
    const deep = `{"model":"gpt-4o-mini","messages":[{"role":"user","content":${'['.repeat(100_000)}${']'.repeat(100_000)}}]}`;
    const { reply, grpc } = await request(guarded({ action: 'MASK', builtins: ['EMAIL'] }, 'deep'), deep);
    assert.equal(grpc, undefined, 'no gRPC error');
    assert.equal(immediateStatus(reply), 400);
    const lines = t.logs.slice(before);
    assert.equal(JSON.stringify(lines).includes('    at '), false, 'no stack trace');
  });

  it('a malformed JSON body: its content appears in no log line at info or warn', async () => {
    const bodies = [
      `{"model":"gpt-4o-mini","api_key": ${FAKE_KEY}, "messages":[]}`,
      `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"${FAKE_KEY}`,
      `{"model": "gpt-4o-mini"} ${FAKE_KEY}`,
    ];
    for (const body of bodies) {
      await request({}, body);
      await request(guarded({ action: 'MASK', builtins: ['EMAIL'] }, 'mal'), body);
    }
    const loud = t.logs.filter((l) => l.level !== 'debug' && l.level !== 'trace');
    assert.ok(
      loud.some((l) => l.msg === 'exchange stage failed'),
      'the failure itself is logged',
    );
    // V8 quotes about ten characters around the error: no eight-character piece of the key may appear.
    const pieces = Array.from({ length: FAKE_KEY.length - 7 }, (_, i) => FAKE_KEY.slice(i, i + 8));
    const leaked = loud.filter((l) => pieces.some((p) => JSON.stringify(l).includes(p)));
    assert.deepEqual(leaked, []);
  });
});

/**
 * Guards and tool traffic (kgateway mode, scripted ext_proc client): text next to tool calls is
 * guarded on responses, and tool-call arguments and tool results are guarded on requests, with
 * masked arguments kept valid JSON.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ExtProcTestClient,
  immediateStatus,
  requestBody,
  requestHeaders,
  responseBody,
  responseHeaders,
} from '../helpers/extproc-client.js';
import type { Reply } from '../helpers/extproc-client.js';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';

const CARD = '4111 1111 1111 1111';
const MASKED = '<CREDIT_CARD>';
const regex = (action: 'MASK' | 'REJECT') => JSON.stringify({ regex: { builtins: ['CREDIT_CARD'], action } });
const mutation = (r: Reply) => (r.request_body ?? r.response_body)?.response?.body_mutation ?? null;
type Obj = Record<string, unknown>;

describe('guards and tool traffic', () => {
  let t: TestApp;
  let client: ExtProcTestClient;
  before(async () => {
    t = await startTestApp();
    client = new ExtProcTestClient(t.target);
  });
  after(async () => {
    client.close();
    await t.close();
  });

  async function request(provider: string, action: 'MASK' | 'REJECT', body: Obj): Promise<Reply> {
    const s = client.open({
      'x-llm-provider': provider,
      'x-req-guardrails-config': regex(action),
      'x-req-guardrails-config-hash': `tools-${action}`,
    });
    s.send(requestHeaders({ ':path': '/v1/chat/completions' }));
    await s.next();
    s.send(requestBody(JSON.stringify(body), true));
    const r = await s.next();
    s.endAndCancel();
    return r;
  }

  async function response(body: Obj): Promise<Reply> {
    const s = client.open({
      'x-llm-provider': 'openai',
      'x-resp-guardrails-config': regex('MASK'),
      'x-resp-guardrails-config-hash': 'tools-resp',
    });
    s.send(requestHeaders({ ':path': '/v1/chat/completions' }));
    await s.next();
    s.send(requestBody(JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'q' }] }), true));
    await s.next();
    s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
    await s.next();
    s.send(responseBody(JSON.stringify(body), true));
    const r = await s.next();
    s.endAndCancel();
    return r;
  }

  const toolCall = (args: string) => ({
    id: 'call_1',
    type: 'function',
    function: { name: 'pay', arguments: args },
  });

  it('responses: text next to tool_calls, and n=2 with one tool-call choice, are masked', async () => {
    const body = {
      id: 'c',
      model: 'gpt-4o-mini',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: `Paying with ${CARD}.`, tool_calls: [toolCall('{}')] },
          finish_reason: 'tool_calls',
        },
        {
          index: 1,
          message: { role: 'assistant', content: null, tool_calls: [toolCall('{"x":1}')] },
          finish_reason: 'tool_calls',
        },
        { index: 2, message: { role: 'assistant', content: `Card ${CARD}` }, finish_reason: 'stop' },
      ],
    };
    const out = JSON.parse(mutation(await response(body))!.body!.toString()) as typeof body;
    assert.equal(out.choices[0]!.message.content, `Paying with ${MASKED}.`);
    assert.equal(out.choices[1]!.message.content, null);
    assert.equal(out.choices[2]!.message.content, `Card ${MASKED}`);
  });

  it('OpenAI requests: assistant tool_calls arguments are masked and stay valid JSON', async () => {
    const args = JSON.stringify({ card: CARD, nested: { list: [`again ${CARD}`, 3] }, n: 1 });
    const body = {
      model: 'm',
      messages: [
        { role: 'user', content: 'pay it' },
        { role: 'assistant', content: null, tool_calls: [toolCall(args)] },
        { role: 'tool', tool_call_id: 'call_1', content: `paid with ${CARD}` },
      ],
    };
    const out = JSON.parse(mutation(await request('openai', 'MASK', body))!.body!.toString()) as {
      messages: { content: string | null; tool_calls?: { function: { arguments: string } }[] }[];
    };
    const sent = JSON.parse(out.messages[1]!.tool_calls![0]!.function.arguments) as unknown;
    assert.deepEqual(sent, { card: MASKED, nested: { list: [`again ${MASKED}`, 3] }, n: 1 });
    assert.equal(out.messages[2]!.content, `paid with ${MASKED}`);
    assert.equal(immediateStatus(await request('openai', 'REJECT', body)), 403);
  });

  it('Anthropic requests: tool_result content (string and blocks) and tool_use input are masked', async () => {
    const body = {
      model: 'claude',
      messages: [
        { role: 'user', content: 'pay it' },
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: 'tu', name: 'pay', input: { card: CARD } }],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'tu', content: `paid with ${CARD}` },
            { type: 'tool_result', tool_use_id: 'tu', content: [{ type: 'text', text: `card ${CARD}` }] },
          ],
        },
      ],
    };
    const out = JSON.parse(mutation(await request('anthropic', 'MASK', body))!.body!.toString()) as {
      messages: { content: { input?: { card: string }; content?: unknown }[] }[];
    };
    assert.deepEqual(out.messages[1]!.content[0]!.input, { card: MASKED });
    assert.equal(out.messages[2]!.content[0]!.content, `paid with ${MASKED}`);
    assert.deepEqual(out.messages[2]!.content[1]!.content, [{ type: 'text', text: `card ${MASKED}` }]);
    assert.equal(immediateStatus(await request('anthropic', 'REJECT', body)), 403);
  });

  it('Gemini requests: functionCall.args and functionResponse.response are masked', async () => {
    const body = {
      contents: [
        { role: 'user', parts: [{ text: 'pay it' }] },
        { role: 'model', parts: [{ functionCall: { name: 'pay', args: { card: CARD } } }] },
        {
          role: 'user',
          parts: [{ functionResponse: { name: 'pay', response: { result: `paid with ${CARD}`, ok: true } } }],
        },
      ],
    };
    const out = JSON.parse(mutation(await request('gemini', 'MASK', body))!.body!.toString()) as {
      contents: { parts: Obj[] }[];
    };
    assert.deepEqual(out.contents[1]!.parts[0], { functionCall: { name: 'pay', args: { card: MASKED } } });
    assert.deepEqual(out.contents[2]!.parts[0], {
      functionResponse: { name: 'pay', response: { result: `paid with ${MASKED}`, ok: true } },
    });
    assert.equal(immediateStatus(await request('gemini', 'REJECT', body)), 403);
  });
});

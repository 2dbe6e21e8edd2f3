/**
 * The budget stage's settle rules, driven message by message through the real server (standalone):
 * an upstream error settles to the input tokens, a stream that ends without usage keeps its whole
 * reservation, usage is priced by the model that served (longest configured prefix), and an
 * Anthropic client gets its 429 in Anthropic's format with the rate-limit headers.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ExtProcTestClient,
  headerValue,
  immediateStatus,
  requestBody,
  requestHeaders,
  responseBody,
  responseHeaders,
} from '../helpers/extproc-client.js';
import { metricValue, startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { estimatePromptTokens } from '../../src/tokens/prompt-estimate.js';

const CONFIG = `version: 1
backends:
  oa: { provider: openai, baseUrl: http://127.0.0.1:1, auth: { apiKey: { env: GW } }, defaultModel: m }
clients:
  alice: { key: { env: K_ALICE } }
  bob: { key: { env: K_BOB } }
  carol: { key: { env: K_CAROL } }
  dave: { key: { env: K_DAVE } }
pricing: { m: { input: 2, output: 8 } }
routes:
  - name: chat
    backend: oa
    policy:
      requireClient: true
      maxOutputTokens: 50
      limits: [{ name: per-client, key: [client], tokens: { limit: 1000, per: day } }]
`;
const SECRETS = { GW: 'sk-gw', K_ALICE: 'vk-a', K_BOB: 'vk-b', K_CAROL: 'vk-c', K_DAVE: 'vk-d' };
const MESSAGES = [{ role: 'user', content: 'Tell me about lighthouses.' }];
const ESTIMATE = estimatePromptTokens({ model: 'm', messages: MESSAGES }, 'openai');

describe('budget settle rules through the ext_proc server', () => {
  let t: TestApp;
  let client: ExtProcTestClient;
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-extproc-budget-'));
    fs.writeFileSync(path.join(dir, 'config.yaml'), CONFIG);
    t = await startTestApp({ AI_EXTPROC_CONFIG: path.join(dir, 'config.yaml') }, { secretsEnv: SECRETS });
    client = new ExtProcTestClient(t.target);
  });
  after(async () => {
    client?.close();
    await t?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Sends the request; returns the stream and the body reply. */
  async function ask(key: string, body: object, p = '/v1/chat/completions') {
    const s = client.open({});
    s.send(requestHeaders({ ':path': p, authorization: `Bearer ${key}`, 'x-api-key': key }));
    await s.next();
    s.send(requestBody(JSON.stringify(body), true));
    return { s, reply: await s.next() };
  }

  const spent = async (who: string): Promise<number | undefined> => {
    for (let i = 0; i < 40; i++) {
      const v = metricValue(await t.metrics(), 'ai_extproc_client_tokens_total', { client: who });
      if (v !== undefined) return v;
      await new Promise((r) => setTimeout(r, 25));
    }
    return undefined;
  };

  it('an upstream error settles to the input tokens', async () => {
    const { s, reply } = await ask('vk-a', { model: 'm', messages: MESSAGES });
    // The route's cap went upstream: the request named no max_tokens.
    const sent = JSON.parse(reply.request_body!.response!.body_mutation!.body!.toString()) as Record<
      string,
      unknown
    >;
    assert.equal(sent.max_completion_tokens, 50);
    s.send(responseHeaders({ ':status': '500', 'content-type': 'application/json' }));
    await s.next();
    s.send(responseBody('{"error":{"message":"boom","type":"server_error"}}', true));
    await s.next();
    s.endAndCancel();
    assert.equal(await spent('alice'), ESTIMATE);
  });

  it('a stream that ends without usage keeps its whole reservation, never 0', async () => {
    const { s, reply } = await ask('vk-b', { model: 'm', messages: MESSAGES, stream: true });
    const sent = JSON.parse(reply.request_body!.response!.body_mutation!.body!.toString()) as Record<
      string,
      unknown
    >;
    assert.deepEqual(sent.stream_options, { include_usage: true });
    s.send(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream' }));
    await s.next();
    s.send(
      responseBody(
        'data: {"model":"m","choices":[{"index":0,"delta":{"content":"hi"}}]}\n\ndata: [DONE]\n\n',
        true,
      ),
    );
    await s.next();
    s.endAndCancel();
    assert.equal(await spent('bob'), ESTIMATE + 50);
  });

  it('usage is priced by the model that served (longest configured prefix)', async () => {
    const { s } = await ask('vk-c', { model: 'm', messages: MESSAGES, max_tokens: 10 });
    s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
    await s.next();
    s.send(
      responseBody(
        '{"id":"x","object":"chat.completion","model":"m-2025-01-01","choices":[{"index":0,"message":{"role":"assistant","content":"yo"},"finish_reason":"stop"}],"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10}}',
        true,
      ),
    );
    await s.next();
    s.endAndCancel();
    assert.equal(await spent('carol'), 10);
    const usd = metricValue(await t.metrics(), 'ai_extproc_client_cost_usd_total', { client: 'carol' });
    assert.equal(usd, (7 * 2 + 3 * 8) / 1e6);
  });

  it("an Anthropic client over the limit gets Anthropic's 429 with retry-after and x-ratelimit-*", async () => {
    const { reply } = await ask('vk-d', { model: 'm', max_tokens: 2000, messages: MESSAGES }, '/v1/messages');
    assert.equal(immediateStatus(reply), 429);
    const body = JSON.parse(reply.immediate_response!.body.toString()) as {
      type: string;
      error: { type: string };
    };
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'rate_limit_error');
    const headers = reply.immediate_response!.headers!.set_headers as Parameters<typeof headerValue>[0];
    assert.ok(Number(headerValue(headers, 'retry-after')) > 0);
    assert.equal(headerValue(headers, 'x-ratelimit-limit-tokens'), '1000');
    assert.equal(headerValue(headers, 'x-ratelimit-remaining-tokens'), '1000');
    const m = await t.metrics();
    assert.equal(
      metricValue(m, 'ai_extproc_budget_decisions_total', { limit: 'per-client', decision: 'limited' }),
      1,
    );
  });
});

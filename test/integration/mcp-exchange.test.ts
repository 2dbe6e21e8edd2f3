/**
 * The MCP guard through the real ext_proc transport (scripted Envoy messages, request body BUFFERED,
 * response STREAMED as the generated Envoy config sets them): denials, masking, list filtering over
 * JSON and over an SSE stream split mid-event, fail-closed results; and every metric the dashboard's
 * MCP panels query has samples afterwards.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ExtProcTestClient,
  requestBody,
  requestHeaders,
  responseBody,
  responseHeaders,
} from '../helpers/extproc-client.js';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { repoRoot } from '../helpers/repo.js';
import { startOtlpReceiver } from '../helpers/otlp-receiver.js';
import type { OtlpReceiver } from '../helpers/otlp-receiver.js';

const config = (otlp: string) => `version: 1
tracing: { endpoint: '${otlp}', protocol: http/json, sampler: { type: alwaysOn } }
backends:
  mock: { provider: openai, baseUrl: http://127.0.0.1:1, auth: { none: true }, defaultModel: m }
routes:
  - name: ai
    match: { pathPrefix: /v1 }
    backend: mock
identity: { header: x-client-id }
mcp:
  backends:
    tools: { baseUrl: http://127.0.0.1:2 }
  routes:
    - name: tools
      match: { pathPrefix: /mcp }
      backend: tools
      rules:
        tools: { deny: [rm] }
      clientRules:
        - clients: [ops]
          tools: { deny: [deploy] }
      guards:
        request: { regex: { action: MASK, builtins: [CREDIT_CARD] } }
        response: { regex: { action: MASK, builtins: [CREDIT_CARD] } }
    - name: strict
      match: { pathPrefix: /strict }
      backend: tools
      guards:
        request: { regex: { action: REJECT, builtins: [CREDIT_CARD] } }
        response: { webhook: { host: { host: 127.0.0.1, port: 1 }, scheme: http } }
`;
const CARD = '4111 1111 1111 1111';
const POST = { ':method': 'POST', ':path': '/mcp', ':authority': 'gw', 'content-type': 'application/json' };
const MODES: ['BUFFERED', 'STREAMED'] = ['BUFFERED', 'STREAMED'];

type Reply = Awaited<ReturnType<ReturnType<ExtProcTestClient['open']>['next']>>;
const bodyOf = (r: Reply, dir: 'request_body' | 'response_body') =>
  r[dir]?.response?.body_mutation?.body?.toString() ??
  r[dir]?.response?.body_mutation?.streamed_response?.body?.toString();

describe('MCP exchange through the ext_proc transport', () => {
  let t: TestApp;
  let client: ExtProcTestClient;
  let otlp: OtlpReceiver;
  before(async () => {
    otlp = await startOtlpReceiver();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-exchange-'));
    fs.writeFileSync(path.join(dir, 'c.yaml'), config(otlp.url));
    t = await startTestApp({ AI_EXTPROC_CONFIG: path.join(dir, 'c.yaml'), TRACE_BATCH_DELAY_MS: '50' });
    client = new ExtProcTestClient(t.target);
  });
  after(async () => {
    client?.close();
    await t?.close();
    await otlp?.close();
  });

  async function call(body: unknown, headers: Record<string, string> = {}, p = '/mcp') {
    const s = client.open();
    s.send(requestHeaders({ ...POST, ':path': p, ...headers }, false, MODES));
    const h = await s.next();
    s.send(requestBody(JSON.stringify(body), true));
    return { s, h, b: await s.next() };
  }

  it('routes to the MCP cluster and denies a tool with the request id', async () => {
    const { s, h, b } = await call({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'rm' } });
    const set = h.request_headers!.response!.header_mutation!.set_headers.map((x) => [
      x.header!.key,
      x.header!.raw_value?.toString(),
    ]);
    assert.ok(set.some(([k, v]) => k === 'x-ai-extproc-backend' && v === 'mcp.tools'));
    assert.equal(b.immediate_response!.status!.code, 'OK'); // 200
    assert.deepEqual(JSON.parse(b.immediate_response!.body.toString()), {
      jsonrpc: '2.0',
      id: 5,
      error: { code: -32602, message: 'Tool rm not found' },
    });
    s.endAndCancel();
  });

  it("clientRules: the identity header picks the caller's rules (one resolution for every route)", async () => {
    const deploy = { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'deploy' } };
    const ops = await call(deploy, { 'x-client-id': 'ops' });
    assert.equal(
      JSON.parse(ops.b.immediate_response!.body.toString()).error.message,
      'Tool deploy not found',
    );
    ops.s.endAndCancel();
    // ops's entry replaces the default rules: rm passes for ops, deploy for everyone else.
    const rm = await call(
      { jsonrpc: '2.0', id: 8, method: 'tools/call', params: { name: 'rm' } },
      { 'x-client-id': 'ops' },
    );
    assert.equal(rm.b.immediate_response, undefined);
    rm.s.endAndCancel();
    const anon = await call(deploy);
    assert.equal(anon.b.immediate_response, undefined);
    anon.s.endAndCancel();
  });

  it('masks arguments (valid JSON) and the result; the answer keeps its id', async () => {
    const { s, b } = await call({
      jsonrpc: '2.0',
      id: 'x"y',
      method: 'tools/call',
      params: { name: 'pay', arguments: { card: CARD, note: `say "${CARD}"`, n: 3 } },
    });
    const sent = JSON.parse(bodyOf(b, 'request_body')!) as { params: { arguments: Record<string, unknown> } };
    assert.deepEqual(sent.params.arguments, { card: '<CREDIT_CARD>', note: 'say "<CREDIT_CARD>"', n: 3 });
    s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json', 'content-length': '99' }));
    const rh = await s.next();
    assert.deepEqual(rh.response_headers!.response!.header_mutation!.remove_headers, ['content-length']);
    const answer = {
      jsonrpc: '2.0',
      id: 'x"y',
      result: { content: [{ type: 'text', text: `card ${CARD}` }] },
    };
    const raw = JSON.stringify(answer);
    // A held STREAMED body is answered one chunk behind: both replies come with the last chunk.
    s.send(responseBody(raw.slice(0, 20), false));
    s.send(responseBody(raw.slice(20), true));
    const [first, last] = await s.take(2);
    assert.equal(first!.response_body!.response!.body_mutation!.clear_body, true);
    const out = JSON.parse(bodyOf(last!, 'response_body')!) as typeof answer;
    assert.deepEqual(out, { ...answer, result: { content: [{ type: 'text', text: 'card <CREDIT_CARD>' }] } });
    s.endAndCancel();
  });

  it('filters tools/list in an SSE stream split mid-event; other events pass byte for byte', async () => {
    const { s } = await call({ jsonrpc: '2.0', id: 7, method: 'tools/list' });
    s.send(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream' }));
    await s.next();
    const note =
      'event: message\ndata: {"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"x"}}\n\n';
    const answer = `id: 1\nevent: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', id: 7, result: { tools: [{ name: 'ls' }, { name: 'rm' }] } })}\n\n`;
    s.send(responseBody(note + answer.slice(0, 30), false));
    assert.equal(bodyOf(await s.next(), 'response_body'), note);
    s.send(responseBody(answer.slice(30), true));
    const out = bodyOf(await s.next(), 'response_body')!;
    assert.equal(
      out,
      `id: 1\nevent: message\ndata: {"jsonrpc":"2.0","id":7,"result":{"tools":[{"name":"ls"}]}}\n\n`,
    );
    s.endAndCancel();
  });

  it('a list answer that is not JSON fails closed instead of passing unfiltered', async () => {
    const { s } = await call({ jsonrpc: '2.0', id: 12, method: 'tools/list' });
    s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
    await s.next();
    s.send(responseBody('{"jsonrpc":"2.0","id":12,"result":{"tools":[{"name":"rm"}]', true));
    const r = await s.next();
    assert.equal(r.immediate_response?.status?.code, 'BadGateway'); // 502
    s.endAndCancel();
  });

  it('answers without a rule to apply get response body mode NONE', async () => {
    const { s } = await call({ jsonrpc: '2.0', id: 8, method: 'prompts/list' });
    s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
    const rh = await s.next();
    assert.equal(rh.mode_override?.response_body_mode, 'NONE');
    s.endAndCancel();
  });

  it('an oversized SSE event fails closed', async () => {
    const { s } = await call({ jsonrpc: '2.0', id: 9, method: 'tools/list' });
    s.send(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream' }));
    await s.next();
    s.send(responseBody(`data: ${'x'.repeat(4 * 1024 * 1024 + 10)}`, false));
    const r = await s.next();
    assert.equal(r.immediate_response?.status?.code, 'BadGateway'); // 502
    s.endAndCancel();
  });

  it('a rejecting argument guard answers a JSON-RPC error; a failing result guard replaces the result', async () => {
    const rejected = await call(
      { jsonrpc: '2.0', id: 21, method: 'tools/call', params: { name: 'pay', arguments: { card: CARD } } },
      {},
      '/strict/mcp',
    );
    assert.deepEqual(JSON.parse(rejected.b.immediate_response!.body.toString()), {
      jsonrpc: '2.0',
      id: 21,
      error: { code: -32602, message: 'Rejected by guardrails regex' },
    });
    rejected.s.endAndCancel();
    const { s, b } = await call(
      { jsonrpc: '2.0', id: 22, method: 'tools/call', params: { name: 'pay', arguments: { card: 'none' } } },
      {},
      '/strict/mcp',
    );
    assert.equal(b.immediate_response, undefined);
    s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
    await s.next();
    s.send(
      responseBody(
        JSON.stringify({ jsonrpc: '2.0', id: 22, result: { content: [{ type: 'text', text: 'secret' }] } }),
        true,
      ),
    );
    const out = JSON.parse(bodyOf(await s.next(), 'response_body')!) as {
      id: number;
      error: { code: number };
    };
    assert.equal(out.id, 22);
    assert.equal(out.error.code, -32603);
    assert.ok(!JSON.stringify(out).includes('secret'));
    s.endAndCancel();
  });

  it('a span per tool call, with the guards under it and the decision on it', async () => {
    const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const { s } = await call(
      { jsonrpc: '2.0', id: 11, method: 'tools/call', params: { name: 'traced', arguments: { a: CARD } } },
      { traceparent: `00-${trace}-00f067aa0ba902b7-01` },
    );
    s.send(responseHeaders({ ':status': '202' }));
    await s.next();
    s.endAndCancel();
    const spans = await otlp.waitForSpans((x) =>
      x.some((y) => y.traceId === trace && y.name === 'mcp tools/call traced'),
    );
    const tool = spans.find((y) => y.traceId === trace && y.name === 'mcp tools/call traced')!;
    assert.equal(tool.attributes['mcp.tool'], 'traced');
    assert.equal(tool.attributes['mcp.decision'], 'masked');
    const regex = spans.find((y) => y.traceId === trace && y.name === 'handle_request_body_req_regex');
    assert.equal(regex?.parentSpanId, tool.spanId);
  });

  it('arguments too many to check fail closed', async () => {
    const { s, b } = await call({
      jsonrpc: '2.0',
      id: 14,
      method: 'tools/call',
      params: { name: 'pay', arguments: { list: Array.from({ length: 10_001 }, () => 'a') } },
    });
    assert.equal(b.immediate_response?.status?.code, 'InternalServerError'); // 500
    assert.deepEqual(JSON.parse(b.immediate_response.body.toString()), {
      jsonrpc: '2.0',
      id: 14,
      error: { code: -32603, message: 'The request could not be checked' },
    });
    s.endAndCancel();
  });

  it('client-chosen tool names are cut to a bounded length in labels and logs', async () => {
    const { s } = await call({
      jsonrpc: '2.0',
      id: 13,
      method: 'tools/call',
      params: { name: 'n'.repeat(10_000) },
    });
    s.send(responseHeaders({ ':status': '202' }));
    await s.next();
    s.endAndCancel();
    await new Promise((r) => setTimeout(r, 50));
    const m = /tool="(n+)…"/.exec(await t.metrics());
    assert.equal(m?.[1]?.length, 128);
    const line = t.logs.find((l) => l.msg === 'mcp request summary' && String(l.tool).startsWith('nnn'));
    assert.equal(String(line?.tool).length, 129);
  });

  it('the dashboard MCP panels query only metrics with samples now', async () => {
    await new Promise((r) => setTimeout(r, 50));
    const text = await t.metrics();
    const dash = JSON.parse(
      fs.readFileSync(path.join(repoRoot(), 'docs/grafana/ai-extproc-dashboard.json'), 'utf8'),
    ) as {
      panels: { targets: { expr: string }[] }[];
    };
    const names = new Set(
      dash.panels.flatMap((p) =>
        p.targets.flatMap((x) => [...x.expr.matchAll(/\b(ai_extproc_mcp_[a-z_]+)/g)].map((m) => m[1]!)),
      ),
    );
    assert.ok(names.size >= 2, [...names].join(','));
    for (const n of names) assert.match(text, new RegExp(`^${n}\\{`, 'm'), `${n} has samples`);
    assert.match(
      text,
      /ai_extproc_mcp_requests_total\{route="tools",method="tools\/call",tool="rm",result="denied"\} 1/,
    );
    assert.match(
      text,
      /ai_extproc_mcp_requests_total\{route="tools",method="tools\/call",tool="pay",result="masked"\} 1/,
    );
  });
});

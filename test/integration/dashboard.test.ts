/** Every metric the shipped Grafana dashboard queries appears in a scraped /metrics. */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
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
import os from 'node:os';
import { repoRoot } from '../helpers/repo.js';

const PROMQL_WORDS = new Set([
  'sum',
  'by',
  'rate',
  'histogram_quantile',
  'le',
  'without',
  'on',
  'irate',
  'increase',
  'avg',
  'max',
  'min',
]);

it('the dashboard only queries metrics the server exposes', async () => {
  const dash = JSON.parse(
    fs.readFileSync(path.join(repoRoot(), 'docs/grafana/ai-extproc-dashboard.json'), 'utf8'),
  ) as {
    panels: { targets: { expr: string }[] }[];
  };
  const queried = new Set<string>();
  for (const p of dash.panels) {
    for (const t of p.targets) {
      // Metric names: identifiers followed by a selector, a range or a closing paren, outside label sets.
      const expr = t.expr.replace(/\{[^}]*\}/g, '{}').replace(/\b(by|without)\s*\([^)]*\)/g, '');
      for (const m of expr.matchAll(/\b([a-z_:][a-z0-9_:]*)\s*(?=\{|\[|\)|\s*\/|$)/g)) {
        // The MCP panels need MCP traffic: test/integration/mcp-exchange.test.ts checks them; the
        // cache panels need cache hits: test/e2e/cache-envoy.test.ts checks them.
        if (!PROMQL_WORDS.has(m[1]!) && !/^ai_extproc_(mcp|cache)_/.test(m[1]!)) queried.add(m[1]!);
      }
    }
  }
  assert.ok(queried.size >= 10, [...queried].join(','));

  const t = await startTestApp({ GUARD_WEBHOOK_SCHEME: 'http' });
  const client = new ExtProcTestClient(t.target);
  try {
    // Traffic that touches every family: a guarded streaming exchange.
    const s = client.open({
      'x-llm-provider': 'openai',
      'x-req-guardrails-config':
        '{"regex":{"builtins":["EMAIL"],"action":"MASK"},"webhook":{"host":{"host":"127.0.0.1","port":1}},"customResponse":{"statusCode":503}}',
      'x-req-guardrails-config-hash': 'dash',
    });
    s.send(requestHeaders({ ':path': '/v1/chat/completions' }));
    await s.next();
    s.send(requestBody('{"model":"m","messages":[{"role":"user","content":"a@b.com"}]}', true));
    await s.next();
    s.endAndCancel();
    const s2 = client.open({ 'x-llm-provider': 'openai' });
    s2.send(requestHeaders({ ':path': '/v1/chat/completions' }));
    await s2.next();
    s2.send(requestBody('not json', true));
    await s2.next();
    s2.send(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream' }));
    await s2.next();
    s2.send(
      responseBody(
        'data: {"model":"m","choices":[{"index":0,"delta":{"content":"hi"}}]}\n\ndata: {"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":3}}\n\ndata: [DONE]\n\n',
        true,
      ),
    );
    await s2.next();
    s2.endAndCancel();
    await new Promise((r) => setTimeout(r, 50));
    const text = (await t.metrics()) + (await budgetTraffic());
    const exposed = new Set(
      [...text.matchAll(/^# TYPE (\S+) (\w+)$/gm)].flatMap((m) =>
        m[2] === 'histogram' ? [`${m[1]}_bucket`, `${m[1]}_sum`, `${m[1]}_count`] : [m[1]!],
      ),
    );
    const series = new Set([...text.matchAll(/^([a-z_:][a-z0-9_:]*)[{ ]/gm)].map((m) => m[1]!));
    for (const name of queried) {
      assert.ok(exposed.has(name), `dashboard queries ${name}, which /metrics does not declare`);
      assert.ok(series.has(name), `dashboard queries ${name}, which has no samples after traffic`);
    }
  } finally {
    client.close();
    await t.close();
  }
});

/** Standalone budget metrics: one request allowed, priced and settled, one limited. */
async function budgetTraffic(): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-extproc-dash-'));
  const config = path.join(dir, 'config.yaml');
  fs.writeFileSync(
    config,
    `version: 1
backends:
  oa: { provider: openai, baseUrl: http://127.0.0.1:1, auth: { none: true }, defaultModel: m }
clients:
  alice: { key: { env: DASH_KEY }, team: t }
pricing: { m: { input: 1, output: 2 } }
routes:
  - name: chat
    backend: oa
    policy:
      requireClient: true
      limits: [{ name: one, key: [client], requests: { limit: 1, per: hour } }]
`,
  );
  let t: TestApp | undefined;
  let client: ExtProcTestClient | undefined;
  try {
    t = await startTestApp({ AI_EXTPROC_CONFIG: config }, { secretsEnv: { DASH_KEY: 'vk-dash' } });
    client = new ExtProcTestClient(t.target);
    for (let i = 0; i < 2; i++) {
      const s = client.open({});
      s.send(requestHeaders({ ':path': '/v1/chat/completions', authorization: 'Bearer vk-dash' }));
      await s.next();
      s.send(requestBody('{"model":"m","messages":[{"role":"user","content":"hi"}]}', true));
      await s.next();
      if (i === 0) {
        s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
        await s.next();
        s.send(
          responseBody(
            '{"id":"c","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"yo"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}',
            true,
          ),
        );
        await s.next();
      }
      s.endAndCancel();
    }
    await new Promise((r) => setTimeout(r, 50));
    return await t.metrics();
  } finally {
    client?.close();
    await t?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Standalone mode's hot reload through real Envoy (envoy/standalone/envoy.yaml, generated): a backend
 * and a route added to our YAML reach Envoy through the xDS files without a restart, a good change
 * takes effect, and a bad file is rejected while the old config stays live.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { startStandaloneStack } from '../helpers/stack.js';
import type { StandaloneStack } from '../helpers/stack.js';
import { repoRoot } from '../helpers/repo.js';
import { metricValue } from '../helpers/app.js';

const CONFIG = fs.readFileSync(path.join(repoRoot(), 'test/fixtures/standalone/e2e.yaml'), 'utf8');
const SECRETS = {
  E2E_OPENAI_KEY: 'sk-gateway-openai',
  E2E_ANTHROPIC_KEY: 'sk-gateway-anthropic',
  E2E_GEMINI_KEY: 'gemini-gateway-key',
  E2E_AWS_ID: 'AKIDEXAMPLE',
  E2E_AWS_SECRET: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

describe('standalone mode through real Envoy: config reloads', () => {
  let stack: StandaloneStack;
  let openai: OpenAI;
  before(async () => {
    stack = await startStandaloneStack(CONFIG, {}, SECRETS);
    openai = new OpenAI({ baseURL: `${stack.envoy.url}/v1`, apiKey: 'sk-client', maxRetries: 0 });
  });
  after(async () => {
    await stack?.close();
  });

  it('a backend and a route added to our YAML reach Envoy without a restart, while traffic flows', async () => {
    const envoyPid = stack.envoy.proc.pid;
    let stop = false;
    const statuses: number[] = [];
    const traffic = (async () => {
      while (!stop) {
        const r = await fetch(`${stack.envoy.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'steady' }] }),
        });
        statuses.push(r.status);
        await r.text();
      }
    })();
    try {
      // A new backend on a new Envoy cluster (same mock, another name), and a route to it.
      stack.writeConfig(
        CONFIG.replace(
          'backends:\n',
          'backends:\n  added:\n    provider: openai\n    baseUrl: http://{{UPSTREAM}}\n    cluster: added-cluster\n    auth: { none: true }\n    defaultModel: gpt-added\n',
        ).replace(
          'routes:\n',
          'routes:\n  - name: added-route\n    match: { pathPrefix: /added }\n    backend: added\n',
        ),
      );
      const deadline = Date.now() + 20_000;
      let status = 0;
      for (;;) {
        const r = await fetch(`${stack.envoy.url}/added`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-test-tag': 'added' },
          body: JSON.stringify({ messages: [{ role: 'user', content: 'new route' }] }),
        });
        status = r.status;
        const body = (await r.json().catch(() => ({}))) as { model?: string };
        if (status === 200) {
          // The backend's defaultModel went upstream (the mock answers with the model it got).
          assert.equal(body.model, 'gpt-added');
          break;
        }
        if (Date.now() > deadline) assert.fail(`the added route never answered (last status ${status})`);
        await new Promise((res) => setTimeout(res, 100));
      }
      const until = Date.now() + 10_000;
      let line: Record<string, unknown> | undefined;
      while (!line && Date.now() < until) {
        // :path is the upstream's by then; our route name comes from the metadata.
        line = stack.envoy
          .accessLogEntries()
          .find((e) => e.route === 'added-route' && Number(e.status) === 200);
        if (!line) await new Promise((res) => setTimeout(res, 50));
      }
      assert.equal(line?.cluster, 'added-cluster', 'served by the cluster Envoy learned from the xDS files');
    } finally {
      stop = true;
      await traffic;
    }
    assert.equal(stack.envoy.proc.pid, envoyPid);
    assert.equal(stack.envoy.proc.exitCode, null, 'Envoy was not restarted');
    assert.ok(statuses.length > 0);
    assert.deepEqual([...new Set(statuses)], [200], 'traffic on the existing route never failed');
    stack.writeConfig(CONFIG);
  });

  it('hot reload: a good change takes effect; a bad file is rejected and the old config stays', async () => {
    stack.writeConfig(
      CONFIG.replace(
        'fast: { backend: mock-openai, model: gpt-4o-mini }',
        'fast: { backend: mock-openai, model: gpt-4.1-nano }',
      ),
    );
    const deadline = Date.now() + 20_000;
    for (;;) {
      await openai.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'x' }] });
      if ((stack.mock.lastRequest()!.json as { model: string }).model === 'gpt-4.1-nano') break;
      if (Date.now() > deadline) assert.fail('config change not picked up');
      await new Promise((r) => setTimeout(r, 100));
    }
    stack.writeConfig('version: 1\nbackends: {}\nroutes: [{ name: x, backend: nowhere }]\n');
    const until = Date.now() + 20_000;
    while (!(
      metricValue(await stack.ext.metrics(), 'ai_extproc_config_reloads_total', { result: 'rejected' }) ?? 0
    )) {
      if (Date.now() > until) assert.fail('bad config not reported');
      await new Promise((r) => setTimeout(r, 100));
    }
    await openai.chat.completions.create({
      model: 'fast',
      messages: [{ role: 'user', content: 'still working' }],
    });
    assert.equal((stack.mock.lastRequest()!.json as { model: string }).model, 'gpt-4.1-nano');
    assert.ok(stack.ext.logs.some((l) => l.msg === 'config rejected; the previous config stays live'));
    assert.equal(JSON.stringify(stack.ext.logs).includes('sk-gateway-openai'), false, 'no secret in logs');
  });
});

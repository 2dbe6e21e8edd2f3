/**
 * Tracing and GenAI metrics through real Envoy: kgateway's tracing.json (base64, quoted) points the
 * extension at a local OTLP/HTTP receiver; the client's traceparent reaches the extension as gRPC
 * metadata and every phase span continues that trace.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { startKgatewayStack } from '../helpers/stack.js';
import type { KgatewayStack } from '../helpers/stack.js';
import { startOtlpReceiver } from '../helpers/otlp-receiver.js';
import type { FlatSpan, OtlpReceiver } from '../helpers/otlp-receiver.js';
import { metricValue } from '../helpers/app.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';

describe('tracing and GenAI metrics through real Envoy', () => {
  let stack: KgatewayStack;
  let receiver: OtlpReceiver;
  let dir: string;
  let openai: OpenAI;
  before(async () => {
    receiver = await startOtlpReceiver();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-otel-'));
    const tracing = {
      endpoint: receiver.url,
      protocol: 'http/json',
      sampler: { type: 'parentbasedAlwaysOn' },
      timeout: '5s',
    };
    fs.writeFileSync(
      path.join(dir, 'tracing.json'),
      `"${Buffer.from(JSON.stringify(tracing)).toString('base64')}"`,
    );
    stack = await startKgatewayStack({ AI_OTEL_CONFIG_DIRS: dir, TRACE_BATCH_DELAY_MS: '50' });
    openai = new OpenAI({ baseURL: `${stack.envoy.url}/v1`, apiKey: 'sk-trace', maxRetries: 0 });
  });
  after(async () => {
    await stack?.close();
    await receiver?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('exports the phase span tree under the incoming traceparent, with gen_ai attributes', async () => {
    const res = await openai.chat.completions.create(
      {
        model: 'gpt-4o-mini',
        max_tokens: 50,
        temperature: 0.3,
        messages: [{ role: 'user', content: 'trace me please' }],
      },
      { headers: { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` } },
    );
    const mine = (s: FlatSpan[]) => s.filter((x) => x.traceId === TRACE_ID);
    const spans = mine(await receiver.waitForSpans((s) => mine(s).some((x) => x.name === 'gen_ai.response')));
    const byName = new Map(spans.map((s) => [s.name, s]));
    for (const root of [
      'handle_request_headers',
      'handle_request_body',
      'handle_response_headers',
      'handle_response_body',
    ]) {
      assert.equal(byName.get(root)?.parentSpanId, PARENT_ID, `${root} continues the client's span`);
    }
    assert.equal(byName.get('parse_config')?.parentSpanId, byName.get('handle_request_headers')?.spanId);
    const req = byName.get('gen_ai.request chat gpt-4o-mini');
    assert.equal(req?.parentSpanId, byName.get('handle_request_body')?.spanId);
    assert.equal(req?.attributes['gen_ai.system'], 'openai');
    assert.equal(req?.attributes['gen_ai.operation.name'], 'chat');
    assert.equal(req?.attributes['gen_ai.request.max_tokens'], 50);
    assert.equal(req?.attributes['gen_ai.request.temperature'], 0.3);
    assert.equal(req?.attributes['gen_ai.input.messages'], undefined, 'no prompt content by default');
    const resp = byName.get('gen_ai.response');
    assert.equal(resp?.parentSpanId, byName.get('handle_response_body')?.spanId);
    assert.equal(resp?.attributes['gen_ai.response.id'], res.id);
    assert.equal(resp?.attributes['gen_ai.response.model'], res.model);
    assert.equal(resp?.attributes['gen_ai.usage.input_tokens'], res.usage?.prompt_tokens);
    assert.equal(resp?.attributes['gen_ai.usage.output_tokens'], res.usage?.completion_tokens);
    assert.deepEqual(resp?.attributes['gen_ai.response.finish_reasons'], ['stop']);
    assert.equal(spans[0]?.resource['service.name'], 'kgateway-ai-extension');
  });

  it('GenAI metrics advance with the right labels, streaming and not', async () => {
    const before = await stack.ext.metrics();
    await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'one' }],
    });
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'two' }],
    });
    let out = 0;
    for await (const c of stream) out = c.usage?.completion_tokens ?? out;
    await new Promise((r) => setTimeout(r, 100));
    const after = await stack.ext.metrics();
    const labels = {
      gen_ai_operation_name: 'chat',
      gen_ai_provider_name: 'openai',
      gen_ai_request_model: 'gpt-4o-mini',
      error_type: '',
    };
    const d = (name: string, extra: Record<string, string> = {}) =>
      (metricValue(after, name, { ...labels, ...extra }) ?? 0) -
      (metricValue(before, name, { ...labels, ...extra }) ?? 0);
    assert.equal(d('gen_ai_server_request_duration_seconds_count'), 2);
    assert.equal(d('gen_ai_server_time_to_first_token_seconds_count'), 1, 'TTFT only for the stream');
    assert.equal(d('gen_ai_client_token_usage_count', { gen_ai_token_type: 'output' }), 2);
    assert.ok(d('gen_ai_client_token_usage_sum', { gen_ai_token_type: 'output' }) >= out);
    assert.ok(out > 1);
    assert.equal(d('gen_ai_server_time_per_output_token_seconds_count'), 1);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  httpTracesUrl,
  otlpProtocol,
  samplerSpec,
  timeoutSeconds,
} from '../../../src/config/tracing-settings.js';
import { genAiSystem, requestAttributes } from '../../../src/pipeline/span-attributes.js';

describe('tracing.json semantics', () => {
  it('parses Go durations and plain seconds, rounding up (kgateway test_tracing.py vectors)', () => {
    const cases: [string | number, number][] = [
      ['30s', 30],
      ['5m', 300],
      ['2h', 7200],
      ['1m30s', 90],
      ['1ms', 1],
      ['120', 120],
      [60, 60],
      ['1m40s', 100],
    ];
    for (const [raw, want] of cases) assert.equal(timeoutSeconds(raw), want, String(raw));
    assert.equal(timeoutSeconds('soon'), undefined);
    assert.equal(timeoutSeconds(undefined), undefined);
  });

  it('maps samplers; unknown means always on, a missing ratio means 1.0', () => {
    assert.deepEqual(samplerSpec(undefined), { kind: 'alwaysOn' });
    assert.deepEqual(samplerSpec({ type: 'bogus' }), { kind: 'alwaysOn' });
    assert.deepEqual(samplerSpec({ type: 'alwaysOff' }), { kind: 'alwaysOff' });
    assert.deepEqual(samplerSpec({ type: 'traceidratio', arg: '0.5' }), { kind: 'traceidratio', ratio: 0.5 });
    assert.deepEqual(samplerSpec({ type: 'parentbasedTraceidratio' }), {
      kind: 'parentbasedTraceidratio',
      ratio: 1,
    });
    assert.deepEqual(samplerSpec({ type: 'parentbasedAlwaysOff' }), { kind: 'parentbasedAlwaysOff' });
  });

  it('protocols and OTLP/HTTP paths', () => {
    assert.equal(otlpProtocol(undefined), 'grpc');
    assert.equal(otlpProtocol('http/json'), 'http/json');
    assert.equal(otlpProtocol('http/protobuf'), 'http/protobuf');
    assert.equal(httpTracesUrl('http://collector:4318'), 'http://collector:4318/v1/traces');
    assert.equal(httpTracesUrl('http://collector:4318/custom/path'), 'http://collector:4318/custom/path');
  });

  it('gen_ai attributes; content only when switched on', () => {
    assert.equal(genAiSystem('azure_openai'), '');
    assert.equal(genAiSystem('vertex-ai'), 'gcp.vertex_ai');
    const body = {
      model: 'm',
      max_tokens: 5,
      temperature: 0.2,
      stop: 'x',
      n: 2,
      messages: [{ role: 'user', content: 'secret prompt' }],
    };
    const off = requestAttributes('openai', 'chat', 'm', body, false);
    assert.equal(off['gen_ai.request.max_tokens'], 5);
    assert.deepEqual(off['gen_ai.request.stop_sequences'], ['x']);
    assert.equal(off['gen_ai.request.choice.count'], 2);
    assert.equal(off['gen_ai.input.messages'], undefined);
    const on = requestAttributes('openai', 'chat', 'm', body, true);
    assert.match(String(on['gen_ai.input.messages']), /secret prompt/);
    const gem = requestAttributes(
      'gemini',
      'generate_content',
      'g',
      { generationConfig: { maxOutputTokens: 9, topK: 3 } },
      false,
    );
    assert.equal(gem['gen_ai.request.max_tokens'], 9);
    assert.equal(gem['gen_ai.request.top_k'], 3);
  });
});

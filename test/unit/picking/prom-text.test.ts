/** The Prometheus text reader: only the series the picker needs, both KV names, LoRA labels, bounds. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseLabels, parseServerMetrics } from '../../../src/picking/prom-text.js';
import { FLAVOUR_METRICS } from '../../../src/picking/metric-names.js';

const VLLM = `# HELP vllm:num_requests_waiting Number of requests waiting.
# TYPE vllm:num_requests_waiting gauge
vllm:num_requests_waiting{model_name="llama"} 3.0
vllm:num_requests_running{model_name="llama"} 4.0
vllm:num_requests_running_total{model_name="llama"} 999
vllm:kv_cache_usage_perc{model_name="llama"} 0.42
vllm:lora_requests_info{max_lora="2",running_lora_adapters="sql,chat",waiting_lora_adapters=""} 1.7e9
vllm:lora_requests_info{max_lora="2",running_lora_adapters="old",waiting_lora_adapters=""} 1.6e9
vllm:prompt_tokens_total{model_name="llama"} 1234
`;

describe('parseServerMetrics', () => {
  it('reads vLLM gauges and the newest LoRA sample', () => {
    assert.deepEqual(parseServerMetrics(VLLM, FLAVOUR_METRICS.vllm), {
      waiting: 3,
      running: 4,
      kvCache: 0.42,
      lora: { running: ['sql', 'chat'], waiting: [], max: 2 },
    });
  });

  it('accepts the older vllm:gpu_cache_usage_perc', () => {
    const text = VLLM.replace('vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc');
    const r = parseServerMetrics(text, FLAVOUR_METRICS.vllm);
    assert.equal('kvCache' in r && r.kvCache, 0.42);
  });

  it('sums a gauge over its label sets', () => {
    const text =
      'vllm:num_requests_waiting{m="a"} 1\nvllm:num_requests_waiting{m="b"} 2\nvllm:num_requests_running 0\nvllm:kv_cache_usage_perc 0\n';
    const r = parseServerMetrics(text, FLAVOUR_METRICS.vllm);
    assert.equal('waiting' in r && r.waiting, 3);
  });

  it('reads SGLang names', () => {
    const text = 'sglang:num_queue_reqs 7\nsglang:num_running_reqs 2\nsglang:token_usage 0.9\n';
    assert.deepEqual(parseServerMetrics(text, FLAVOUR_METRICS.sglang), {
      waiting: 7,
      running: 2,
      kvCache: 0.9,
      lora: undefined,
    });
  });

  it('names the missing gauge', () => {
    assert.deepEqual(parseServerMetrics('vllm:num_requests_running 1\n', FLAVOUR_METRICS.vllm), {
      error: 'missing vllm:num_requests_waiting',
    });
    assert.ok('error' in parseServerMetrics('', FLAVOUR_METRICS.vllm));
  });

  it('ignores garbage, NaN values, longer names and over-long lines', () => {
    const text = [
      'vllm:num_requests_waiting_x 50',
      'vllm:num_requests_waiting{ 5',
      'vllm:num_requests_waiting NaN',
      `vllm:num_requests_waiting{a="${'x'.repeat(20_000)}"} 9`,
      'vllm:num_requests_waiting 2',
      'vllm:num_requests_running -3',
      'vllm:kv_cache_usage_perc 7',
      '\u0000\u0001 junk',
    ].join('\n');
    assert.deepEqual(parseServerMetrics(text, FLAVOUR_METRICS.vllm), {
      waiting: 2,
      running: 0,
      kvCache: 1,
      lora: undefined,
    });
  });
});

describe('parseLabels', () => {
  it('reads escaped values', () => {
    assert.deepEqual(
      [...parseLabels('a="x\\"y",b="c,d"')],
      [
        ['a', 'x"y'],
        ['b', 'c,d'],
      ],
    );
  });
});

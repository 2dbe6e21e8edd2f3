import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AiMetrics, genAiProvider } from '../../../src/metrics/ai-metrics.js';
import type { ExchangeSummary } from '../../../src/pipeline/observer.js';
import { metricValue } from '../../helpers/app.js';

function summary(over: Partial<ExchangeSummary> = {}): ExchangeSummary {
  return {
    labels: { llm: 'openai', model: 'gpt-4o-mini', custom: {} },
    requestId: 'r1',
    operation: 'chat',
    requestModel: 'gpt-4o-mini',
    promptTokens: 10,
    completionTokens: 21,
    cachedInputTokens: 4,
    cacheCreationInputTokens: undefined,
    reasoningTokens: 0,
    rateLimitedTokens: 9,
    responseModel: 'gpt-4o-mini-2024-07-18',
    streaming: true,
    status: 200,
    durationSeconds: 1.5,
    timeToFirstTokenSeconds: 0.5,
    errorType: undefined,
    ...over,
  };
}

describe('AiMetrics', () => {
  it('records kgateway counters and GenAI histograms with their labels', async () => {
    const m = new AiMetrics({ customLabelNames: [], maxModelLabels: 500 });
    m.exchangeCompleted(summary());
    const text = await m.render();
    const g = {
      gen_ai_operation_name: 'chat',
      gen_ai_provider_name: 'openai',
      gen_ai_request_model: 'gpt-4o-mini',
      gen_ai_response_model: 'gpt-4o-mini-2024-07-18',
      error_type: '',
    };
    assert.equal(metricValue(text, 'ai_prompt_tokens_total', { llm: 'openai', model: 'gpt-4o-mini' }), 10);
    assert.equal(
      metricValue(text, 'gen_ai_client_token_usage_sum', { ...g, gen_ai_token_type: 'input' }),
      10,
    );
    assert.equal(
      metricValue(text, 'gen_ai_client_token_usage_sum', { ...g, gen_ai_token_type: 'output' }),
      21,
    );
    assert.equal(
      metricValue(text, 'gen_ai_client_token_usage_sum', { ...g, gen_ai_token_type: 'cached_input' }),
      4,
    );
    assert.equal(
      metricValue(text, 'gen_ai_client_token_usage_count', {
        ...g,
        gen_ai_token_type: 'cache_creation_input',
      }),
      undefined,
    );
    assert.equal(metricValue(text, 'gen_ai_server_request_duration_seconds_sum', g), 1.5);
    assert.equal(metricValue(text, 'gen_ai_server_time_to_first_token_seconds_sum', g), 0.5);
    assert.equal(metricValue(text, 'gen_ai_server_time_per_output_token_seconds_sum', g), 0.05);
    assert.equal(metricValue(text, 'gen_ai_server_request_duration_seconds_bucket', { ...g, le: '2.56' }), 1);
  });

  it('non-streaming responses have no TTFT; errors carry error_type', async () => {
    const m = new AiMetrics({ customLabelNames: [], maxModelLabels: 500 });
    m.exchangeCompleted(
      summary({ streaming: false, timeToFirstTokenSeconds: undefined, status: 429, errorType: 'http_429' }),
    );
    const text = await m.render();
    assert.equal(metricValue(text, 'gen_ai_server_time_to_first_token_seconds_count'), undefined);
    assert.equal(
      metricValue(text, 'gen_ai_server_request_duration_seconds_count', { error_type: 'http_429' }),
      1,
    );
  });

  it('10,000 distinct bogus model names do not create 10,000 series', async () => {
    const m = new AiMetrics({ customLabelNames: [], maxModelLabels: 500 });
    for (let i = 0; i < 10_000; i++) {
      const model = `bogus-${i}`;
      m.exchangeCompleted(
        summary({
          labels: { llm: 'openai', model, custom: {} },
          requestModel: model,
          responseModel: `${model}-x`,
        }),
      );
    }
    const text = await m.render();
    const series = (name: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`)).length;
    assert.equal(series('ai_prompt_tokens_total'), 501);
    assert.equal(series('gen_ai_server_request_duration_seconds_count'), 501);
    assert.equal(metricValue(text, 'ai_prompt_tokens_total', { model: '_other' }), 9500 * 10);
  });

  it('3,008 distinct custom label values do not create 3,008 series', async () => {
    const m = new AiMetrics({ customLabelNames: ['team'], maxModelLabels: 500, maxCustomLabelValues: 100 });
    for (let i = 0; i < 3008; i++) {
      const labels = { llm: 'openai', model: 'gpt-4o', custom: { team: `team-${i}` } };
      m.exchangeCompleted(summary({ labels }));
      m.exceptionRaised(labels);
    }
    const text = await m.render();
    const series = (name: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`)).length;
    assert.equal(series('ai_prompt_tokens_total'), 101);
    assert.equal(series('ai_exception_raised_total'), 101);
    assert.equal(metricValue(text, 'ai_prompt_tokens_total', { team: 'team-99' }), 10);
    assert.equal(metricValue(text, 'ai_prompt_tokens_total', { team: '_other' }), 2908 * 10);
    assert.equal(metricValue(text, 'ai_exception_raised_total', { team: '_other' }), 2908);
  });

  it('maps kgateway provider names to gen_ai.provider.name', () => {
    assert.equal(genAiProvider('azure_openai'), 'azure.openai');
    assert.equal(genAiProvider('vertex-ai'), 'gcp.vertex_ai');
    assert.equal(genAiProvider('gemini'), 'gcp.gemini');
    assert.equal(genAiProvider('anthropic'), 'anthropic');
  });
});

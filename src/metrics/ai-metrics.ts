/**
 * kgateway's ai_* counters (kgateway-contract.md §4) on a private prom-client registry, plus
 * Node process metrics and our own stream gauges. Only this module and main.ts know prom-client.
 */
import client from 'prom-client';
import { LabelCap } from './label-cap.js';
import type {
  ExchangeLabels,
  ExchangeObserver,
  ExchangeSummary,
  GuardAction,
  GuardName,
  GuardPhase,
} from '../pipeline/observer.js';

export interface AiMetricsOptions {
  readonly customLabelNames: readonly string[];
  readonly maxModelLabels: number;
}

/** gen_ai.provider.name for kgateway's provider names. */
export function genAiProvider(llm: string): string {
  switch (llm) {
    case 'azure_openai':
      return 'azure.openai';
    case 'gemini':
      return 'gcp.gemini';
    case 'vertex-ai':
      return 'gcp.vertex_ai';
    default:
      return llm;
  }
}

export class AiMetrics implements ExchangeObserver {
  readonly registry = new client.Registry();
  private readonly promptTokens: client.Counter;
  private readonly completionTokens: client.Counter;
  private readonly rateLimitedTokens: client.Counter;
  private readonly exceptions: client.Counter;
  private readonly streamsOpened: client.Counter;
  private readonly streamsClosed: client.Counter;
  private readonly streamsActive: client.Gauge;
  private readonly guardActions: client.Counter;
  private readonly tokenUsage: client.Histogram;
  private readonly requestDuration: client.Histogram;
  private readonly ttft: client.Histogram;
  private readonly timePerOutputToken: client.Histogram;
  private readonly phaseSeconds: client.Histogram;
  private readonly responseModels: LabelCap;
  private readonly webhookSeconds: client.Histogram;
  private readonly models: LabelCap;
  private readonly labelNames: string[];

  constructor(private readonly opts: AiMetricsOptions) {
    this.labelNames = ['llm', 'model', ...opts.customLabelNames];
    this.models = new LabelCap(opts.maxModelLabels);
    this.responseModels = new LabelCap(opts.maxModelLabels);
    const counter = (name: string, help: string, labelNames = this.labelNames): client.Counter =>
      new client.Counter({ name, help, labelNames, registers: [this.registry] });
    this.promptTokens = counter('ai_prompt_tokens_total', 'Prompt tokens');
    this.completionTokens = counter('ai_completion_tokens_total', 'Completion tokens');
    this.rateLimitedTokens = counter('ai_rate_limited_tokens_total', 'Tokens count toward rate limiting');
    this.exceptions = counter('ai_exception_raised_total', 'Exceptions raised when processing requests');
    this.streamsOpened = counter('ai_extproc_grpc_streams_opened_total', 'ext_proc gRPC streams opened', []);
    this.streamsClosed = counter(
      'ai_extproc_grpc_streams_closed_total',
      'ext_proc gRPC streams closed, by outcome',
      ['outcome'],
    );
    this.streamsActive = new client.Gauge({
      name: 'ai_extproc_requests_in_flight',
      help: 'HTTP requests in flight through the extension (one ext_proc gRPC stream each)',
      registers: [this.registry],
    });
    this.guardActions = counter('ai_guard_actions_total', 'Prompt and response guard decisions', [
      'phase',
      'guard',
      'action',
    ]);
    this.webhookSeconds = new client.Histogram({
      name: 'ai_guard_webhook_duration_seconds',
      help: 'Guardrail webhook call latency',
      labelNames: ['phase', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4],
      registers: [this.registry],
    });
    // OpenTelemetry GenAI semantic conventions, with Envoy AI Gateway's buckets (peers.md §1a).
    const genAiLabels = [
      'gen_ai_operation_name',
      'gen_ai_provider_name',
      'gen_ai_request_model',
      'gen_ai_response_model',
      'error_type',
    ];
    const histogram = (
      name: string,
      help: string,
      buckets: number[],
      labelNames = genAiLabels,
    ): client.Histogram =>
      new client.Histogram({ name, help, buckets, labelNames, registers: [this.registry] });
    this.tokenUsage = histogram(
      'gen_ai_client_token_usage',
      'Number of input and output tokens used, by gen_ai_token_type',
      [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864],
      [...genAiLabels, 'gen_ai_token_type'],
    );
    this.requestDuration = histogram(
      'gen_ai_server_request_duration_seconds',
      'Time from the request headers to the end of the response body',
      [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92],
    );
    this.ttft = histogram(
      'gen_ai_server_time_to_first_token_seconds',
      'Streams: time from the request headers to the first response bytes',
      [
        0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 15, 20, 30, 45,
        60,
      ],
    );
    this.timePerOutputToken = histogram(
      'gen_ai_server_time_per_output_token_seconds',
      'Streams: (duration - time to first token) / (output tokens - 1)',
      [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5],
    );
    this.phaseSeconds = new client.Histogram({
      name: 'ai_extproc_phase_duration_seconds',
      help: 'Time the extension spends on one ext_proc message, by message kind',
      labelNames: ['phase'],
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5],
      registers: [this.registry],
    });
    client.collectDefaultMetrics({ register: this.registry });
  }

  private labels(l: ExchangeLabels): Record<string, string> {
    const out: Record<string, string> = { llm: l.llm, model: this.models.value(l.model) };
    for (const name of this.opts.customLabelNames) out[name] = l.custom[name] ?? '<unknown>';
    return out;
  }

  exchangeCompleted(s: ExchangeSummary): void {
    const labels = this.labels(s.labels);
    this.promptTokens.inc(labels, s.promptTokens);
    this.completionTokens.inc(labels, s.completionTokens);
    this.rateLimitedTokens.inc(labels, s.rateLimitedTokens);

    const g = {
      gen_ai_operation_name: s.operation,
      gen_ai_provider_name: genAiProvider(s.labels.llm),
      gen_ai_request_model: this.models.value(s.requestModel || s.responseModel),
      gen_ai_response_model: this.responseModels.value(s.responseModel),
      error_type: s.errorType ?? '',
    };
    const tokens = (type: string, n: number | undefined): void => {
      if (n !== undefined) this.tokenUsage.observe({ ...g, gen_ai_token_type: type }, n);
    };
    tokens('input', s.promptTokens);
    tokens('output', s.completionTokens);
    tokens('cached_input', s.cachedInputTokens);
    tokens('cache_creation_input', s.cacheCreationInputTokens);
    tokens('reasoning', s.reasoningTokens);
    this.requestDuration.observe(g, s.durationSeconds);
    if (s.timeToFirstTokenSeconds !== undefined) {
      this.ttft.observe(g, s.timeToFirstTokenSeconds);
      if (s.completionTokens > 1) {
        this.timePerOutputToken.observe(
          g,
          (s.durationSeconds - s.timeToFirstTokenSeconds) / (s.completionTokens - 1),
        );
      }
    }
  }

  messageProcessed(phase: string, seconds: number): void {
    this.phaseSeconds.observe({ phase }, seconds);
  }

  exceptionRaised(l: ExchangeLabels): void {
    this.exceptions.inc(this.labels(l));
  }

  guardAction(phase: GuardPhase, guard: GuardName, action: GuardAction): void {
    this.guardActions.inc({ phase, guard, action });
  }

  webhookCall(phase: GuardPhase, seconds: number, ok: boolean): void {
    this.webhookSeconds.observe({ phase, outcome: ok ? 'ok' : 'error' }, seconds);
  }

  streamOpened(): void {
    this.streamsOpened.inc();
    this.streamsActive.inc();
  }

  streamClosed(outcome: string): void {
    this.streamsClosed.inc({ outcome });
    this.streamsActive.dec();
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

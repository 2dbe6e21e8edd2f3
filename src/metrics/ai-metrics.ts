/**
 * kgateway's ai_* counters (docs/reference/kgateway-contract.md §4) on a private prom-client registry, plus
 * Node process metrics and our own stream gauges. Only this module and main.ts know prom-client.
 */
import client from 'prom-client';
import { LabelCap } from './label-cap.js';
import type { HistogramChild } from './bound-histogram.js';
import { BoundHistogram } from './bound-histogram.js';
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
  /** Distinct values per custom label (default: maxModelLabels); the rest are reported as "_other". */
  readonly maxCustomLabelValues?: number;
}

type CounterChild = ReturnType<client.Counter['labels']>;
interface KgatewayChildren {
  readonly prompt: CounterChild;
  readonly completion: CounterChild;
  readonly rateLimited: CounterChild;
}
interface GenAiChildren {
  readonly input: HistogramChild;
  readonly output: HistogramChild;
  readonly cachedInput: () => HistogramChild;
  readonly cacheCreationInput: () => HistogramChild;
  readonly reasoning: () => HistogramChild;
  readonly duration: HistogramChild;
  readonly ttft: () => HistogramChild;
  readonly tpot: () => HistogramChild;
}

/** A Map that forgets its oldest entry past a size bound. */
class BoundedMap<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly max: number) {}
  getOrCreate(key: K, make: () => V): V {
    let v = this.map.get(key);
    if (v === undefined) {
      if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value!);
      v = make();
      this.map.set(key, v);
    }
    return v;
  }
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
  private readonly bufferLimitResets: client.Counter;
  private readonly guardActions: client.Counter;
  private readonly tokenUsage: BoundHistogram;
  private readonly requestDuration: BoundHistogram;
  private readonly ttft: BoundHistogram;
  private readonly timePerOutputToken: BoundHistogram;
  private readonly phaseSeconds: BoundHistogram;
  private readonly droppedParams: client.Counter;
  private readonly upstreamAttempts: client.Counter;
  /** Route and target names come from the config; the cap guards a config with very many. */
  private readonly attemptLabels = new LabelCap(500);
  private readonly configReloads: client.Counter;
  private readonly paramNames = new LabelCap(200);
  private readonly responseModels: LabelCap;
  private readonly webhookSeconds: client.Histogram;
  private readonly models: LabelCap;
  private readonly labelNames: string[];
  /** One cap per custom label: its values come from request metadata, so they are bounded like models. */
  private readonly customCaps: readonly (readonly [string, LabelCap])[];

  constructor(private readonly opts: AiMetricsOptions) {
    this.labelNames = ['llm', 'model', ...opts.customLabelNames];
    this.models = new LabelCap(opts.maxModelLabels);
    this.responseModels = new LabelCap(opts.maxModelLabels);
    const maxCustom = opts.maxCustomLabelValues ?? opts.maxModelLabels;
    this.customCaps = opts.customLabelNames.map((n) => [n, new LabelCap(maxCustom)] as const);
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
    this.bufferLimitResets = counter(
      'ai_extproc_grpc_buffer_limit_resets_total',
      'ext_proc streams reset with RESOURCE_EXHAUSTED: their HTTP/2 connection held too many bytes of unfinished gRPC messages',
      [],
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
    // OpenTelemetry GenAI semantic conventions, with Envoy AI Gateway's buckets (Envoy AI Gateway's histogram buckets).
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
    ): BoundHistogram => new BoundHistogram(name, help, labelNames, buckets, this.registry);
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
    this.phaseSeconds = histogram(
      'ai_extproc_phase_duration_seconds',
      'Time the extension spends on one ext_proc message, by message kind',
      [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5],
      ['phase'],
    );
    this.droppedParams = counter(
      'ai_extproc_dropped_params_total',
      'Client parameters the upstream provider cannot take (dropped and reported in x-ai-extproc-dropped-params)',
      ['provider', 'param'],
    );
    this.upstreamAttempts = counter(
      'ai_extproc_upstream_attempts_total',
      'Upstream attempts of failover aliases, by route, target and result (ok, http_<status>, no_response, cancelled, connect_failure)',
      ['route', 'target', 'result'],
    );
    this.configReloads = counter(
      'ai_extproc_config_reloads_total',
      'Standalone config (re)loads, by result',
      ['result'],
    );
    client.collectDefaultMetrics({ register: this.registry });
  }

  private labels(l: ExchangeLabels): Record<string, string> {
    const out: Record<string, string> = { llm: l.llm, model: this.models.value(l.model) };
    for (const [name, cap] of this.customCaps) out[name] = cap.value(l.custom[name] ?? '<unknown>');
    return out;
  }

  exchangeCompleted(s: ExchangeSummary): void {
    const kg = this.kgatewayChildren(s.labels);
    kg.prompt.inc(s.promptTokens);
    kg.completion.inc(s.completionTokens);
    kg.rateLimited.inc(s.rateLimitedTokens);

    const g = this.genAiChildren(
      s.operation,
      s.labels.llm,
      this.models.value(s.requestModel || s.responseModel),
      this.responseModels.value(s.responseModel),
      s.errorType ?? '',
    );
    g.input.observe(s.promptTokens);
    g.output.observe(s.completionTokens);
    if (s.cachedInputTokens !== undefined) g.cachedInput().observe(s.cachedInputTokens);
    if (s.cacheCreationInputTokens !== undefined) g.cacheCreationInput().observe(s.cacheCreationInputTokens);
    if (s.reasoningTokens !== undefined) g.reasoning().observe(s.reasoningTokens);
    g.duration.observe(s.durationSeconds);
    if (s.timeToFirstTokenSeconds !== undefined) {
      g.ttft().observe(s.timeToFirstTokenSeconds);
      if (s.completionTokens > 1) {
        g.tpot().observe((s.durationSeconds - s.timeToFirstTokenSeconds) / (s.completionTokens - 1));
      }
    }
  }

  /**
   * Label children are cached per label combination: prom-client hashes the label object on every
   * inc/observe otherwise, which dominated the per-request metrics cost. Combinations are bounded
   * by the model caps; the cache is bounded too (custom labels come from request metadata).
   */
  private readonly kgCache = new BoundedMap<string, KgatewayChildren>(10_000);
  private readonly genAiCache = new BoundedMap<string, GenAiChildren>(10_000);

  private kgatewayChildren(l: ExchangeLabels): KgatewayChildren {
    const model = this.models.value(l.model);
    let key = `${l.llm}\u0000${model}`;
    for (const [name, cap] of this.customCaps) key += `\u0000${cap.value(l.custom[name] ?? '<unknown>')}`;
    return this.kgCache.getOrCreate(key, () => {
      const labels = this.labels(l);
      return {
        prompt: this.promptTokens.labels(labels),
        completion: this.completionTokens.labels(labels),
        rateLimited: this.rateLimitedTokens.labels(labels),
      };
    });
  }

  private genAiChildren(
    op: string,
    llm: string,
    reqModel: string,
    respModel: string,
    err: string,
  ): GenAiChildren {
    const key = `${op}\u0000${llm}\u0000${reqModel}\u0000${respModel}\u0000${err}`;
    return this.genAiCache.getOrCreate(key, () => {
      const g = {
        gen_ai_operation_name: op,
        gen_ai_provider_name: genAiProvider(llm),
        gen_ai_request_model: reqModel,
        gen_ai_response_model: respModel,
        error_type: err,
      };
      const lazy = <T>(make: () => T): (() => T) => {
        let v: T | undefined;
        return () => (v ??= make());
      };
      // Series for optional observations appear only once observed, as before.
      return {
        input: this.tokenUsage.child({ ...g, gen_ai_token_type: 'input' }),
        output: this.tokenUsage.child({ ...g, gen_ai_token_type: 'output' }),
        cachedInput: lazy(() => this.tokenUsage.child({ ...g, gen_ai_token_type: 'cached_input' })),
        cacheCreationInput: lazy(() =>
          this.tokenUsage.child({ ...g, gen_ai_token_type: 'cache_creation_input' }),
        ),
        reasoning: lazy(() => this.tokenUsage.child({ ...g, gen_ai_token_type: 'reasoning' })),
        duration: this.requestDuration.child(g),
        ttft: lazy(() => this.ttft.child(g)),
        tpot: lazy(() => this.timePerOutputToken.child(g)),
      };
    });
  }

  private readonly phaseChildren = new BoundedMap<string, HistogramChild>(32);

  droppedParam(provider: string, param: string): void {
    this.droppedParams.inc({ provider, param: this.paramNames.value(param) });
  }

  upstreamAttempt(route: string, target: string, result: string): void {
    const l = this.attemptLabels;
    this.upstreamAttempts.inc({ route: l.value(route), target: l.value(target), result: l.value(result) });
  }

  configReload(result: 'ok' | 'rejected'): void {
    this.configReloads.inc({ result });
  }

  messageProcessed(phase: string, seconds: number): void {
    this.phaseChildren.getOrCreate(phase, () => this.phaseSeconds.child({ phase })).observe(seconds);
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

  grpcBufferLimit(): void {
    this.bufferLimitResets.inc();
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

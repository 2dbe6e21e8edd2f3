/**
 * kgateway's ai_* counters (kgateway-contract.md §4) on a private prom-client registry, plus
 * Node process metrics and our own stream gauges. Only this module and main.ts know prom-client.
 */
import client from 'prom-client';
import { LabelCap } from './label-cap.js';
import type { ExchangeObserver, ExchangeSummary, ExchangeLabels } from '../pipeline/observer.js';

export interface AiMetricsOptions {
  readonly customLabelNames: readonly string[];
  readonly maxModelLabels: number;
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
  private readonly models: LabelCap;
  private readonly labelNames: string[];

  constructor(private readonly opts: AiMetricsOptions) {
    this.labelNames = ['llm', 'model', ...opts.customLabelNames];
    this.models = new LabelCap(opts.maxModelLabels);
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
      name: 'ai_extproc_grpc_streams_active',
      help: 'ext_proc gRPC streams in flight',
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
  }

  exceptionRaised(l: ExchangeLabels): void {
    this.exceptions.inc(this.labels(l));
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

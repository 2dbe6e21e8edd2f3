/** OTLP span export through the official OpenTelemetry SDK, behind the pipeline's ExchangeTracer. */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Context, Span, Tracer } from '@opentelemetry/api';
import { TraceState, parseTraceParent } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import type { Sampler, SpanExporter } from '@opentelemetry/sdk-trace';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import type { ExchangeTracer, PhaseSpan, SpanAttributes } from '../pipeline/tracer.js';
import type { TracingConfig } from '../config/otel-files.js';
import { httpTracesUrl, otlpProtocol, samplerSpec, timeoutSeconds } from '../config/tracing-settings.js';
import type { SamplerSpec } from '../config/tracing-settings.js';

export interface OtelTracerOptions {
  readonly serviceName: string;
  readonly includeContent: boolean;
  /** BatchSpanProcessor delay; small in tests. */
  readonly batchDelayMs: number;
}

export interface OtelTracing {
  readonly tracer: ExchangeTracer;
  shutdown(): Promise<void>;
}

function sampler(spec: SamplerSpec): Sampler {
  switch (spec.kind) {
    case 'alwaysOn':
      return new AlwaysOnSampler();
    case 'alwaysOff':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(spec.ratio);
    case 'parentbasedAlwaysOn':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbasedAlwaysOff':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbasedTraceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(spec.ratio) });
  }
}

function exporter(cfg: TracingConfig): SpanExporter {
  const timeoutMillis = (timeoutSeconds(cfg.timeout) ?? 10) * 1000;
  switch (otlpProtocol(cfg.protocol)) {
    case 'http/protobuf':
      return new ProtoExporter({ url: httpTracesUrl(cfg.endpoint), timeoutMillis });
    case 'http/json':
      return new JsonExporter({ url: httpTracesUrl(cfg.endpoint), timeoutMillis });
    case 'grpc':
      return new GrpcExporter({ url: cfg.endpoint, timeoutMillis });
  }
}

function clean(attrs: SpanAttributes): Record<string, string | number | boolean | string[]> {
  const out: Record<string, string | number | boolean | string[]> = {};
  for (const [k, v] of Object.entries(attrs))
    if (v !== undefined) out[k] = Array.isArray(v) ? [...(v as string[])] : (v as string | number | boolean);
  return out;
}

class OtelPhaseSpan implements PhaseSpan {
  constructor(
    private readonly tracer: Tracer,
    private readonly span: Span,
    private readonly ctx: Context,
  ) {}

  setAttributes(attrs: SpanAttributes): void {
    this.span.setAttributes(clean(attrs));
  }

  child(name: string, kind: 'internal' | 'client' = 'internal'): PhaseSpan {
    const span = this.tracer.startSpan(
      name,
      { kind: kind === 'client' ? SpanKind.CLIENT : SpanKind.INTERNAL },
      this.ctx,
    );
    return new OtelPhaseSpan(this.tracer, span, trace.setSpan(this.ctx, span));
  }

  end(error?: unknown): void {
    if (error !== undefined) {
      this.span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : JSON.stringify(error),
      });
    }
    this.span.end();
  }
}

function parentContext(traceparent: string | undefined, tracestate: string | undefined): Context {
  if (!traceparent) return ROOT_CONTEXT;
  const sc = parseTraceParent(traceparent);
  if (!sc) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, {
    ...sc,
    isRemote: true,
    ...(tracestate ? { traceState: new TraceState(tracestate) } : {}),
  });
}

export function createOtelTracing(cfg: TracingConfig, opts: OtelTracerOptions): OtelTracing {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': opts.serviceName }),
    sampler: sampler(samplerSpec(cfg.sampler)),
    spanProcessors: [
      new BatchSpanProcessor({ exporter: exporter(cfg), scheduledDelayMillis: opts.batchDelayMs }),
    ],
  });
  const tracer = provider.getTracer('ai-extproc');
  return {
    tracer: {
      includeContent: opts.includeContent,
      phase(name, parent) {
        const ctx = parentContext(parent.traceparent, parent.tracestate);
        const span = tracer.startSpan(name, { kind: SpanKind.INTERNAL }, ctx);
        return new OtelPhaseSpan(tracer, span, trace.setSpan(ctx, span));
      },
    },
    shutdown: () => provider.shutdown(),
  };
}

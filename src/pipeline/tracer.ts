/** The tracing surface the pipeline needs; src/tracing implements it with the OpenTelemetry SDK. */
export type SpanAttributeValue = string | number | boolean | readonly string[];
export type SpanAttributes = Readonly<Record<string, SpanAttributeValue | undefined>>;

export interface PhaseSpan {
  setAttributes(attrs: SpanAttributes): void;
  child(name: string, kind?: 'internal' | 'client'): PhaseSpan;
  end(error?: unknown): void;
}

export interface ExchangeTracer {
  /** Starts a phase span, continuing the incoming W3C trace context when there is one. */
  phase(
    name: string,
    parent: { traceparent?: string | undefined; tracestate?: string | undefined },
  ): PhaseSpan;
  /** Prompt and completion text go into spans only when this is on. */
  readonly includeContent: boolean;
}

/** A span that records nothing (tracing off, or work no phase owns). */
export const NOOP_SPAN: PhaseSpan = {
  setAttributes: () => undefined,
  child: () => NOOP_SPAN,
  end: () => undefined,
};

export const NOOP_TRACER: ExchangeTracer = { phase: () => NOOP_SPAN, includeContent: false };

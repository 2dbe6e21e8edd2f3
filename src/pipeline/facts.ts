/**
 * An exchange's facts as they stand when its route is known: what the request headers, the gRPC
 * stream's metadata and Envoy's filter metadata say; the codec and the stages fill in the rest.
 */
import type { CustomLabel } from '../config/otel-files.js';
import { customLabelValue } from '../config/otel-files.js';
import type { FactsSeed, Route } from './route.js';
import { operationName } from './route.js';
import type { ExchangeFacts } from './stage.js';
import type { HeaderView, MessageContext } from './types.js';

export function openingFacts(
  seed: FactsSeed,
  route: Route,
  headers: HeaderView,
  /** The headers as the mode rewrote them for the stages (e.g. a Gemini `?key=` removed). */
  seen: HeaderView,
  grpcMetadata: ReadonlyMap<string, string>,
  ctx: MessageContext,
  customLabels: readonly CustomLabel[],
): ExchangeFacts {
  const md = grpcMetadata;
  const path = headers.get(':path') ?? '';
  const custom: Record<string, string> = {};
  for (const label of customLabels) custom[label.name] = customLabelValue(ctx.filterMetadata, label);
  // One literal with every field (no spread): one hidden class for every exchange's facts.
  return {
    family: seed.family,
    provider: seed.provider,
    model: seed.model,
    streaming: seed.streaming,
    requestId: md.get('x-request-id') || headers.get('x-request-id') || undefined,
    path: seen === headers ? path : (seen.get(':path') ?? ''),
    operation: route.operation ?? operationName(path),
    headers: seen,
    custom,
    filterMetadata: ctx.filterMetadata,
    startedAt: performance.now(),
    traceparent: md.get('traceparent') || headers.get('traceparent') || undefined,
    tracestate: md.get('tracestate') || headers.get('tracestate') || undefined,
    backend: undefined,
    dropped: [],
    client: undefined,
    estimate: 0,
    pick: undefined,
    decisions: [],
    status: undefined,
    responseHeaders: undefined,
    responseStreaming: false,
    firstByteAt: undefined,
    facts: undefined,
    outcome: 'incomplete',
  };
}

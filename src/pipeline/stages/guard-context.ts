/** The GuardContext a guard stage hands to the GuardRunner, from the exchange's scope. */
import type { GuardContext } from '../guard-runner.js';
import type { ExchangeScope } from '../stage.js';
import type { PhaseSpan } from '../tracer.js';

export function guardContext(s: ExchangeScope, span: PhaseSpan, phase: 'request' | 'response'): GuardContext {
  const p = s.route.policy;
  const transport = phase === 'request' ? p.webhookTransport?.request : p.webhookTransport?.response;
  return {
    family: s.x.family,
    headers: s.x.headers,
    traceparent: s.x.traceparent,
    tracestate: s.x.tracestate,
    span,
    cacheKey: (phase === 'request' ? p.requestGuardKey : p.responseGuardKey) ?? '',
    requestId: s.x.requestId,
    decisions: s.x.decisions,
    ...(transport ? { webhookTransport: transport } : {}),
  };
}

/** kgateway tracing.json semantics (docs/reference/kgateway-contract.md §1.2): sampler, timeout, protocol. */
export type SamplerSpec =
  | { readonly kind: 'alwaysOn' | 'alwaysOff' | 'parentbasedAlwaysOn' | 'parentbasedAlwaysOff' }
  | { readonly kind: 'traceidratio' | 'parentbasedTraceidratio'; readonly ratio: number };

export type OtlpProtocol = 'grpc' | 'http/protobuf' | 'http/json';

/** Unknown or missing types mean alwaysOn; a missing or bad ratio means 1.0. */
export function samplerSpec(sampler: { type?: string; arg?: string } | undefined): SamplerSpec {
  const type = sampler?.type ?? '';
  switch (type) {
    case 'alwaysOff':
    case 'parentbasedAlwaysOn':
    case 'parentbasedAlwaysOff':
      return { kind: type };
    case 'traceidratio':
    case 'parentbasedTraceidratio': {
      const r = Number(sampler?.arg);
      return {
        kind: type,
        ratio: sampler?.arg !== undefined && Number.isFinite(r) && r >= 0 && r <= 1 ? r : 1,
      };
    }
    default:
      return { kind: 'alwaysOn' };
  }
}

const UNIT_SECONDS: Record<string, number> = {
  h: 3600,
  m: 60,
  s: 1,
  ms: 0.001,
  us: 0.000001,
  µs: 0.000001,
  ns: 1e-9,
};

/**
 * A Go duration ("1m40s", "500ms") or plain seconds ("120", 60), rounded up to whole seconds as the
 * original did. undefined when absent or unparseable.
 */
export function timeoutSeconds(raw: string | number | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const text = String(raw).trim();
  if (/^\d+$/.test(text)) return Number(text);
  if (!/^(\d+(\.\d+)?(h|ms|us|µs|ns|m|s))+$/.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(h|ms|us|µs|ns|m|s)/g))
    total += Number(m[1]) * UNIT_SECONDS[m[2]!]!;
  return Math.ceil(total - 1e-9);
}

export function otlpProtocol(raw: string | undefined): OtlpProtocol {
  return raw === 'http/protobuf' || raw === 'http/json' ? raw : 'grpc';
}

/** OTLP/HTTP endpoints given without a path get the signal path. */
export function httpTracesUrl(endpoint: string): string {
  try {
    const u = new URL(endpoint);
    if (u.pathname === '' || u.pathname === '/') u.pathname = '/v1/traces';
    return u.toString();
  } catch {
    return endpoint;
  }
}

/**
 * kgateway mode: the per-route policy arrives as gRPC initial metadata on every ext_proc stream
 * (docs/reference/kgateway-contract.md §2.3). Parsed guard configs are cached by their -hash key.
 */
import type { RequestGuardConfig, ResponseGuardConfig } from '../guards/config.js';
import { GuardConfigError, parseRequestGuardConfig, parseResponseGuardConfig } from '../guards/config.js';
import type { RoutePolicy } from './route-policy.js';

const MAX_CACHED = 1024;

class BoundedCache<V> {
  private readonly map = new Map<string, V>();
  get(k: string): V | undefined {
    return this.map.get(k);
  }
  set(k: string, v: V): void {
    if (this.map.size >= MAX_CACHED) this.map.delete(this.map.keys().next().value!);
    this.map.set(k, v);
  }
}

export class PolicyError extends Error {}

/** The -hash key identifies a guard config; the JSON itself stands in when it is missing. */
function guardKey(md: ReadonlyMap<string, string>, key: string): string | undefined {
  const json = md.get(key);
  if (!json) return undefined;
  return md.get(`${key}-hash`) || json;
}

export class KgatewayPolicySource {
  private readonly reqCache = new BoundedCache<RequestGuardConfig>();
  private readonly respCache = new BoundedCache<ResponseGuardConfig>();

  resolve(md: ReadonlyMap<string, string>): RoutePolicy {
    const provider = md.get('x-llm-provider') || 'unknown';
    return {
      source: 'kgateway',
      provider,
      model: md.get('x-llm-model') || undefined,
      requestId: md.get('x-request-id') || undefined,
      chatStreaming: md.has('x-chat-streaming'),
      requestGuards: this.guard(md, 'x-req-guardrails-config', this.reqCache, parseRequestGuardConfig),
      responseGuards: this.guard(md, 'x-resp-guardrails-config', this.respCache, parseResponseGuardConfig),
      requestGuardKey: guardKey(md, 'x-req-guardrails-config'),
      responseGuardKey: guardKey(md, 'x-resp-guardrails-config'),
    };
  }

  private guard<T>(
    md: ReadonlyMap<string, string>,
    key: string,
    cache: BoundedCache<T>,
    parse: (raw: unknown) => T,
  ): T | undefined {
    const json = md.get(key);
    if (!json) return undefined;
    const cacheKey = guardKey(md, key)!;
    const hit = cache.get(cacheKey);
    if (hit) return hit;
    let raw: unknown;
    try {
      raw = JSON.parse(json);
    } catch {
      throw new PolicyError(`${key} is not valid JSON`);
    }
    try {
      const parsed = parse(raw);
      cache.set(cacheKey, parsed);
      return parsed;
    } catch (err) {
      throw new PolicyError(`${key}: ${err instanceof GuardConfigError ? err.message : String(err)}`);
    }
  }
}

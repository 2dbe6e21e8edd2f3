/** routes[i].policy.cache → CachePolicy (plain frozen data; the schema has checked the shape). */
import crypto from 'node:crypto';
import { isObj } from '../../json.js';
import type { CachePolicy, CacheStoreKind, EmbedderKind } from '../../cache/types.js';
import type { LoadContext } from './context.js';
import type { PathSegment } from './issues.js';

/** Measured defaults (docs: README "Semantic cache"): a wrong hit is worse than a miss. */
export const DEFAULT_THRESHOLDS: Readonly<Record<EmbedderKind, number>> = {
  none: 1,
  local: 0.92,
  provider: 0.97,
};

const int = (v: unknown, d: number): number => (typeof v === 'number' && Number.isInteger(v) ? v : d);

export function compileCache(
  raw: unknown,
  policyRaw: unknown,
  at: readonly PathSegment[],
  ctx: LoadContext,
): CachePolicy | undefined {
  if (!isObj(raw)) return undefined;
  const s = isObj(raw.semantic) ? raw.semantic : undefined;
  const embedder = (s?.embedder as EmbedderKind | undefined) ?? 'none';
  if (embedder === 'provider' && typeof s?.backend !== 'string')
    ctx.issues.add([...at, 'semantic', 'backend'], 'is required with embedder: provider');
  const store = (raw.store as CacheStoreKind | undefined) ?? 'memory';
  if (store === 'redis' && embedder !== 'none')
    ctx.issues.add(
      [...at, 'store'],
      'redis keeps L1 (exact) entries only: use embedder none, or memory/postgres',
    );
  // The policy version: any change to the route's policy (guards, defaults, this block) is a new
  // partition, so an answer given under another policy is never reused.
  const version = crypto
    .createHash('sha256')
    .update(JSON.stringify(policyRaw) ?? '')
    .digest('hex')
    .slice(0, 16);
  return {
    exact: raw.exact !== false,
    semantic:
      s && embedder !== 'none'
        ? {
            embedder,
            threshold: typeof s.threshold === 'number' ? s.threshold : DEFAULT_THRESHOLDS[embedder],
            backend: typeof s.backend === 'string' ? s.backend : undefined,
            model: typeof s.model === 'string' ? s.model : undefined,
          }
        : undefined,
    store,
    ttlMs: int(raw.ttlSeconds, 3600) * 1000,
    maxEntries: int(raw.maxEntries, 2_000),
    shareAcrossClients: raw.shareAcrossClients === true,
    cacheToolCalls: raw.cacheToolCalls === true,
    timeoutMs: int(raw.timeoutMs, 250),
    version,
  };
}

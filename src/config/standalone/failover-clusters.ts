/**
 * Failover with retries inside one request: which Envoy cluster serves a given order of an alias's
 * targets. Envoy's priorities are fixed per cluster while each request chooses its own order
 * (weights, cooldowns), so an alias gets one cluster per order of its first `attempts` targets,
 * each target at the priority of its place in that order; the router-level stage picks the cluster
 * of the request's order and Envoy's retries walk its priorities (previous_priorities).
 * The generator (config/envoy/failover-clusters.ts) and the router-level stage both name clusters
 * here, so they cannot disagree.
 */
import { createHash } from 'node:crypto';
import type { CompiledFailover } from './failover.js';

/** The endpoint metadata (namespace ai_extproc) naming a failover cluster's target. */
export const TARGET_KEY = 'target';
/** What the upstream filter asks Envoy for: the target it picked, and in which cluster. */
export const TARGET_ATTRIBUTE = `xds.upstream_host_metadata.filter_metadata['ai_extproc']['${TARGET_KEY}']`;
export const CLUSTER_ATTRIBUTE = 'xds.cluster_name';

/** An alias whose orders need more clusters than this is served without same-request retries. */
export const MAX_FAILOVER_CLUSTERS = 120;

/** Number of orders of `k` targets drawn from `n` (n!/(n-k)!). */
export function orderCount(n: number, k: number): number {
  let c = 1;
  for (let i = 0; i < k; i++) c *= n - i;
  return c;
}

/**
 * True when the alias retries inside a request: more than one attempt, no pool backend (a pool
 * picks its own endpoint), and a bounded number of clusters.
 */
export function retriesInRequest(f: CompiledFailover): boolean {
  const k = f.retry.attempts;
  if (k < 2) return false;
  if (f.targets.some((t) => t.backend.pool !== undefined)) return false;
  return orderCount(f.targets.length, k) <= MAX_FAILOVER_CLUSTERS;
}

/** Every order of `k` of the alias's target indexes (the clusters the generator emits). */
export function attemptOrders(f: CompiledFailover): number[][] {
  const out: number[][] = [];
  const k = f.retry.attempts;
  const walk = (prefix: number[]): void => {
    if (prefix.length === k) {
      out.push(prefix);
      return;
    }
    for (let i = 0; i < f.targets.length; i++) if (!prefix.includes(i)) walk([...prefix, i]);
  };
  walk([]);
  return out;
}

const SAFE = /[^A-Za-z0-9_-]/g;

/** The cluster for one order of the alias's targets (indexes into `targets`, first tried first). */
export function failoverClusterName(f: CompiledFailover, order: readonly number[]): string {
  const safe = f.id.replace(SAFE, '_');
  // Names that lost characters get a hash of the real id, so two aliases never share a cluster.
  const tag =
    safe === f.id.replace('/', '_') ? '' : `-${createHash('sha256').update(f.id).digest('hex').slice(0, 8)}`;
  return `failover.${safe}${tag}.${order.join('-')}`;
}

import type { DynamicMetadata, MetadataValue } from './types.js';

/** Merges two dynamic-metadata maps namespace by namespace; keys in b win. */
export function mergeMetadata(
  a: DynamicMetadata | undefined,
  b: DynamicMetadata | undefined,
): DynamicMetadata | undefined {
  if (!a) return b;
  if (!b) return a;
  const out: Record<string, Record<string, MetadataValue>> = {};
  for (const src of [a, b]) for (const [ns, kv] of Object.entries(src)) out[ns] = { ...out[ns], ...kv };
  return out;
}

/** HeaderMap ⇄ plain data. Envoy sends values in raw_value and reads only raw_value (docs/reference/extproc-protocol.md §1.3). */
import type { HeaderMap__Output } from './generated/envoy/config/core/v3/HeaderMap.js';
import type { HeaderMutation } from './generated/envoy/service/ext_proc/v3/HeaderMutation.js';
import type { HeaderEdits, HeaderView } from '../pipeline/types.js';

export function headerView(map: HeaderMap__Output | null | undefined): HeaderView {
  const out = new Map<string, string>();
  if (!map) return out;
  for (const h of map.headers) {
    const key = h.key.toLowerCase();
    // raw_value is what current Envoy sends; fall back to value for older senders.
    const value = h.raw_value.length > 0 ? h.raw_value.toString('latin1') : h.value;
    const prev = out.get(key);
    out.set(key, prev === undefined ? value : `${prev},${value}`);
  }
  return out;
}

/** Builds a HeaderMutation that sets headers with raw_value only (value-only sets yield empty headers). */
export function headerMutation(edits: HeaderEdits | undefined): HeaderMutation | undefined {
  if (!edits || ((edits.set?.length ?? 0) === 0 && (edits.remove?.length ?? 0) === 0)) return undefined;
  return {
    set_headers: (edits.set ?? []).map(([key, value]) => ({
      header: { key, raw_value: Buffer.from(value, 'latin1') },
      // ext_proc honours only the deprecated `append`; false (the default) overwrites.
      append: { value: false },
    })),
    remove_headers: [...(edits.remove ?? [])],
  };
}

export function mergeEdits(a: HeaderEdits | undefined, b: HeaderEdits | undefined): HeaderEdits | undefined {
  if (!a) return b;
  if (!b) return a;
  return { set: [...(a.set ?? []), ...(b.set ?? [])], remove: [...(a.remove ?? []), ...(b.remove ?? [])] };
}

/** Header edits for a request reply: the codec's, then those the stages asked for. */
import type { HeaderEdits } from './types.js';

/** The codec's header edits, then the stages' own (a stage's value wins over a removal). */
export function withStageHeaders(
  enc: HeaderEdits | undefined,
  stage: readonly (readonly [string, string])[] | undefined,
): HeaderEdits | undefined {
  if (!stage || stage.length === 0) return enc;
  const names = new Set(stage.map(([k]) => k));
  return {
    set: [...(enc?.set ?? []).filter(([k]) => !names.has(k)), ...stage],
    remove: (enc?.remove ?? []).filter((k) => !names.has(k)),
  };
}

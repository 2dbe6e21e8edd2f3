/**
 * Presidio AnonymizerEngine conflict resolution (MERGE_SIMILAR_OR_CONTAINED) and the "replace" operator.
 */
import type { EntityType, Span } from './builtins.js';
import { MASKS } from './builtins.js';

/**
 * 1. Results of the same entity type that overlap (positive intersection; touching is not enough) become
 *    their union, with the higher score.
 * 2. A result is dropped if another result contains it; of two results with identical offsets the higher
 *    score survives, and on a tie the one whose recognizer ran later (`rank`), as Presidio keeps the
 *    later of the two in its result list.
 * Returns the survivors sorted by start. No two survivors share a start; a survivor may still partially
 * overlap the next one.
 */
export function resolveSpans(spans: Span[], rank: (e: EntityType) => number): Span[] {
  if (spans.length <= 1) return spans;
  // 1. same-type union
  const byType = new Map<EntityType, Span[]>();
  for (const s of spans) {
    const list = byType.get(s.entity);
    if (list) list.push(s);
    else byType.set(s.entity, [s]);
  }
  const merged: Span[] = [];
  for (const list of byType.values()) {
    list.sort((a, b) => a.start - b.start || b.end - a.end);
    let cur: Span | undefined;
    for (const s of list) {
      if (cur !== undefined && s.start < cur.end) {
        if (s.end > cur.end) cur.end = s.end;
        if (s.score > cur.score) cur.score = s.score;
      } else {
        cur = { ...s };
        merged.push(cur);
      }
    }
  }
  if (byType.size === 1) return merged;
  // 2a. identical offsets: keep the best
  merged.sort((a, b) => a.start - b.start || b.end - a.end);
  const distinct: Span[] = [];
  for (const s of merged) {
    const prev = distinct[distinct.length - 1];
    if (prev !== undefined && prev.start === s.start && prev.end === s.end) {
      if (s.score > prev.score || (s.score === prev.score && rank(s.entity) > rank(prev.entity)))
        distinct[distinct.length - 1] = s;
    } else distinct.push(s);
  }
  // 2b. drop results contained in another one. Sorted by (start asc, end desc) with distinct offsets, a
  // result is contained iff some earlier result reaches at least as far.
  const out: Span[] = [];
  let maxEnd = -1;
  for (const s of distinct) {
    if (s.end <= maxEnd) continue;
    out.push(s);
    maxEnd = s.end;
  }
  return out;
}

/**
 * Replaces each survivor with its mask. Like Presidio's right-to-left TextReplaceBuilder, a result that
 * partially overlaps the next one is cut at the next one's start, so both masks appear.
 */
export function applyMasks(text: string, spans: readonly Span[]): string {
  let out = '';
  let pos = 0;
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i];
    if (s === undefined) continue;
    out += text.slice(pos, s.start) + MASKS[s.entity];
    const next = spans[i + 1];
    pos = next !== undefined && next.start < s.end ? next.start : s.end;
  }
  return out + text.slice(pos);
}

/** Positions of config paths in the YAML source. */
import type { Document, LineCounter, Node } from 'yaml';
import { isMap, isNode, isScalar, isSeq } from 'yaml';
import type { PathSegment } from './issues.js';

export interface Position {
  readonly line: number;
  readonly column: number;
}

function start(node: unknown): number | undefined {
  return isNode(node) ? (node as Node).range?.[0] : undefined;
}

/** The deepest existing node on `segments` (a mapping entry is located at its key). */
export function locate(
  doc: Document,
  lc: LineCounter,
  segments: readonly PathSegment[],
): Position | undefined {
  let node: unknown = doc.contents;
  let offset = start(node);
  for (const seg of segments) {
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg),
      );
      if (pair === undefined) break;
      offset = start(pair.key) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item: unknown = node.items[seg];
      if (item === undefined) break;
      offset = start(item) ?? offset;
      node = item;
    } else {
      break;
    }
  }
  if (offset === undefined) return undefined;
  const p = lc.linePos(offset);
  return { line: p.line, column: p.col };
}

/** Path of the innermost mapping key or sequence item whose range holds `offset`. */
export function pathAt(doc: Document, offset: number): PathSegment[] {
  const out: PathSegment[] = [];
  let node: unknown = doc.contents;
  for (;;) {
    let next: unknown;
    if (isMap(node)) {
      for (const pair of node.items) {
        const from = start(pair.key);
        const to = isNode(pair.value)
          ? (pair.value as Node).range?.[2]
          : (pair.key as Node | null)?.range?.[2];
        if (from !== undefined && to !== undefined && offset >= from && offset <= to) {
          out.push(isScalar(pair.key) ? String(pair.key.value) : String(pair.key));
          next = pair.value;
          break;
        }
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const r = isNode(item) ? ((item as Node).range ?? undefined) : undefined;
        if (next === undefined && r !== undefined && offset >= r[0] && offset <= r[2]) {
          out.push(i);
          next = item;
        }
      });
    }
    if (next === undefined) return out;
    node = next;
  }
}

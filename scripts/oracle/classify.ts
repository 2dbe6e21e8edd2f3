/** One case's verdict: agree, agree after documented choices, differ, not served, or no input. */
import { isObj } from '../../src/json.js';
import type { JsonObject } from '../../src/json.js';
import { EQUIVALENCES } from './equivalences.js';
import type { CaseContext } from './equivalences.js';
import { diffPaths, redactLike, sameJson } from './json-diff.js';

export type Verdict = 'agree' | 'agree-choice' | 'differ' | 'not-served' | 'no-input';

export interface Outcome {
  readonly verdict: Verdict;
  /** Rules used (agree-choice), the differing paths (differ), or why not measured. */
  readonly detail: string;
}

/** Compares our output with theirs: plain, then with every documented choice applied to both. */
export function classify(ours: unknown, theirs: unknown, ctx: CaseContext): Outcome {
  const a0 = redactLike(ours, theirs);
  if (sameJson(a0, theirs)) return { verdict: 'agree', detail: '' };
  const [a, b] = applyAll(a0, theirs, ctx, undefined);
  if (!sameJson(a, b)) return { verdict: 'differ', detail: diffPaths(a, b).join('; ') };
  // Name only the rules the agreement needs: without each, the two would part.
  const needed = EQUIVALENCES.filter((e) => {
    const [x, y] = applyAll(a0, theirs, ctx, e.name);
    return !sameJson(x, y);
  }).map((e) => e.name);
  return { verdict: 'agree-choice', detail: needed.join(', ') };
}

function applyAll(
  ours: unknown,
  theirs: unknown,
  ctx: CaseContext,
  skip: string | undefined,
): [unknown, unknown] {
  let a = ours;
  let b = theirs;
  for (const e of EQUIVALENCES) {
    if (e.name === skip) continue;
    a = e.apply(structuredClone(a), ctx);
    b = e.apply(structuredClone(b), ctx);
  }
  return [a, b];
}

export const asInput = (v: unknown): JsonObject | undefined => (isObj(v) ? v : undefined);

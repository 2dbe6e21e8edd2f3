/** Runs one snapshot case: our translation, the comparison, and (requests) the provider rules. */
import { TranslationError } from '../../src/providers/translate/types.js';
import { asInput, classify } from './classify.js';
import type { Outcome } from './classify.js';
import { NOT_SERVED, clientApi, ourRequest, ourResponse, servesResponseGroup } from './pairs.js';
import { ruleViolations } from './rules.js';
import { runStream } from './run-stream.js';
import { expectedRequest, expectedResponse, readSnapshot } from './snapshot.js';
import type { SnapshotCase } from './snapshot.js';

export interface CaseResult extends Outcome {
  readonly c: SnapshotCase;
  /** Their pair name, e.g. `messages → bedrock` or `anthropic → completions`. */
  readonly pair: string;
  readonly violations: readonly string[];
  /** Same-API pass-through: the violations are the client's own body, forwarded unchanged. */
  readonly native?: boolean;
}

const result = (c: SnapshotCase, pair: string, o: Outcome, violations: string[] = []): CaseResult => ({
  c,
  pair,
  ...o,
  violations,
});

export function runCase(c: SnapshotCase): CaseResult {
  return c.kind === 'request' ? runRequest(c) : runResponse(c);
}

function runRequest(c: SnapshotCase): CaseResult {
  const pair = `${c.group} → ${c.target}`;
  const api = clientApi(c.group);
  if (!api || NOT_SERVED[c.target]) return result(c, pair, notServed(c.target));
  const snap = readSnapshot(c.file);
  const input = asInput(snap.info);
  if (!input) return result(c, pair, { verdict: 'no-input', detail: 'no input in the snapshot header' });
  const theirs = expectedRequest(snap.expected);
  let ours;
  try {
    ours = ourRequest(api, c.target, input);
  } catch (e) {
    if (!(e instanceof TranslationError)) throw e;
    // Both refuse: agreement. Only we refuse: a difference.
    const o: Outcome = theirs
      ? { verdict: 'differ', detail: `we refuse (${e.status}): ${e.message}` }
      : { verdict: 'agree', detail: '' };
    return result(c, pair, o);
  }
  if (!ours) return result(c, pair, notServed(c.target));
  const violations = ruleViolations(ours);
  const o: Outcome = theirs
    ? classify(ours.body, theirs, { kind: 'request', input })
    : { verdict: 'differ', detail: 'they refuse; we translate' };
  return { ...result(c, pair, o, violations), native: ours.native };
}

function runResponse(c: SnapshotCase): CaseResult {
  const [, clientName, ...rest] = c.target.split('-');
  const pair = `${c.group} → ${clientName ?? c.target}${rest.length ? ` (${rest.join('-')})` : ''}`;
  const api = clientApi(clientName ?? '');
  if (!api || !servesResponseGroup(c.group)) return result(c, pair, notServed(clientName ?? c.target));
  if (rest.includes('streaming')) return result(c, pair, runStream(c, clientName ?? '', api));
  const snap = readSnapshot(c.file);
  const input = asInput(snap.info);
  if (!input) return result(c, pair, { verdict: 'no-input', detail: 'no input in the snapshot header' });
  const theirs = expectedResponse(snap.expected);
  let ours;
  try {
    ours = ourResponse(c.group, c.name, api, input);
  } catch (e) {
    if (!(e instanceof TranslationError)) throw e;
    return result(c, pair, { verdict: 'differ', detail: `we refuse (${e.status}): ${e.message}` });
  }
  if (!theirs)
    return result(c, pair, { verdict: 'differ', detail: 'they fail on this answer; we translate it' });
  return result(c, pair, classify(ours, theirs, { kind: 'response', input }));
}

function notServed(target: string): Outcome {
  return { verdict: 'not-served', detail: NOT_SERVED[target] ?? `no adapter for ${target}` };
}

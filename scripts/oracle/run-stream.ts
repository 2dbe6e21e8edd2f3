/**
 * One streamed response case: the recorded provider stream through our stream decoder and the
 * client's stream encoder, both streams folded into the answer a client assembles (stream-fold.ts)
 * and compared like non-streamed answers.
 *
 * The recorded stream is `<case>.json` next to the snapshot. When it is not published, the
 * same-API snapshot of the case (`<case>.<api>-<api>-streaming.snap`) stands in for it: that one is
 * their pass-through of the recorded stream. Such a same-API case is then the input itself, not a
 * measurement, and is reported as no-input.
 */
import fs from 'node:fs';
import path from 'node:path';
import { providerAdapterFor } from '../../src/providers/translate/registry.js';
import { speaksNatively } from '../../src/providers/translate/native.js';
import { TranslationError } from '../../src/providers/translate/types.js';
import type { ClientAdapter, ClientApi, UpstreamTarget } from '../../src/providers/translate/types.js';
import { isObj } from '../../src/json.js';
import type { JsonObject } from '../../src/json.js';
import { classify } from './classify.js';
import { sameJson } from './json-diff.js';
import type { Outcome } from './classify.js';
import { clientFor, responseTarget } from './pairs.js';
import { readSnapshot, siblingInput } from './snapshot.js';
import type { SnapshotCase } from './snapshot.js';
import { FOLDS, parseSse } from './stream-fold.js';

/** The recorded provider stream, and whether it is the stand-in same-API snapshot. */
export function streamInput(c: SnapshotCase): { text: string; standIn: boolean } | undefined {
  const recorded = siblingInput(c);
  if (recorded !== undefined) return { text: recorded, standIn: false };
  const [provider] = c.target.split('-');
  const f = path.join(path.dirname(c.file), `${c.name}.${provider}-${provider}-streaming.snap`);
  if (!fs.existsSync(f)) return undefined;
  const body = readSnapshot(f).bodyText;
  if (!/^(data|event):/m.test(body)) return undefined;
  // The snapshots come from different commits: the stand-in must have been made from the same
  // recorded stream, which their summary after each stream (usage and text) shows.
  return sameSummary(trailingSummary(body), trailingSummary(readSnapshot(c.file).bodyText))
    ? { text: body, standIn: true }
    : undefined;
}

/** agentgateway's summary after a stream snapshot: what it read from the recorded stream. */
function trailingSummary(body: string): JsonObject | undefined {
  const at = body.search(/^\{/m);
  if (at < 0) return undefined;
  try {
    const v = JSON.parse(body.slice(at)) as unknown;
    return isObj(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

const SUMMARY_KEYS = [
  'input_tokens',
  'output_tokens',
  'cache_creation_input_tokens',
  'cached_input_tokens',
  'reasoning_tokens',
  'completion',
];

function sameSummary(a: JsonObject | undefined, b: JsonObject | undefined): boolean {
  if (!a || !b) return false;
  return SUMMARY_KEYS.every((k) => !(k in a) || !(k in b) || sameJson(a[k], b[k]));
}

export function runStream(c: SnapshotCase, clientName: string, api: ClientApi): Outcome {
  const input = streamInput(c);
  if (!input)
    return {
      verdict: 'no-input',
      detail: 'stream: the recorded input is not published (nor a same-API snapshot of the same input)',
    };
  const [provider] = c.target.split('-');
  if (input.standIn && provider === clientName)
    return { verdict: 'no-input', detail: 'stream: this same-API snapshot stands in for the recorded input' };
  const fold = FOLDS[clientName];
  const target = responseTarget(c.group, c.name);
  if (!fold || !target) return { verdict: 'not-served', detail: `no stream fold for ${clientName}` };
  const snap = readSnapshot(c.file);
  if (!/^(data|event):/m.test(snap.bodyText))
    return { verdict: 'no-input', detail: 'stream: snapshot body not fetched' };
  const theirs = withoutGeneratedIds(fold(parseSse(snap.bodyText)));
  let oursText: string;
  try {
    oursText = ourStream({ ...target, stream: true }, clientFor(api, c.group, c.name), input.text);
  } catch (e) {
    if (!(e instanceof TranslationError)) throw e;
    return { verdict: 'differ', detail: `we refuse (${e.status}): ${e.message}` };
  }
  const ours = withoutGeneratedIds(fold(parseSse(theirFilters(oursText))));
  return classify(ours, theirs, { kind: 'response', input: {} });
}

/**
 * Their non-streamed snapshots redact the ids and timestamps a gateway makes up; their stream
 * snapshots do not, so both folds drop them: the answer's `id` and `created`/`created_at`, and the
 * `id` of Responses output items (a call's `call_id` and Anthropic's tool_use `id` stay).
 */
function withoutGeneratedIds(v: JsonObject): JsonObject {
  const o = { ...v };
  for (const k of ['id', 'created', 'created_at']) delete o[k];
  if (Array.isArray(o.output))
    o.output = (o.output as unknown[]).map((item): unknown => {
      if (!isObj(item)) return item;
      const { id: _id, ...rest } = item;
      return rest;
    });
  return o;
}

/** The filters their stream snapshots went through (hex-looking ids and timestamps), on ours too. */
function theirFilters(text: string): string {
  return text
    .replace(/"created":[0-9]+/g, '"created":123')
    .replace(/"created_at":[0-9]+/g, '"created_at":123')
    .replace(/"id":"(resp|msg|call)_[0-9a-f]+"/g, '"id":"$1_xxx"')
    .replace(/"item_id":"(msg|call)_[0-9a-f]+"/g, '"item_id":"$1_xxx"')
    .replace(/"call_id":"call_[0-9a-f]+"/g, '"call_id":"call_xxx"');
}

function ourStream(target: UpstreamTarget, client: ClientAdapter, text: string): string {
  if (speaksNatively(target, client.api) && client.api !== 'openai-responses') return text;
  const decoder = providerAdapterFor(target).stream(target);
  const encoder = client.stream();
  return encoder.push(decoder.push(Buffer.from(text))) + encoder.push(decoder.end()) + encoder.end();
}

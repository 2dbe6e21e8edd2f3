/**
 * Reads agentgateway's insta golden snapshots (crates/llm/src/tests): a YAML front matter whose
 * `info:` holds the test input, then the expected output. Request snapshots wrap the upstream body
 * in `{"request": …}` (older ones are the bare body); response snapshots wrap the client answer in
 * `{"response": …}`; streaming snapshots are SSE text with no input in the header.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { isObj } from '../../src/json.js';
import type { JsonObject } from '../../src/json.js';

export type CaseKind = 'request' | 'response';

/** One snapshot file, by its place in the tree. */
export interface SnapshotCase {
  readonly kind: CaseKind;
  /** requests/<client>/… or response/<provider>/… */
  readonly group: string;
  readonly name: string;
  /** The request target, or `<provider>-<client>[-streaming…]` for a response. */
  readonly target: string;
  readonly file: string;
}

/** The parsed contents of one snapshot. */
export interface Snapshot {
  readonly info: unknown;
  /** The expected JSON (request body, or client response), when the body is JSON. */
  readonly expected: unknown;
  /** The raw body text (SSE for streams). */
  readonly bodyText: string;
}

/** Every accepted `.snap` under `root/requests` and `root/response` (pending `.snap.new` are not). */
export function listCases(root: string): SnapshotCase[] {
  const out: SnapshotCase[] = [];
  for (const [dir, kind] of [
    ['requests', 'request'],
    ['response', 'response'],
  ] as const) {
    const base = path.join(root, dir);
    if (!fs.existsSync(base)) continue;
    for (const group of fs.readdirSync(base).sort()) {
      const gdir = path.join(base, group);
      if (!fs.statSync(gdir).isDirectory()) continue;
      for (const f of fs.readdirSync(gdir).sort()) {
        const m = /^(.+?)\.([^.]+)\.snap$/.exec(f);
        if (!m?.[1] || !m[2]) continue;
        out.push({ kind, group, name: m[1], target: m[2], file: path.join(gdir, f) });
      }
    }
  }
  return out;
}

/** Splits `---\nheader\n---\nbody` and parses both halves. */
export function readSnapshot(file: string): Snapshot {
  const text = fs.readFileSync(file, 'utf8');
  const m = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text);
  if (!m) return { info: undefined, expected: undefined, bodyText: text };
  const header = parseHeader(m[1] ?? '');
  const bodyText = m[2] ?? '';
  return { info: isObj(header) ? header.info : undefined, expected: tryJson(bodyText), bodyText };
}

/** A placeholder's header is not YAML (see the data folder's README): no input then. */
function parseHeader(text: string): unknown {
  try {
    return parseYaml(text) as unknown;
  } catch {
    return undefined;
  }
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The upstream request inside a request snapshot (wrapped or bare), or undefined for an error case. */
export function expectedRequest(expected: unknown): JsonObject | undefined {
  if (!isObj(expected)) return undefined;
  if ('error' in expected && !('request' in expected)) return undefined;
  const inner = expected.request;
  return isObj(inner) ? inner : expected;
}

/** The client answer inside a response snapshot. */
export function expectedResponse(expected: unknown): JsonObject | undefined {
  if (!isObj(expected)) return undefined;
  return isObj(expected.response) ? expected.response : undefined;
}

/** A stream's input lives next to its snapshot, `<case>.json` (the header holds none). */
export function siblingInput(c: SnapshotCase): string | undefined {
  const f = path.join(path.dirname(c.file), `${c.name}.json`);
  return fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : undefined;
}

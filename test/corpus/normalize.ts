/**
 * Turns ext_proc messages into plain, stable JSON and masks what changes from run to run.
 *
 * Masked (each for a reason that has nothing to do with behaviour):
 * - generated completion ids (`chatcmpl-<24 hex>`, `chatcmpl-bedrock-<8 hex>-<n>`): random per process;
 * - `created` stamps near the current time (the gateway's clock; upstream stamps are kept);
 * - SigV4 dates and signatures (they follow the clock; validity is recorded separately, see sigv4.ts);
 * - loopback ports (webhook and moderation mocks listen on port 0) and temp paths;
 * - durations: latency/ttft fields of log lines (histogram sums in seconds are dropped).
 */
import { createHash } from 'node:crypto';

/** Bodies larger than this are recorded as length + sha256 + a short head, not in full. */
export const MAX_INLINE_BYTES = 4096;

const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;

export function bytesJson(b: Uint8Array): unknown {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.length);
  const text = buf.toString('utf8');
  const printable = Buffer.from(text, 'utf8').equals(buf) && !CONTROL.test(text);
  if (buf.length > MAX_INLINE_BYTES) {
    return {
      bytes: buf.length,
      sha256: createHash('sha256').update(buf).digest('hex'),
      head: printable ? text.slice(0, 160) : buf.subarray(0, 120).toString('base64'),
    };
  }
  return printable ? text : { base64: buf.toString('base64') };
}

type ProtoValue = {
  kind?: string;
  nullValue?: unknown;
  numberValue?: number;
  stringValue?: string;
  boolValue?: boolean;
  structValue?: ProtoStruct | null;
  listValue?: { values?: ProtoValue[] } | null;
};
type ProtoStruct = { fields?: Record<string, ProtoValue> };

function valueJs(v: ProtoValue): unknown {
  switch (v.kind) {
    case 'numberValue':
      return v.numberValue;
    case 'stringValue':
      return v.stringValue;
    case 'boolValue':
      return v.boolValue;
    case 'structValue':
      return structJs(v.structValue ?? {});
    case 'listValue':
      return (v.listValue?.values ?? []).map(valueJs);
    default:
      return null;
  }
}

/** A decoded google.protobuf.Struct as plain JSON (types kept: numbers stay numbers). */
export function structJs(s: ProtoStruct): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(s.fields ?? {}).sort()) out[k] = valueJs(s.fields![k]!);
  return out;
}

/**
 * A decoded protobuf message as sorted plain JSON. proto3 scalar defaults ('' / 0 / false) and unset
 * sub-messages (null) are dropped: they are the same on the wire. Empty sub-messages are kept (their
 * presence is on the wire), and so are the `oneof` discriminators.
 */
export function protoJson(v: unknown, key = ''): unknown {
  if (v instanceof Uint8Array) {
    const out = bytesJson(v);
    return out === '' ? undefined : out;
  }
  if (Array.isArray(v)) return v.length === 0 ? undefined : v.map((x) => protoJson(x) ?? null);
  if (v !== null && typeof v === 'object') {
    if (key === 'dynamic_metadata') return structJs(v);
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = protoJson((v as Record<string, unknown>)[k], k);
      if (x !== undefined) out[k] = x;
    }
    return out;
  }
  if (v === null || v === undefined || v === '' || v === false || v === 0) return undefined;
  return v;
}

const NOW_S = Math.floor(Date.now() / 1000);
const TWO_DAYS = 2 * 86_400;

/** Masks the run-dependent parts of one string. */
export function normalizeText(s: string): string {
  return s
    .replace(/chatcmpl-bedrock-[0-9a-f]{8}-\d+/g, 'chatcmpl-bedrock-<id>')
    .replace(/chatcmpl-[0-9a-f]{24}(?![0-9a-f])/g, 'chatcmpl-<id>')
    .replace(/("created"\s*:\s*)(\d{9,11})/g, (m, pre: string, n: string) =>
      Math.abs(Number(n) - NOW_S) < TWO_DAYS ? `${pre}"<now>"` : m,
    )
    .replace(/\b\d{8}T\d{6}Z\b/g, '<AMZ_DATE>')
    .replace(/(Credential=[^/\s,]+\/)\d{8}\//g, '$1<DATE>/')
    .replace(/Signature=[0-9a-f]{64}/g, 'Signature=<SIG>')
    .replace(/("port"\s*:\s*)\d{2,5}/g, '$1"<PORT>"')
    .replace(/127\.0\.0\.1:\d{2,5}/g, '127.0.0.1:<PORT>')
    .replace(/\/tmp\/[^\s"',]+/g, '<TMP>');
}

/** normalizeText over every string of a JSON tree. */
export function normalizeTree(v: unknown): unknown {
  if (typeof v === 'string') return normalizeText(v);
  if (Array.isArray(v)) return v.map(normalizeTree);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = normalizeTree(x);
    return out;
  }
  return v;
}

/** Deep copy with object keys sorted (stable files, stable diffs). */
export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

const MS_FIELDS = new Set(['latencyMs', 'ttftMs', 'ms', 'durationMs', 'elapsedMs']);
const DROP_FIELDS = new Set(['time', 'pid', 'hostname']);

/** A server log line without its clock, process and timing fields; stacks cut to their first line. */
export function normalizeLog(line: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(line)) {
    if (DROP_FIELDS.has(k)) continue;
    if (MS_FIELDS.has(k) && typeof v === 'number') out[k] = '<ms>';
    else if (k === 'err' && typeof v === 'string') out[k] = v.split('\n')[0];
    else out[k] = v;
  }
  return out;
}

/**
 * `name{labels}` → value for the ai_* and gen_ai_* series. Histogram buckets are left out (the
 * count and sum say the same for one exchange); for histograms in seconds only the count is kept.
 */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{.*\})? (\S+)$/.exec(line);
    if (!m) continue;
    const name = m[1]!;
    if (!name.startsWith('ai_') && !name.startsWith('gen_ai_')) continue;
    if (name.endsWith('_bucket') || /_seconds_sum$/.test(name)) continue;
    out.set(name + (m[2] ?? ''), Number(m[3]));
  }
  return out;
}

export function metricDeltas(
  before: Map<string, number>,
  after: Map<string, number>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of [...after.keys()].sort()) {
    const d = after.get(k)! - (before.get(k) ?? 0);
    if (d !== 0) out[k] = Math.round(d * 1e6) / 1e6;
  }
  return out;
}

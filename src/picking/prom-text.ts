/**
 * Reads the few series a picker needs out of a Prometheus text exposition, and nothing else:
 * lines are scanned by name prefix, other series are skipped without being parsed. Bounded: the
 * caller caps the text; a line longer than MAX_LINE or a label block over MAX_LABELS is ignored.
 */
import type { MetricNames } from './metric-names.js';

export interface LoraInfo {
  readonly running: readonly string[];
  readonly waiting: readonly string[];
  /** Adapter slots on the server (max_lora); 0 when unknown. */
  readonly max: number;
}

export interface ServerMetrics {
  readonly waiting: number;
  readonly running: number;
  /** 0..1 */
  readonly kvCache: number;
  readonly lora: LoraInfo | undefined;
}

const MAX_LINE = 16 * 1024;
const MAX_LABELS = 32;
const MAX_ADAPTERS = 64;

/** `name{labels} value [timestamp]` → labels and value; undefined for a line we cannot read. */
function sample(line: string, name: string): { labels: string; value: number } | undefined {
  const rest = line.slice(name.length);
  let labels = '';
  let tail = rest;
  if (rest.startsWith('{')) {
    const close = rest.lastIndexOf('}');
    if (close < 0) return undefined;
    labels = rest.slice(1, close);
    tail = rest.slice(close + 1);
  } else if (rest !== '' && rest[0] !== ' ' && rest[0] !== '\t') return undefined; // a longer name
  const value = Number(tail.trim().split(/\s+/)[0]);
  return Number.isNaN(value) ? undefined : { labels, value };
}

/** label="value" pairs (escaped quotes and backslashes honoured). */
export function parseLabels(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null && out.size < MAX_LABELS) {
    out.set(
      m[1]!,
      m[2]!.replace(/\\(.)/g, (_s, c: string) => (c === 'n' ? '\n' : c)),
    );
    if (re.lastIndex >= text.length) break;
  }
  return out;
}

const adapters = (v: string | undefined): string[] =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .slice(0, MAX_ADAPTERS);

/**
 * The metrics of one server, or a reason it cannot be scored (a gauge missing). Several samples of
 * one gauge (per model or engine label) are summed; KV use is their maximum. Of the LoRA series, the
 * sample with the newest value (a timestamp) wins, as in vLLM.
 */
export function parseServerMetrics(text: string, names: MetricNames): ServerMetrics | { error: string } {
  let waiting: number | undefined;
  let running: number | undefined;
  const kv: (number | undefined)[] = names.kvCache.map(() => undefined);
  let lora: { value: number; labels: string } | undefined;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = end - start > MAX_LINE ? '' : text.slice(start, end);
    start = end + 1;
    if (line === '' || line[0] === '#') continue;
    if (line.startsWith(names.waiting)) {
      const s = sample(line, names.waiting);
      if (s) waiting = (waiting ?? 0) + s.value;
    } else if (line.startsWith(names.running)) {
      const s = sample(line, names.running);
      if (s) running = (running ?? 0) + s.value;
    } else if (names.lora !== undefined && line.startsWith(names.lora)) {
      const s = sample(line, names.lora);
      if (s && (lora === undefined || s.value >= lora.value)) lora = s;
    } else {
      names.kvCache.forEach((n, i) => {
        if (!line.startsWith(n)) return;
        const s = sample(line, n);
        if (s) kv[i] = Math.max(kv[i] ?? 0, s.value);
      });
    }
  }
  if (waiting === undefined) return { error: `missing ${names.waiting}` };
  if (running === undefined) return { error: `missing ${names.running}` };
  const kvCache = kv.find((v) => v !== undefined);
  if (kvCache === undefined) return { error: `missing ${names.kvCache.join(' or ')}` };
  let info: LoraInfo | undefined;
  if (lora) {
    const l = parseLabels(lora.labels);
    info = {
      running: adapters(l.get('running_lora_adapters')),
      waiting: adapters(l.get('waiting_lora_adapters')),
      max: Number(l.get('max_lora') ?? 0) || 0,
    };
  }
  return {
    waiting: Math.max(0, waiting),
    running: Math.max(0, running),
    kvCache: Math.min(1, Math.max(0, kvCache)),
    lora: info,
  };
}

/**
 * kgateway mounts stats.json / tracing.json as base64(JSON), possibly wrapped in literal quotes
 * (docs/reference/kgateway-contract.md §1.2). Missing or bad files are not fatal: the caller logs and carries on.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface CustomLabel {
  readonly name: string;
  readonly metadataNamespace: string;
  readonly metadataKey: string;
  readonly keyDelimiter: string;
}

export interface StatsConfig {
  readonly customLabels: readonly CustomLabel[];
}

export interface TracingConfig {
  readonly endpoint: string;
  readonly sampler?: { readonly type?: string; readonly arg?: string };
  readonly timeout?: string;
  readonly protocol?: string;
}

export type FileResult<T> =
  | { readonly kind: 'ok'; readonly value: T; readonly path: string }
  | { readonly kind: 'missing' }
  | { readonly kind: 'invalid'; readonly path: string; readonly error: string };

const PROM_LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const RESERVED_LABELS = new Set(['llm', 'model']);

/** Strips quotes and whitespace, base64-decodes, JSON-parses. */
export function decodeB64Json(text: string): unknown {
  const cleaned = text.replace(/["'\s]/g, '');
  const json = Buffer.from(cleaned, 'base64').toString('utf8');
  return JSON.parse(json) as unknown;
}

function readFirst(dirs: readonly string[], file: string): { path: string; text: string } | undefined {
  for (const dir of dirs) {
    const p = path.join(dir, file);
    try {
      return { path: p, text: fs.readFileSync(p, 'utf8') };
    } catch {
      /* try the next directory */
    }
  }
  return undefined;
}

export function parseStatsConfig(raw: unknown): StatsConfig {
  if (!raw || typeof raw !== 'object') throw new Error('stats.json is not a JSON object');
  const labels = (raw as { customLabels?: unknown }).customLabels ?? [];
  if (!Array.isArray(labels)) throw new Error('customLabels is not a list');
  const seen = new Set<string>();
  const out: CustomLabel[] = [];
  for (const l of labels as unknown[]) {
    const o = (l ?? {}) as Record<string, unknown>;
    const name = typeof o.name === 'string' ? o.name : '';
    if (!PROM_LABEL.test(name) || name.startsWith('__') || RESERVED_LABELS.has(name) || seen.has(name)) {
      throw new Error(`invalid or duplicate custom label name "${name}"`);
    }
    if (typeof o.metadataKey !== 'string' || !o.metadataKey)
      throw new Error(`custom label "${name}" has no metadataKey`);
    seen.add(name);
    out.push({
      name,
      metadataKey: o.metadataKey,
      metadataNamespace:
        typeof o.metadataNamespace === 'string' && o.metadataNamespace
          ? o.metadataNamespace
          : 'envoy.filters.http.jwt_authn',
      keyDelimiter: typeof o.keyDelimiter === 'string' && o.keyDelimiter ? o.keyDelimiter : ':',
    });
  }
  return { customLabels: out };
}

export function parseTracingConfig(raw: unknown): TracingConfig {
  if (!raw || typeof raw !== 'object') throw new Error('tracing.json is not a JSON object');
  const o = raw as Record<string, unknown>;
  const sampler = (o.sampler ?? undefined) as TracingConfig['sampler'];
  return {
    endpoint: typeof o.endpoint === 'string' ? o.endpoint : '',
    ...(sampler && typeof sampler === 'object' ? { sampler } : {}),
    ...(typeof o.timeout === 'string' || typeof o.timeout === 'number' ? { timeout: String(o.timeout) } : {}),
    ...(typeof o.protocol === 'string' ? { protocol: o.protocol } : {}),
  };
}

function load<T>(dirs: readonly string[], file: string, parse: (raw: unknown) => T): FileResult<T> {
  const found = readFirst(dirs, file);
  if (!found) return { kind: 'missing' };
  try {
    return { kind: 'ok', value: parse(decodeB64Json(found.text)), path: found.path };
  } catch (err) {
    return { kind: 'invalid', path: found.path, error: err instanceof Error ? err.message : String(err) };
  }
}

export const loadStatsConfig = (dirs: readonly string[]): FileResult<StatsConfig> =>
  load(dirs, 'stats.json', parseStatsConfig);
export const loadTracingConfig = (dirs: readonly string[]): FileResult<TracingConfig> =>
  load(dirs, 'tracing.json', parseTracingConfig);

/** Python str() of a metadata value, as the original's custom labels rendered it. */
export function customLabelValue(
  filterMetadata: Readonly<Record<string, unknown>>,
  label: CustomLabel,
): string {
  let cur: unknown = filterMetadata[label.metadataNamespace];
  for (const key of label.metadataKey.split(label.keyDelimiter)) {
    cur =
      cur && typeof cur === 'object' && !Array.isArray(cur)
        ? (cur as Record<string, unknown>)[key]
        : undefined;
  }
  switch (typeof cur) {
    case 'string':
      return cur;
    case 'boolean':
      return cur ? 'True' : 'False';
    case 'number':
      return Number.isInteger(cur) && Math.abs(cur) < 1e16 ? `${cur}.0` : String(cur);
    default:
      return '<unknown>';
  }
}

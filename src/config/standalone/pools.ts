/** backends.<name>.pool → CompiledPool (the schema has checked the shapes). */
import net from 'node:net';
import type { JsonObject } from '../../json.js';
import { asString, isObj } from '../../json.js';
import { FLAVOUR_METRICS } from '../../picking/metric-names.js';
import type { MetricNames, ServerFlavour } from '../../picking/metric-names.js';
import { DEFAULT_WEIGHTS } from '../../picking/scorer.js';
import type { Weights } from '../../picking/scorer.js';
import type { LoadContext } from './context.js';
import type { PathSegment } from './issues.js';

export interface PoolServer {
  /** IP (IPv6 without brackets) or DNS name. */
  readonly host: string;
  readonly port: number;
  readonly isIp: boolean;
}

export type FailureMode = 'FailClose' | 'FailOpen';

export interface CompiledPool {
  readonly servers: readonly PoolServer[];
  readonly metricsPath: string;
  readonly scrapeIntervalMs: number;
  readonly staleAfterMs: number;
  readonly dnsRefreshMs: number;
  readonly names: MetricNames;
  readonly failureMode: FailureMode;
  /** Servers after the primary (always 0 for FailClose: ORIGINAL_DST takes one address). */
  readonly fallbacks: number;
  readonly loraAdapters: ReadonlySet<string>;
  readonly weights: Weights;
  /** model → priority (unset: 0). */
  readonly objectives: ReadonlyMap<string, number>;
  readonly testSelectionHeader: boolean;
  /** Identifies the settings: a reload keeps a pool's scraper and caches while this is unchanged. */
  readonly key: string;
}

export const DEFAULT_SCRAPE_MS = 200;
export const DEFAULT_STALE_MS = 2000;
export const DEFAULT_DNS_REFRESH_MS = 5000;
export const DEFAULT_FALLBACKS = 2;

function server(raw: string): PoolServer {
  const at = raw.lastIndexOf(':');
  const host = raw.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(raw.slice(at + 1)), isIp: net.isIP(host) !== 0 };
}

const num = (v: unknown, dflt: number): number => (typeof v === 'number' ? v : dflt);

/** The pool of a backend, or undefined (issues reported) when it cannot be one. */
export function compilePool(raw: JsonObject, at: PathSegment[], ctx: LoadContext): CompiledPool | undefined {
  if (raw.provider !== 'openai')
    ctx.issues.add([...at, 'provider'], 'a pool speaks the OpenAI API (vLLM): provider must be openai');
  if (raw.baseUrl !== undefined)
    ctx.issues.add([...at, 'baseUrl'], 'a pool has no baseUrl: its servers are listed in pool.servers');
  const p = raw.pool;
  if (!isObj(p)) return undefined;
  const servers = (Array.isArray(p.servers) ? p.servers : [])
    .filter((s) => typeof s === 'string')
    .map(server);
  servers.forEach((s, i) => {
    if (s.port < 1 || s.port > 65535) ctx.issues.add([...at, 'pool', 'servers', i], 'port must be 1-65535');
  });
  const flavour = (asString(p.flavour) ?? 'vllm') as ServerFlavour;
  const base = FLAVOUR_METRICS[flavour];
  const o = isObj(p.metricNames) ? p.metricNames : {};
  const kv = asString(o.kvCache);
  const names: MetricNames = {
    waiting: asString(o.waiting) ?? base.waiting,
    running: asString(o.running) ?? base.running,
    kvCache: kv !== undefined ? [kv] : base.kvCache,
    lora: asString(o.lora) ?? base.lora,
  };
  const w = isObj(p.weights) ? p.weights : {};
  const failureMode: FailureMode = p.failureMode === 'FailOpen' ? 'FailOpen' : 'FailClose';
  const objectives = new Map<string, number>();
  for (const [model, obj] of Object.entries(isObj(p.objectives) ? p.objectives : {}))
    if (isObj(obj) && typeof obj.priority === 'number') objectives.set(model, obj.priority);
  const pool: Omit<CompiledPool, 'key'> = {
    servers: Object.freeze(servers),
    metricsPath: asString(p.metricsPath) ?? '/metrics',
    scrapeIntervalMs: num(p.scrapeIntervalMs, DEFAULT_SCRAPE_MS),
    staleAfterMs: num(p.staleAfterMs, DEFAULT_STALE_MS),
    dnsRefreshMs: num(p.dnsRefreshMs, DEFAULT_DNS_REFRESH_MS),
    names: Object.freeze(names),
    failureMode,
    fallbacks: failureMode === 'FailClose' ? 0 : num(p.fallbacks, DEFAULT_FALLBACKS),
    loraAdapters: new Set(
      (Array.isArray(p.loraAdapters) ? p.loraAdapters : []).filter((a) => typeof a === 'string'),
    ),
    weights: Object.freeze({
      queue: num(w.queue, DEFAULT_WEIGHTS.queue),
      kvCache: num(w.kvCache, DEFAULT_WEIGHTS.kvCache),
      prefix: num(w.prefix, DEFAULT_WEIGHTS.prefix),
      lora: num(w.lora, DEFAULT_WEIGHTS.lora),
    }),
    objectives,
    testSelectionHeader: p.testSelectionHeader === true,
  };
  return Object.freeze({ ...pool, key: JSON.stringify(p) });
}

/** The base URL a pool backend presents (its first server): the :authority sent upstream. */
export function poolBaseUrl(pool: CompiledPool): string {
  const s = pool.servers[0];
  if (!s) return 'http://pool.invalid';
  return `http://${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}`;
}

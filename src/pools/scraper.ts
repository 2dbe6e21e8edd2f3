/**
 * The background scraper of one pool: resolves its servers (DNS names again every dnsRefreshMs),
 * reads each server's metrics every scrapeIntervalMs (one request in flight per server, bounded
 * body and time), and keeps what the picker needs. Numbers (documented in the README):
 * - metrics older than the pool's staleAfterMs (default 2 s) score worst;
 * - FAILURES_TO_EXCLUDE (3) failed scrapes in a row leave a server out of picking until one succeeds;
 * - a scrape times out after SCRAPE_TIMEOUT_MS (1 s) and reads at most MAX_METRICS_BYTES (1 MiB).
 */
import dns from 'node:dns/promises';
import http from 'node:http';
import type { CompiledPool } from '../config/standalone/index.js';
import type { ServerMetrics } from '../picking/prom-text.js';
import { parseServerMetrics } from '../picking/prom-text.js';
import type { EndpointView } from '../picking/picker.js';

export const FAILURES_TO_EXCLUDE = 3;
export const SCRAPE_TIMEOUT_MS = 1000;
export const MAX_METRICS_BYTES = 1024 * 1024;
/** Addresses one DNS name may add (a bound on label values and scrape work). */
export const MAX_ENDPOINTS = 256;

export interface EndpointState {
  readonly endpoint: string;
  metrics: ServerMetrics | undefined;
  /** performance.now() of the last successful scrape. */
  scrapedAt: number | undefined;
  failures: number;
  errors: number;
  lastError: string | undefined;
  inFlight: boolean;
}

export const formatEndpoint = (host: string, port: number): string =>
  `${host.includes(':') ? `[${host}]` : host}:${port}`;

function fetchText(endpoint: string, path: string, agent: http.Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    const at = endpoint.lastIndexOf(':');
    const host = endpoint.slice(0, at).replace(/^\[(.*)\]$/, '$1');
    const req = http.get(
      { host, port: Number(endpoint.slice(at + 1)), path, agent, timeout: SCRAPE_TIMEOUT_MS },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`status ${res.statusCode ?? 0}`));
          return;
        }
        const parts: Buffer[] = [];
        let n = 0;
        res.on('data', (c: Buffer) => {
          n += c.length;
          if (n > MAX_METRICS_BYTES) req.destroy(new Error('metrics too large'));
          else parts.push(c);
        });
        res.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

export class PoolScraper {
  private readonly states = new Map<string, EndpointState>();
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  private timer: NodeJS.Timeout | undefined;
  private dnsTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    readonly name: string,
    readonly pool: CompiledPool,
    private readonly onChange: (endpoints: ReadonlySet<string>) => void = () => {},
  ) {
    for (const s of pool.servers) if (s.isIp) this.ensure(formatEndpoint(s.host, s.port));
  }

  start(): void {
    void this.resolve();
    this.tick();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.dnsTimer);
    this.agent.destroy();
  }

  private ensure(endpoint: string): void {
    if (this.states.has(endpoint) || this.states.size >= MAX_ENDPOINTS) return;
    this.states.set(endpoint, {
      endpoint,
      metrics: undefined,
      scrapedAt: undefined,
      failures: 0,
      errors: 0,
      lastError: undefined,
      inFlight: false,
    });
  }

  /** DNS names: their addresses now are the servers; addresses gone are dropped. */
  private async resolve(): Promise<void> {
    const named = this.pool.servers.filter((s) => !s.isIp);
    if (named.length === 0 || this.stopped) return;
    const want = new Set(this.pool.servers.filter((s) => s.isIp).map((s) => formatEndpoint(s.host, s.port)));
    for (const s of named) {
      try {
        for (const a of await dns.lookup(s.host, { all: true })) want.add(formatEndpoint(a.address, s.port));
      } catch {
        // A failed lookup keeps the name's last addresses (they may still serve).
        for (const k of this.states.keys()) if (k.endsWith(`:${s.port}`)) want.add(k);
      }
    }
    if (this.stopped) return;
    for (const k of [...this.states.keys()]) if (!want.has(k)) this.states.delete(k);
    for (const k of want) this.ensure(k);
    this.onChange(new Set(this.states.keys()));
    this.dnsTimer = setTimeout(() => void this.resolve(), this.pool.dnsRefreshMs);
    this.dnsTimer.unref();
  }

  private tick(): void {
    if (this.stopped) return;
    for (const st of this.states.values()) if (!st.inFlight) void this.scrape(st);
    this.timer = setTimeout(() => this.tick(), this.pool.scrapeIntervalMs);
    this.timer.unref();
  }

  private async scrape(st: EndpointState): Promise<void> {
    st.inFlight = true;
    try {
      const text = await fetchText(st.endpoint, this.pool.metricsPath, this.agent);
      const m = parseServerMetrics(text, this.pool.names);
      if ('error' in m) throw new Error(m.error);
      st.metrics = m;
      st.scrapedAt = performance.now();
      st.failures = 0;
      st.lastError = undefined;
    } catch (err) {
      st.failures++;
      st.errors++;
      st.lastError = err instanceof Error ? err.message.slice(0, 200) : 'error';
    } finally {
      st.inFlight = false;
    }
  }

  /** What the picker sees now: stale metrics count as none. */
  views(now = performance.now()): EndpointView[] {
    const out: EndpointView[] = [];
    for (const st of this.states.values()) {
      const fresh = st.scrapedAt !== undefined && now - st.scrapedAt <= this.pool.staleAfterMs;
      out.push({
        endpoint: st.endpoint,
        metrics: fresh ? st.metrics : undefined,
        excluded: st.failures >= FAILURES_TO_EXCLUDE,
      });
    }
    return out;
  }

  /** For /metrics: every server's state. */
  endpointStates(): readonly EndpointState[] {
    return [...this.states.values()];
  }

  has(endpoint: string): boolean {
    return this.states.has(endpoint);
  }
}

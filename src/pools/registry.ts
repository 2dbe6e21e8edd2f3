/**
 * Every pool's scraper and prefix index, kept across config reloads while a pool's settings stay
 * the same (sync), stopped on close. Publishes on /metrics: picks per pool, server and reason;
 * scrape errors; the age of each server's metrics; whether a server is left out.
 */
import client from 'prom-client';
import type { CompiledPool, RuntimeConfig } from '../config/standalone/index.js';
import { PrefixIndex } from '../picking/prefix-cache.js';
import type { EndpointView } from '../picking/picker.js';
import type { LivePool, PoolDirectory } from '../pipeline/pools.js';
import { FAILURES_TO_EXCLUDE, PoolScraper } from './scraper.js';

class Live implements LivePool {
  readonly prefix = new PrefixIndex();
  readonly scraper: PoolScraper;
  /** Picked requests not finished yet, per server. */
  private readonly inflight = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly pool: CompiledPool,
    private readonly picks: client.Counter<'pool' | 'endpoint' | 'reason'>,
  ) {
    this.scraper = new PoolScraper(name, pool, (eps) => this.prefix.retain(eps));
  }
  views(): readonly EndpointView[] {
    const views = this.scraper.views();
    return this.inflight.size === 0
      ? views
      : views.map((v) => ({ ...v, inflight: this.inflight.get(v.endpoint) ?? 0 }));
  }
  isMember(endpoint: string): boolean {
    return this.scraper.has(endpoint);
  }
  picked(endpoint: string, reason: string): void {
    // Label values are bounded: pool and server names come from the config and DNS (capped).
    this.picks.inc({ pool: this.name, endpoint, reason });
    if (endpoint !== '') this.inflight.set(endpoint, (this.inflight.get(endpoint) ?? 0) + 1);
  }
  finished(endpoint: string): void {
    const n = (this.inflight.get(endpoint) ?? 0) - 1;
    if (n > 0) this.inflight.set(endpoint, n);
    else this.inflight.delete(endpoint);
  }
}

export class PoolRegistry implements PoolDirectory {
  private readonly pools = new Map<string, Live>();
  private readonly picks: client.Counter<'pool' | 'endpoint' | 'reason'>;

  constructor(registry: client.Registry) {
    this.picks = new client.Counter({
      name: 'ai_extproc_endpoint_picks_total',
      help: 'Endpoint picks by pool, chosen server and reason (scored, forced, unscored, fail-open, shed, no-ready, empty-subset).',
      labelNames: ['pool', 'endpoint', 'reason'],
      registers: [registry],
    });
    const states = () =>
      [...this.pools.values()].flatMap((p) => p.scraper.endpointStates().map((s) => ({ p, s })));
    new client.Gauge({
      name: 'ai_extproc_pool_scrape_errors',
      help: 'Failed metric scrapes of a pool server since it joined the pool.',
      labelNames: ['pool', 'endpoint'],
      registers: [registry],
      collect() {
        this.reset();
        for (const { p, s } of states()) this.set({ pool: p.name, endpoint: s.endpoint }, s.errors);
      },
    });
    new client.Gauge({
      name: 'ai_extproc_pool_metrics_age_seconds',
      help: 'Age of the newest metrics of a pool server (-1: never scraped).',
      labelNames: ['pool', 'endpoint'],
      registers: [registry],
      collect() {
        this.reset();
        const now = performance.now();
        for (const { p, s } of states())
          this.set(
            { pool: p.name, endpoint: s.endpoint },
            s.scrapedAt === undefined ? -1 : Math.round(now - s.scrapedAt) / 1000,
          );
      },
    });
    new client.Gauge({
      name: 'ai_extproc_pool_endpoint_excluded',
      help: `1 while a pool server is left out of picking (${FAILURES_TO_EXCLUDE} failed scrapes in a row, until one succeeds).`,
      labelNames: ['pool', 'endpoint'],
      registers: [registry],
      collect() {
        this.reset();
        for (const { p, s } of states())
          this.set({ pool: p.name, endpoint: s.endpoint }, s.failures >= FAILURES_TO_EXCLUDE ? 1 : 0);
      },
    });
  }

  get(backend: string, pool: CompiledPool): LivePool | undefined {
    const live = this.pools.get(backend);
    return live && live.pool.key === pool.key ? live : undefined;
  }

  /** Starts the config's pools, keeps unchanged ones (scraped state and prefix caches), stops the rest. */
  sync(config: RuntimeConfig): void {
    const want = new Map<string, CompiledPool>();
    for (const b of config.backends) if (b.pool) want.set(b.name, b.pool);
    for (const [name, live] of [...this.pools]) {
      if (want.get(name)?.key === live.pool.key) continue;
      live.scraper.stop();
      this.pools.delete(name);
    }
    for (const [name, pool] of want) {
      if (this.pools.has(name)) continue;
      const live = new Live(name, pool, this.picks);
      this.pools.set(name, live);
      live.scraper.start();
    }
  }

  close(): void {
    for (const live of this.pools.values()) live.scraper.stop();
    this.pools.clear();
  }
}

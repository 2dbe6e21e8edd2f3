/**
 * A Prometheus histogram whose label sets are bound once, for per-request observations.
 *
 * prom-client's Histogram rebuilds, validates and hashes the label object on every observe(), even
 * through a labels() child (its counters cache the hash; its histograms do not): about 1 µs and a
 * few objects per observation, and a request makes seven. A child here keeps its series and only
 * adds to it. Exposition stays prom-client's: the metric is registered in a prom-client Registry
 * (which accepts any object with name/get/reset) and hands it the same value records its own
 * histograms produce, so the text output is byte-identical (test/unit/metrics/bound-histogram.test.ts).
 */
import type client from 'prom-client';

export interface HistogramChild {
  observe(value: number): void;
}

interface Series {
  readonly labels: Readonly<Record<string, string>>;
  /** Non-cumulative counts per upper bound (values above the last bound only reach +Inf). */
  readonly counts: number[];
  sum: number;
  count: number;
}

interface ValueRecord {
  labels: Record<string, string | number>;
  sharedLabels: Readonly<Record<string, string>>;
  value: number;
  metricName: string;
  exemplar: null | undefined;
}

export class BoundHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly upperBounds: readonly number[];
  private series = new Map<string, Series>();
  /** Bumped by reset(), so that children drop the series they hold. */
  private generation = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    buckets: readonly number[],
    registry: client.Registry,
  ) {
    this.upperBounds = [...buckets].sort((a, b) => a - b);
    registry.registerMetric(this as unknown as client.Metric);
  }

  /**
   * The child for one label set. Keep it: creating one builds a key. Its series appears in the
   * output at its first observation, as with prom-client.
   */
  child(labels: Readonly<Record<string, string>>): HistogramChild {
    for (const k of Object.keys(labels)) {
      if (!this.labelNames.includes(k))
        throw new Error(`Added label "${k}" is not included in initial labelset`);
    }
    const key = this.labelNames.map((n) => labels[n] ?? '').join('\u0000');
    const bounds = this.upperBounds;
    let series: Series | undefined;
    let generation = -1;
    return {
      observe: (value: number): void => {
        if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
        if (generation !== this.generation || series === undefined) {
          series = this.seriesFor(key, labels);
          generation = this.generation;
        }
        let i = 0;
        while (i < bounds.length && value > bounds[i]!) i++;
        if (i < bounds.length) series.counts[i]!++;
        series.sum += value;
        series.count++;
      },
    };
  }

  private seriesFor(key: string, labels: Readonly<Record<string, string>>): Series {
    let s = this.series.get(key);
    if (!s) {
      s = { labels, counts: this.upperBounds.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    return s;
  }

  /** What prom-client's Registry reads for the text format (the shape of Histogram#getForPromString). */
  getForPromString(): Promise<{
    name: string;
    help: string;
    type: string;
    values: ValueRecord[];
    aggregator: string;
  }> {
    const bucket = `${this.name}_bucket`;
    const values: ValueRecord[] = [];
    for (const s of this.series.values()) {
      let acc = 0;
      this.upperBounds.forEach((le, i) => {
        acc += s.counts[i]!;
        values.push({
          labels: { le },
          sharedLabels: s.labels,
          value: acc,
          metricName: bucket,
          exemplar: null,
        });
      });
      values.push(
        {
          labels: { le: '+Inf' },
          sharedLabels: s.labels,
          value: s.count,
          metricName: bucket,
          exemplar: null,
        },
        {
          labels: {},
          sharedLabels: s.labels,
          value: s.sum,
          metricName: `${this.name}_sum`,
          exemplar: undefined,
        },
        {
          labels: {},
          sharedLabels: s.labels,
          value: s.count,
          metricName: `${this.name}_count`,
          exemplar: undefined,
        },
      );
    }
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      values,
      aggregator: this.aggregator,
    });
  }

  /** The JSON form (Registry#getMetricsAsJSON): labels merged into one object per value. */
  async get(): Promise<{ name: string; help: string; type: string; values: object[]; aggregator: string }> {
    const data = await this.getForPromString();
    return {
      ...data,
      values: data.values.map(({ labels, sharedLabels, ...rest }) => ({
        ...rest,
        labels: { ...labels, ...sharedLabels },
      })),
    };
  }

  reset(): void {
    this.series = new Map();
    this.generation++;
  }
}

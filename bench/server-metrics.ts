/**
 * What the bench reads from the ai-extproc process besides /proc: its Prometheus endpoint (V8 heap,
 * GC time, event-loop delay) and, through the Node inspector, a forced full GC.
 */

export interface ServerSample {
  heapUsedMib: number;
  heapTotalMib: number;
  externalMib: number;
  /** Cumulative GC time (ms) and count, by kind (major, minor, incremental, weakcb). */
  gc: Record<string, { ms: number; count: number }>;
  /**
   * Event-loop delay since the previous scrape: prom-client samples it with a 10 ms
   * monitorEventLoopDelay timer and resets the histogram on every scrape. Node records the whole
   * interval between timer runs, so the 10 ms period is subtracted here: 0 means no delay.
   */
  lagMaxMs: number;
  lagP99Ms: number;
  streamsOpened: number;
}

/** prom-client's default eventLoopMonitoringPrecision. */
const LAG_RESOLUTION_MS = 10;

function metric(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
}

export async function scrapeServer(metricsPort: number): Promise<ServerSample | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { signal: AbortSignal.timeout(5000) });
    const text = await res.text();
    const gc: ServerSample['gc'] = {};
    for (const m of text.matchAll(/^nodejs_gc_duration_seconds_(sum|count)\{kind="(\w+)"\} (\S+)$/gm)) {
      const [, which, kind, value] = m;
      if (kind === undefined || value === undefined) continue;
      const g = (gc[kind] ??= { ms: 0, count: 0 });
      if (which === 'sum') g.ms = Number(value) * 1000;
      else g.count = Number(value);
    }
    const mib = (n: number): number => n / 1024 / 1024;
    return {
      heapUsedMib: mib(metric(text, 'nodejs_heap_size_used_bytes')),
      heapTotalMib: mib(metric(text, 'nodejs_heap_size_total_bytes')),
      externalMib: mib(metric(text, 'nodejs_external_memory_bytes')),
      gc,
      lagMaxMs: Math.max(0, metric(text, 'nodejs_eventloop_lag_max_seconds') * 1000 - LAG_RESOLUTION_MS),
      lagP99Ms: Math.max(0, metric(text, 'nodejs_eventloop_lag_p99_seconds') * 1000 - LAG_RESOLUTION_MS),
      streamsOpened: metric(text, 'ai_extproc_grpc_streams_opened_total'),
    };
  } catch {
    return undefined;
  }
}

/** GC time and counts between two samples. */
export function gcDelta(
  before: ServerSample,
  after: ServerSample,
): Record<string, { ms: number; count: number }> {
  const out: Record<string, { ms: number; count: number }> = {};
  for (const [kind, a] of Object.entries(after.gc)) {
    const b = before.gc[kind] ?? { ms: 0, count: 0 };
    out[kind] = { ms: a.ms - b.ms, count: a.count - b.count };
  }
  return out;
}

/**
 * Forces a full GC in the server through its inspector (started with --inspect=127.0.0.1:PORT),
 * with HeapProfiler.collectGarbage. Only the HeapProfiler domain is used; the debugger is never
 * enabled, so the server's code runs as it normally does.
 */
export async function forceGc(inspectPort: number, timeoutMs = 15_000): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${inspectPort}/json/list`, {
      signal: AbortSignal.timeout(5000),
    });
    const targets = (await res.json()) as { webSocketDebuggerUrl?: string }[];
    const url = targets[0]?.webSocketDebuggerUrl;
    if (url === undefined) return false;
    return await new Promise<boolean>((resolve) => {
      const ws = new WebSocket(url);
      const timer = setTimeout(() => {
        ws.close();
        resolve(false);
      }, timeoutMs);
      ws.addEventListener('open', () =>
        ws.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' })),
      );
      ws.addEventListener('message', (ev: MessageEvent) => {
        const msg = JSON.parse(String(ev.data)) as { id?: number; error?: unknown };
        if (msg.id !== 1) return;
        clearTimeout(timer);
        ws.close();
        resolve(msg.error === undefined);
      });
      ws.addEventListener('error', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
  } catch {
    return false;
  }
}

/** A local OTLP/HTTP receiver for tests: records every export request (JSON bodies parsed). */
import http from 'node:http';

export interface OtlpExport {
  readonly path: string;
  readonly contentType: string;
  readonly body: Buffer;
  readonly json: unknown;
}

export interface FlatSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: number;
  readonly attributes: Record<string, unknown>;
  readonly resource: Record<string, unknown>;
}

export interface OtlpReceiver {
  readonly url: string;
  readonly exports: OtlpExport[];
  /** Spans from JSON exports, flattened. */
  spans(): FlatSpan[];
  waitForSpans(predicate: (spans: FlatSpan[]) => boolean, timeoutMs?: number): Promise<FlatSpan[]>;
  close(): Promise<void>;
}

type AnyValue = {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: AnyValue[] };
};

function value(v: AnyValue | undefined): unknown {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(value);
  return undefined;
}

function attrs(list: { key: string; value: AnyValue }[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of list ?? []) out[a.key] = value(a.value);
  return out;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const exports: OtlpExport[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const contentType = req.headers['content-type'] ?? '';
      let json: unknown;
      if (contentType.includes('json')) json = JSON.parse(body.toString()) as unknown;
      exports.push({ path: req.url ?? '', contentType, body, json });
      res
        .writeHead(200, {
          'content-type': contentType.includes('json') ? 'application/json' : 'application/x-protobuf',
        })
        .end(contentType.includes('json') ? '{}' : '');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const spans = (): FlatSpan[] => {
    const out: FlatSpan[] = [];
    for (const e of exports) {
      const rs = (e.json as { resourceSpans?: unknown[] } | undefined)?.resourceSpans ?? [];
      for (const r of rs as { resource?: { attributes?: [] }; scopeSpans?: { spans?: unknown[] }[] }[]) {
        const resource = attrs(r.resource?.attributes);
        for (const ss of r.scopeSpans ?? []) {
          for (const s of (ss.spans ?? []) as {
            traceId: string;
            spanId: string;
            parentSpanId?: string;
            name: string;
            kind: number;
            attributes?: [];
          }[]) {
            out.push({
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId ?? '',
              name: s.name,
              kind: s.kind,
              attributes: attrs(s.attributes),
              resource,
            });
          }
        }
      }
    }
    return out;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    exports,
    spans,
    async waitForSpans(predicate, timeoutMs = 5000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const s = spans();
        if (predicate(s)) return s;
        if (Date.now() > end)
          throw new Error(`spans not as expected: ${JSON.stringify(s.map((x) => x.name))}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}

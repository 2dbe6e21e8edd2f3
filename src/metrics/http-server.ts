/** Prometheus exposition on METRICS_ADDR: /metrics, /healthz (alive) and /readyz (serving). */
import http from 'node:http';

export interface MetricsSource {
  render(): Promise<string>;
  readonly contentType: string;
}

export function startMetricsServer(
  source: MetricsSource,
  host: string,
  port: number,
  isReady: () => boolean,
): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (url === '/readyz') {
      const ready = isReady();
      res
        .writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' })
        .end(ready ? 'ready\n' : 'not ready\n');
      return;
    }
    if (url === '/metrics' || url === '/') {
      source.render().then(
        (text) => res.writeHead(200, { 'content-type': source.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { once } from 'node:events';
import { HttpClientError } from '../../../src/guards/http-client.js';
import type { HttpClientErrorKind, HttpRequest } from '../../../src/guards/http-client.js';
import { NodeHttpClient } from '../../../src/http/index.js';
import { opensslAvailable, selfSignedCert } from '../../helpers/webhook-server.js';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  remotePort: number;
}

interface TestServer {
  url: string;
  port: number;
  seen: Seen[];
  close(): Promise<void>;
}

async function serve(
  handler: (req: IncomingMessage, res: ServerResponse, body: string) => void,
  tls = false,
): Promise<TestServer> {
  const seen: Seen[] = [];
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        remotePort: req.socket.remotePort ?? 0,
      });
      handler(req, res, body);
    });
  };
  const server = tls
    ? https.createServer({ ...selfSignedCert() }, onRequest)
    : http.createServer({ keepAliveTimeout: 30_000 }, onRequest);
  if (tls) (server as https.Server).keepAliveTimeout = 30_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    seen,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const echo = (_req: IncomingMessage, res: ServerResponse, body: string): void => {
  res.writeHead(201, { 'content-type': 'application/json', 'x-multi': ['a', 'b'] });
  res.end(JSON.stringify({ got: body }));
};

function post(url: string, over: Partial<HttpRequest> = {}): HttpRequest {
  return {
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: new TextEncoder().encode('{"x":1}'),
    timeoutMs: 2000,
    ...over,
  };
}

async function rejectsWith(p: Promise<unknown>, kind: HttpClientErrorKind): Promise<HttpClientError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof HttpClientError, `expected HttpClientError, got ${String(e)}`);
    assert.equal(e.kind, kind, e.message);
    return e;
  }
  assert.fail(`expected an HttpClientError of kind ${kind}`);
}

describe('NodeHttpClient', () => {
  let server: TestServer;
  const client = new NodeHttpClient();
  before(async () => {
    server = await serve((req, res, body) => {
      if (req.url === '/slow') {
        setTimeout(() => {
          if (!res.destroyed) echo(req, res, body);
        }, 1500);
        return;
      }
      if (req.url === '/big') {
        res.writeHead(200);
        res.end('x'.repeat(4096));
        return;
      }
      if (req.url === '/500') {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('nope');
        return;
      }
      echo(req, res, body);
    });
  });
  after(async () => {
    client.close();
    await server.close();
  });

  it('POSTs the body with content-length and returns status, lower-cased headers and body', async () => {
    const res = await client.request(
      post(`${server.url}/echo?q=1`, { headers: { 'X-Custom': 'v', 'Content-Length': '999' } }),
    );
    assert.equal(res.status, 201);
    assert.equal(res.headers['content-type'], 'application/json');
    assert.equal(res.headers['x-multi'], 'a, b');
    assert.deepEqual(JSON.parse(new TextDecoder().decode(res.body)), { got: '{"x":1}' });
    const seen = server.seen.at(-1)!;
    assert.equal(seen.method, 'POST');
    assert.equal(seen.url, '/echo?q=1');
    assert.equal(seen.headers['content-length'], '7', 'our content-length wins over a caller one');
    assert.equal(seen.headers['x-custom'], 'v');
  });

  it('non-2xx statuses resolve', async () => {
    const res = await client.request(post(`${server.url}/500`));
    assert.equal(res.status, 500);
    assert.equal(new TextDecoder().decode(res.body), 'nope');
  });

  it('keeps connections alive: sequential requests share one socket', async () => {
    const c = new NodeHttpClient();
    try {
      const before = server.seen.length;
      for (let i = 0; i < 3; i++) await c.request(post(`${server.url}/echo`));
      const ports = new Set(server.seen.slice(before).map((s) => s.remotePort));
      assert.equal(ports.size, 1);
      assert.equal(c.agentCount, 1);
    } finally {
      c.close();
    }
  });

  it('timeoutMs → kind timeout, promptly', async () => {
    await rejectsWith(client.request(post(`${server.url}/slow`, { timeoutMs: 100 })), 'timeout');
  });

  it('signal abort → kind aborted, promptly; an aborted signal makes no request', async () => {
    await rejectsWith(
      client.request(post(`${server.url}/slow`, { signal: AbortSignal.timeout(100) })),
      'aborted',
    );
    const before = server.seen.length;
    const ac = new AbortController();
    ac.abort();
    await rejectsWith(client.request(post(`${server.url}/echo`, { signal: ac.signal })), 'aborted');
    assert.equal(server.seen.length, before);
  });

  it('connection refused → kind network', async () => {
    const s = net.createServer().listen(0, '127.0.0.1');
    await once(s, 'listening');
    const port = (s.address() as net.AddressInfo).port;
    await new Promise((r) => s.close(r));
    const e = await rejectsWith(client.request(post(`http://127.0.0.1:${port}/x`)), 'network');
    assert.match(e.message, /ECONNREFUSED/);
  });

  it('oversized response → kind too_large', async () => {
    const small = new NodeHttpClient({ maxResponseBytes: 100 });
    try {
      await rejectsWith(small.request(post(`${server.url}/big`)), 'too_large');
    } finally {
      small.close();
    }
  });

  it('bad URLs and header values → kind bad_request, nothing leaks into the message', async () => {
    await rejectsWith(client.request(post('not a url')), 'bad_request');
    await rejectsWith(client.request(post('ftp://127.0.0.1/x')), 'bad_request');
    const e = await rejectsWith(
      client.request(post(`${server.url}/echo`, { headers: { authorization: 'Bearer sk-secret\r\nx: y' } })),
      'bad_request',
    );
    assert.doesNotMatch(e.message, /sk-secret/);
  });

  it('a closed client rejects', async () => {
    const c = new NodeHttpClient();
    c.close();
    await rejectsWith(c.request(post(`${server.url}/echo`)), 'network');
  });
});

describe('NodeHttpClient: agent cache', () => {
  it('one agent per (scheme, host, port, verify); bounded LRU', async () => {
    const servers = await Promise.all([serve(echo), serve(echo), serve(echo)]);
    const c = new NodeHttpClient({ maxAgents: 2 });
    try {
      await c.request(post(`${servers[0].url}/a`));
      await c.request(post(`${servers[0].url}/a`));
      assert.equal(c.agentCount, 1);
      await c.request(post(`${servers[1].url}/a`));
      assert.equal(c.agentCount, 2);
      await c.request(post(`${servers[2].url}/a`));
      assert.equal(c.agentCount, 2, 'the least recently used agent was evicted');
      // Concurrent requests while evictions happen all complete.
      const results = await Promise.all(
        servers.flatMap((s) => [0, 1, 2].map(() => c.request(post(`${s.url}/a`)))),
      );
      assert.ok(results.every((r) => r.status === 201));
      assert.equal(c.agentCount, 2);
    } finally {
      c.close();
      await Promise.all(servers.map((s) => s.close()));
    }
  });

  it('retries once when a reused keep-alive socket was closed by the server', async () => {
    let killNextReused = true;
    const sockets = new Set<net.Socket>();
    const server = await serve((req, res, body) => {
      const s = req.socket;
      if (sockets.has(s) && killNextReused) {
        killNextReused = false;
        s.destroy(); // the server "closed" the idle connection just as the client reused it
        return;
      }
      sockets.add(s);
      echo(req, res, body);
    });
    const c = new NodeHttpClient();
    try {
      assert.equal((await c.request(post(`${server.url}/a`))).status, 201);
      assert.equal((await c.request(post(`${server.url}/b`))).status, 201);
      assert.deepEqual(
        server.seen.map((s) => s.url),
        ['/a', '/b', '/b'],
      );
    } finally {
      c.close();
      await server.close();
    }
  });

  it('does not retry a reset on a fresh connection', async () => {
    const server = await serve((req) => req.socket.destroy());
    const c = new NodeHttpClient();
    try {
      await rejectsWith(c.request(post(`${server.url}/a`)), 'network');
      assert.equal(server.seen.length, 1);
    } finally {
      c.close();
      await server.close();
    }
  });
});

describe(
  'NodeHttpClient: TLS',
  { skip: opensslAvailable() ? false : 'openssl CLI not found: no self-signed cert' },
  () => {
    let server: TestServer;
    before(async () => {
      server = await serve(echo, true);
    });
    after(() => server.close());

    it('insecureSkipVerify accepts a self-signed certificate', async () => {
      const c = new NodeHttpClient();
      try {
        const res = await c.request(post(`${server.url}/a`, { insecureSkipVerify: true }));
        assert.equal(res.status, 201);
      } finally {
        c.close();
      }
    });

    it('verification rejects it, and a verifying agent is separate from the insecure one', async () => {
      const c = new NodeHttpClient();
      try {
        await c.request(post(`${server.url}/a`, { insecureSkipVerify: true }));
        const e = await rejectsWith(c.request(post(`${server.url}/a`)), 'network');
        assert.match(e.message, /self[- ]signed|certificate/i);
        assert.equal(c.agentCount, 2);
      } finally {
        c.close();
      }
    });

    it('a trusted CA makes verification pass (localhost name and 127.0.0.1 SAN)', async () => {
      const c = new NodeHttpClient({ ca: selfSignedCert().cert });
      try {
        assert.equal((await c.request(post(`${server.url}/a`))).status, 201);
        assert.equal((await c.request(post(`https://localhost:${server.port}/a`))).status, 201);
      } finally {
        c.close();
      }
    });
  },
);

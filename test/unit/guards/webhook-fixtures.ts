/** Shared fixtures for the webhook guard tests: an HTTP client (closed after the file), call options, fakes. */
import { after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { HeaderMatch, WebhookGuard } from '../../../src/guards/config.js';
import type { HttpClient, HttpRequest, HttpResponse } from '../../../src/guards/http-client.js';
import { WebhookError } from '../../../src/guards/webhook/index.js';
import type { WebhookCallOptions, WebhookErrorKind } from '../../../src/guards/webhook/index.js';
import { NodeHttpClient } from '../../../src/http/index.js';

export const http = new NodeHttpClient();
after(() => http.close());

export function cfgFor(
  server: { host: string; port: number },
  forwardHeaderMatches: HeaderMatch[] = [],
): WebhookGuard {
  return { host: server.host, port: server.port, forwardHeaderMatches };
}

export function opts(over: Partial<WebhookCallOptions> = {}): WebhookCallOptions {
  return {
    headers: new Map(),
    deadline: AbortSignal.timeout(4000),
    scheme: 'http',
    insecureSkipVerify: false,
    ...over,
  };
}

export async function rejectsWith(p: Promise<unknown>, kind: WebhookErrorKind): Promise<WebhookError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof WebhookError, `expected WebhookError, got ${String(e)}`);
    assert.equal(e.kind, kind, e.message);
    return e;
  }
  assert.fail(`expected a WebhookError of kind ${kind}`);
}

/** A fake HttpClient answering canned bytes. */
export function fakeHttp(status: number, body: unknown, record: HttpRequest[] = []): HttpClient {
  return {
    request(req: HttpRequest): Promise<HttpResponse> {
      record.push(req);
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      return Promise.resolve({ status, headers: {}, body: new TextEncoder().encode(text) });
    },
  };
}
export const fakeCfg: WebhookGuard = { host: 'guard.svc', port: 8000, forwardHeaderMatches: [] };
export const msgs = (...contents: string[]): Array<{ role: string; content: string }> =>
  contents.map((content, i) => ({ role: i % 2 ? 'assistant' : 'user', content }));

export async function freePort(): Promise<number> {
  const s = net.createServer();
  s.listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Builders for the fake Envoy's scripts, in the processing modes the shipped Envoy configs use. */
import fs from 'node:fs';
import path from 'node:path';
import { requestBody, requestHeaders, responseBody, responseHeaders } from '../helpers/extproc-client.js';
import type { Mode } from '../helpers/extproc-client.js';
import { repoRoot } from '../helpers/repo.js';
import type { Step } from './types.js';

/** envoy/kgateway/envoy.yaml: STREAMED both ways. */
export const KGATEWAY_MODES: [Mode, Mode] = ['STREAMED', 'STREAMED'];
/** envoy/standalone/envoy.yaml: BUFFERED requests, STREAMED responses. */
export const STANDALONE_MODES: [Mode, Mode] = ['BUFFERED', 'STREAMED'];

export const REQUEST_ID = 'corpus-request-1';

/** A file under test/fixtures (provider bodies, translation fixtures). */
export function fixture(rel: string): Buffer {
  return fs.readFileSync(path.join(repoRoot(), 'test/fixtures', rel));
}

/** Splits bytes into n near-equal pieces (multi-byte characters may be cut, as on the wire). */
export function split(body: string | Buffer, n: number): Buffer[] {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body);
  if (n <= 1 || b.length === 0) return [b];
  const size = Math.ceil(b.length / n);
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) out.push(b.subarray(i, i + size));
  return out;
}

/** Fixed-size pieces. */
export function pieces(body: string | Buffer, size: number): Buffer[] {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) out.push(b.subarray(i, i + size));
  return out;
}

/** The request headers Envoy forwards (pseudo-headers, x-request-id it generated). */
export function envoyRequestHeaders(p: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ':authority': 'gateway.local:10000',
    ':path': p,
    ':method': 'POST',
    ':scheme': 'http',
    'content-type': 'application/json',
    'user-agent': 'corpus-client/1.0',
    'x-forwarded-proto': 'http',
    'x-request-id': REQUEST_ID,
    ...extra,
  };
}

export interface ExchangeScript {
  readonly modes: [Mode, Mode];
  readonly path: string;
  readonly headers?: Record<string, string>;
  /** Request body pieces; empty = headers with end_of_stream (no body). */
  readonly request: readonly (string | Buffer)[];
  readonly status?: number;
  readonly responseHeaders?: Record<string, string>;
  /** Response body pieces; omitted = the script stops after the request. */
  readonly response?: readonly (string | Buffer)[];
}

/** Headers, request body, response headers, response body: one step each, as Envoy sends them. */
export function exchange(x: ExchangeScript): Step[] {
  const noBody = x.request.length === 0;
  const steps: Step[] = [{ send: [requestHeaders(envoyRequestHeaders(x.path, x.headers), noBody, x.modes)] }];
  if (!noBody) {
    steps.push({ send: x.request.map((c, i) => requestBody(c, i === x.request.length - 1)) });
  }
  if (x.response) {
    const resp = x.response;
    steps.push({
      send: [
        responseHeaders(
          {
            ':status': String(x.status ?? 200),
            'content-type': 'application/json',
            ...(resp.length > 0 ? {} : { 'content-length': '0' }),
            ...x.responseHeaders,
          },
          resp.length === 0,
        ),
      ],
    });
    if (resp.length > 0) {
      steps.push({ send: resp.map((c, i) => responseBody(c, i === resp.length - 1)) });
    }
  }
  return steps;
}

/** A JSON response's headers as an upstream sends them. */
export function jsonHeaders(body: string | Buffer): Record<string, string> {
  return { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
}

export const SSE_HEADERS = { 'content-type': 'text/event-stream' };

/** Shared helpers for the mock provider tests: SSE and raw HTTP parsing, canned request bodies. */
import assert from 'node:assert/strict';
import net from 'node:net';
import { loadFixtures } from '../../../mock-provider/server.js';
import type { MockProvider, RecordedRequest } from '../../../mock-provider/server.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests poke at arbitrary response JSON
export type Json = any;
export const parseJson = (text: string): Json => JSON.parse(text);

export interface SseEvent {
  event?: string;
  data: string;
}

/** Minimal spec-style SSE parser (CRLF, CR and LF line endings). */
export function parseSse(text: string): SseEvent[] {
  const out: SseEvent[] = [];
  let event: string | undefined;
  let data: string[] = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === '') {
      if (data.length > 0)
        out.push(event === undefined ? { data: data.join('\n') } : { event, data: data.join('\n') });
      event = undefined;
      data = [];
      continue;
    }
    const idx = line.indexOf(':');
    const field = idx < 0 ? line : line.slice(0, idx);
    let value = idx < 0 ? '' : line.slice(idx + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return out;
}

export function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  /** Decoded (de-chunked) body bytes, not decompressed. */
  body: Buffer;
  /** Sizes of the HTTP/1.1 chunks, if chunked. */
  chunkSizes: number[];
}

/** Sends one HTTP/1.1 request over a raw socket so chunk framing and compressed bytes are visible. */
export function rawPost(
  port: number,
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const parts: Buffer[] = [];
    sock.on('data', (d: Buffer) => parts.push(d));
    sock.on('error', reject);
    sock.on('end', () => {
      try {
        resolve(parseRaw(Buffer.concat(parts)));
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
    const extra = Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    sock.write(
      `POST ${path} HTTP/1.1\r\nhost: mock\r\nconnection: close\r\ncontent-type: application/json\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`,
    );
  });
}

export function parseRaw(buf: Buffer): RawResponse {
  const headEnd = buf.indexOf('\r\n\r\n');
  const head = buf.subarray(0, headEnd).toString('latin1').split('\r\n');
  const status = Number((head[0] ?? '').split(' ')[1]);
  const headers: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  let rest = buf.subarray(headEnd + 4);
  if (headers['transfer-encoding'] !== 'chunked') return { status, headers, body: rest, chunkSizes: [] };
  const chunks: Buffer[] = [];
  const chunkSizes: number[] = [];
  for (;;) {
    const lineEnd = rest.indexOf('\r\n');
    const size = parseInt(rest.subarray(0, lineEnd).toString('latin1'), 16);
    if (size === 0) break;
    chunkSizes.push(size);
    chunks.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
    rest = rest.subarray(lineEnd + 2 + size + 2);
  }
  return { status, headers, body: Buffer.concat(chunks), chunkSizes };
}

export const fx = loadFixtures();

/** The smallest request Anthropic accepts. */
export const minimalMessages = {
  model: 'claude-test',
  max_tokens: 64,
  messages: [{ role: 'user', content: 'hi' }],
};
export const chatBody = {
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: 'Say something about gateways.' },
  ],
};

export const weatherTool = {
  type: 'function',
  function: {
    name: 'get_current_weather',
    description: 'Get the current weather',
    parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
  },
};

export function last(mock: MockProvider): RecordedRequest {
  const r = mock.lastRequest();
  assert.ok(r, 'a request was recorded');
  return r;
}

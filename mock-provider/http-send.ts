/**
 * Writing the mock's responses: plain or gzipped bodies, bodies cut into N-byte writes, and SSE / JSON-array
 * streams with per-event delays and an optional mid-stream connection abort.
 */
import type { ServerResponse } from 'node:http';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';

export interface BodyOptions {
  gzip: boolean;
  chunkBytes: number | undefined;
  chunkDelayMs: number;
}

function pause(ms: number): Promise<void> {
  return ms > 0 ? sleep(ms) : new Promise((resolve) => setImmediate(resolve));
}

/** Writes a body either as-is or as a byte stream cut into fixed-size writes. */
class BodyWriter {
  private pending: Buffer = Buffer.alloc(0);

  constructor(
    private readonly res: ServerResponse,
    private readonly chunkBytes: number | undefined,
    private readonly chunkDelayMs: number,
  ) {}

  get closed(): boolean {
    return this.res.destroyed || this.res.writableEnded;
  }

  async write(data: string | Buffer): Promise<void> {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const n = this.chunkBytes;
    if (n === undefined || n <= 0) {
      await this.raw(buf);
      return;
    }
    this.pending = this.pending.length === 0 ? buf : Buffer.concat([this.pending, buf]);
    while (this.pending.length >= n && !this.closed) {
      const slice = this.pending.subarray(0, n);
      this.pending = this.pending.subarray(n);
      await this.raw(slice);
      await pause(this.chunkDelayMs);
    }
  }

  async flush(): Promise<void> {
    if (this.pending.length > 0) {
      const rest = this.pending;
      this.pending = Buffer.alloc(0);
      await this.raw(rest);
    }
  }

  async end(): Promise<void> {
    await this.flush();
    if (!this.closed) this.res.end();
  }

  private async raw(buf: Buffer): Promise<void> {
    if (this.closed || buf.length === 0) return;
    if (!this.res.write(buf)) {
      await Promise.race([once(this.res, 'drain'), once(this.res, 'close')]);
    }
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  out: Partial<BodyOptions>,
  extra: Record<string, string> = {},
): void {
  void sendBody(
    res,
    status,
    JSON.stringify(body),
    'application/json',
    { gzip: out.gzip ?? false, chunkBytes: out.chunkBytes, chunkDelayMs: out.chunkDelayMs ?? 0 },
    extra,
  ).catch(() => res.destroy());
}

export async function sendBody(
  res: ServerResponse,
  status: number,
  text: string,
  contentType: string,
  out: BodyOptions,
  extra: Record<string, string>,
): Promise<void> {
  let buf = Buffer.from(text, 'utf8');
  const headers: Record<string, string | number> = { 'content-type': contentType, ...extra };
  if (out.gzip) {
    buf = gzipSync(buf);
    headers['content-encoding'] = 'gzip';
  }
  if (out.chunkBytes === undefined || out.chunkBytes <= 0) {
    headers['content-length'] = buf.length;
    res.writeHead(status, headers);
    res.end(buf);
    return;
  }
  res.writeHead(status, headers);
  res.flushHeaders();
  const w = new BodyWriter(res, out.chunkBytes, out.chunkDelayMs);
  await w.write(buf);
  await w.end();
}

export async function sendStream(
  res: ServerResponse,
  status: number,
  frames: (string | Buffer)[],
  contentType: string,
  out: BodyOptions,
  extra: Record<string, string>,
  s: { eventDelayMs: number; abortAfter: number | undefined },
): Promise<void> {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-cache', ...extra });
  res.flushHeaders();
  const w = new BodyWriter(res, out.chunkBytes, out.chunkDelayMs);
  for (let i = 0; i < frames.length; i++) {
    if (w.closed) return;
    if (i > 0) await pause(s.eventDelayMs);
    await w.write(frames[i] ?? '');
    if (s.abortAfter !== undefined && i + 1 >= s.abortAfter) {
      await w.flush();
      // Give the socket a moment to push the written bytes out, then cut the connection.
      await pause(5);
      res.socket?.destroy();
      return;
    }
  }
  await w.end();
}

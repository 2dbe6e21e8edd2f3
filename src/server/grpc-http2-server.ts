/**
 * A small gRPC server on node:http2.
 *
 * Why not grpc-js: Envoy ends every ext_proc stream with RST_STREAM, and Node's HTTP/2 server
 * closes a connection (GOAWAY) after 1000 incoming resets unless `streamResetBurst` /
 * `streamResetRate` are raised. grpc-js does not pass those options through, so under load every
 * stream in flight on the connection would die (docs/reference/decisions.md, "HTTP/2 resets"). Owning the
 * transport also removes grpc-js' per-message overhead (README, Performance).
 */
import http2 from 'node:http2';
import fs from 'node:fs';
import type { ListenAddress } from '../config/listen-address.js';
import {
  CompressedFrameError,
  FrameTooLargeError,
  GrpcFrameDecoder,
  encodeGrpcFrame,
} from './grpc-framing.js';

export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

/** One gRPC call on one HTTP/2 stream, with payloads still protobuf-encoded. */
export interface GrpcCall {
  /** Request headers minus pseudo-headers and HTTP/2 transport headers (the gRPC initial metadata). */
  readonly metadata: ReadonlyMap<string, string>;
  onMessage(cb: (payload: Buffer) => void): void;
  /** The client half-closed its side. */
  onHalfClose(cb: () => void): void;
  /** The stream ended without a status from us: reset by the peer, or the connection went away. */
  onCancel(cb: () => void): void;
  write(payload: Uint8Array): void;
  /**
   * Sends trailers with the status and ends the stream. Idempotent. With `abandonRequest`, the
   * client's unfinished request side is closed too (RST_STREAM NO_ERROR after the trailers, as
   * HTTP/2 §8.1 allows once the response is complete).
   */
  finish(status: number, message?: string, abandonRequest?: boolean): void;
  readonly cancelled: boolean;
}

export type GrpcHandler = (call: GrpcCall) => void;

/** Concurrent ext_proc streams per HTTP/2 connection (one per in-flight HTTP request). */
export const MAX_CONCURRENT_STREAMS = 4096;

export interface GrpcServerOptions {
  readonly maxReceiveMessageBytes: number;
  readonly onStreamError?: (err: Error) => void;
}

const TRANSPORT_HEADERS = new Set([
  'content-type',
  'te',
  'user-agent',
  'grpc-timeout',
  'grpc-accept-encoding',
  'grpc-encoding',
  'accept-encoding',
]);

class Http2GrpcCall implements GrpcCall {
  readonly metadata: Map<string, string>;
  private headersSent = false;
  private finished = false;
  private halfClosed = false;
  private cancelCb: (() => void) | undefined;
  private halfCloseCb: (() => void) | undefined;
  cancelled = false;

  constructor(
    private readonly stream: http2.ServerHttp2Stream,
    headers: http2.IncomingHttpHeaders,
    private readonly decoder: GrpcFrameDecoder,
  ) {
    this.metadata = new Map();
    for (const k in headers) {
      const v = headers[k];
      if (k.startsWith(':') || TRANSPORT_HEADERS.has(k) || v === undefined) continue;
      this.metadata.set(k, Array.isArray(v) ? v.join(',') : v);
    }
    stream.on('close', () => {
      if (this.finished) return;
      this.finished = true;
      this.cancelled = true;
      this.cancelCb?.();
    });
    stream.on('end', () => {
      this.halfClosed = true;
      this.halfCloseCb?.();
    });
  }

  onMessage(cb: (payload: Buffer) => void): void {
    this.stream.on('data', (data: Buffer) => {
      let messages: Buffer[];
      try {
        messages = this.decoder.push(data);
      } catch (err) {
        if (err instanceof FrameTooLargeError) this.finish(GrpcStatus.RESOURCE_EXHAUSTED, err.message);
        else if (err instanceof CompressedFrameError) this.finish(GrpcStatus.UNIMPLEMENTED, err.message);
        else this.finish(GrpcStatus.INTERNAL, 'frame decoding failed');
        return;
      }
      for (const m of messages) {
        if (this.finished) return;
        cb(m);
      }
    });
  }

  onHalfClose(cb: () => void): void {
    this.halfCloseCb = cb;
    if (this.halfClosed) cb();
  }

  onCancel(cb: () => void): void {
    this.cancelCb = cb;
  }

  private sendHeaders(): void {
    if (this.headersSent) return;
    this.headersSent = true;
    this.stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  }

  write(payload: Uint8Array): void {
    if (this.finished || this.stream.destroyed) return;
    this.sendHeaders();
    this.stream.write(encodeGrpcFrame(payload));
  }

  finish(status: number, message?: string, abandonRequest = false): void {
    if (this.finished) return;
    this.finished = true;
    if (this.stream.destroyed || this.stream.closed) return;
    const trailers: http2.OutgoingHttpHeaders = { 'grpc-status': String(status) };
    if (message) trailers['grpc-message'] = encodeURIComponent(message);
    if (!this.headersSent && !this.stream.headersSent) {
      // Trailers-only response.
      this.stream.respond(
        { ':status': 200, 'content-type': 'application/grpc', ...trailers },
        { endStream: true },
      );
      return;
    }
    this.stream.once('wantTrailers', () => {
      if (this.stream.destroyed) return;
      this.stream.sendTrailers(trailers);
      // On a later turn, once the trailers are on the wire (closing now made nghttp2 drop them).
      // Envoy answers trailers on a stream it has not half-closed with RST_STREAM(INTERNAL_ERROR);
      // once our side is closed, Node drops that reset quietly instead of building (and
      // formatting) an ERR_HTTP2_STREAM_ERROR for every stream. The reset costs a write of its
      // own (Node flushes before an RST_STREAM other than CANCEL). CANCEL would be queued behind
      // the trailers for free, but a client may then discard the response (grpc-js reports
      // CANCELLED); RFC 9113 §8.1 names NO_ERROR for this.
      if (abandonRequest && !this.halfClosed) setImmediate(() => this.abandonRequest());
    });
    this.stream.end();
  }

  /** After the trailers went out (a later turn than wantTrailers, which fires mid-send). */
  private abandonRequest(): void {
    if (!this.halfClosed && !this.stream.closed && !this.stream.destroyed)
      this.stream.close(http2.constants.NGHTTP2_NO_ERROR);
  }
}

export class GrpcHttp2Server {
  private readonly server: http2.Http2Server;
  private readonly handlers = new Map<string, GrpcHandler>();
  private readonly sessions = new Set<http2.ServerHttp2Session>();

  constructor(private readonly opts: GrpcServerOptions) {
    this.server = http2.createServer({
      // Envoy resets every ext_proc stream when it is done with it; none of those resets is an attack.
      streamResetBurst: Number.MAX_SAFE_INTEGER,
      streamResetRate: Number.MAX_SAFE_INTEGER,
      maxSessionMemory: 64,
      settings: {
        // Bounded, so that per-session memory stays bounded: with 2^20, streams that end in a
        // half-close/reset race piled up until the session refused new streams (see
        // docs/known-issues.md). Envoy opens another connection when a connection is full.
        maxConcurrentStreams: MAX_CONCURRENT_STREAMS,
        initialWindowSize: 4 * 1024 * 1024,
        maxFrameSize: 1 << 20,
      },
    } as http2.ServerOptions);
    this.server.on('session', (session) => {
      this.sessions.add(session);
      // A larger connection window lets large request_body messages arrive without stalls.
      session.setLocalWindowSize(16 * 1024 * 1024);
      session.on('close', () => this.sessions.delete(session));
      session.on('error', (err: Error) => this.opts.onStreamError?.(err));
    });
    this.server.on('stream', (stream, headers) => this.dispatch(stream, headers));
  }

  register(path: string, handler: GrpcHandler): void {
    this.handlers.set(path, handler);
  }

  private dispatch(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    stream.on('error', (err) => this.opts.onStreamError?.(err));
    const path = headers[':path'] ?? '';
    const handler = this.handlers.get(path);
    const ctype = headers['content-type'] ?? '';
    if (!ctype.startsWith('application/grpc')) {
      stream.respond({ ':status': 415 }, { endStream: true });
      return;
    }
    const call = new Http2GrpcCall(stream, headers, new GrpcFrameDecoder(this.opts.maxReceiveMessageBytes));
    if (!handler) {
      call.finish(GrpcStatus.UNIMPLEMENTED, `unknown method ${path}`);
      return;
    }
    handler(call);
  }

  listen(addr: ListenAddress): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      const done = (): void => {
        this.server.off('error', reject);
        const a = this.server.address();
        resolve(typeof a === 'string' ? a : a ? `${a.address}:${a.port}` : '');
      };
      switch (addr.kind) {
        case 'abstract':
          // Linux abstract namespace: a leading NUL byte, no file on disk.
          this.server.listen({ path: `\0${addr.name}` }, done);
          break;
        case 'unix':
          try {
            if (fs.statSync(addr.path).isSocket()) fs.unlinkSync(addr.path);
          } catch {
            /* no stale socket */
          }
          this.server.listen({ path: addr.path }, done);
          break;
        case 'tcp':
          this.server.listen({ host: addr.host, port: addr.port }, done);
          break;
      }
    });
  }

  /** Port when listening on TCP (useful with port 0 in tests). */
  get port(): number | undefined {
    const a = this.server.address();
    return a && typeof a === 'object' ? a.port : undefined;
  }

  /** Stops accepting, lets streams in flight finish, and forces the rest closed; done within graceMs. */
  async close(graceMs: number): Promise<void> {
    // Leave part of the budget for the rest of the shutdown (metrics listener, process exit).
    const drainMs = Math.max(0, graceMs - Math.min(1000, graceMs / 5));
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sessions) s.close();
    const timer = setTimeout(() => {
      for (const s of this.sessions) s.destroy();
    }, drainMs);
    timer.unref();
    await closed;
    clearTimeout(timer);
  }
}

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
  /**
   * The stream ended without a status from the handler: reset by the peer or the connection went away
   * (`cancelled`), or reset by the transport because its connection held too many bytes of unfinished
   * messages (`resource_exhausted`).
   */
  onCancel(cb: (why: CancelReason) => void): void;
  write(payload: Uint8Array): void;
  /**
   * Sends trailers with the status and ends the stream. Idempotent. With `abandonRequest`, the
   * client's unfinished request side is closed too (RST_STREAM NO_ERROR after the trailers, as
   * HTTP/2 §8.1 allows once the response is complete).
   */
  finish(status: number, message?: string, abandonRequest?: boolean): void;
  readonly cancelled: boolean;
}

export type CancelReason = 'cancelled' | 'resource_exhausted';

export type GrpcHandler = (call: GrpcCall) => void;

/** Concurrent ext_proc streams per HTTP/2 connection (one per in-flight HTTP request). */
export const MAX_CONCURRENT_STREAMS = 4096;

export interface GrpcServerOptions {
  readonly maxReceiveMessageBytes: number;
  /**
   * Bytes of unfinished gRPC messages all streams of one HTTP/2 connection may hold together (Node
   * acknowledges DATA as soon as it is read, so flow control does not bound them). Past it, the
   * streams holding the most are reset with RESOURCE_EXHAUSTED. Default: 4 × maxReceiveMessageBytes.
   */
  readonly maxBufferedBytesPerConnection?: number;
  readonly onStreamError?: (err: Error) => void;
  /** A stream was reset because its connection held too many unfinished message bytes. */
  readonly onBufferLimit?: () => void;
}

/** Unfinished message bytes held by the streams of one HTTP/2 connection. */
interface ConnectionBuffer {
  bytes: number;
  readonly calls: Set<Http2GrpcCall>;
}

/** Whether the peer ended its side (END_STREAM) before the stream closed; Node ends it itself on a reset. */
function readSideEnded(stream: http2.ServerHttp2Stream): boolean {
  return (stream as unknown as { _readableState?: { ended?: boolean } })._readableState?.ended === true;
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
  private cutOff = false;
  private heldBytes = 0;
  private cancelCb: ((why: CancelReason) => void) | undefined;
  private halfCloseCb: (() => void) | undefined;
  cancelled = false;

  constructor(
    private readonly stream: http2.ServerHttp2Stream,
    headers: http2.IncomingHttpHeaders,
    private readonly decoder: GrpcFrameDecoder,
    private readonly buffer: ConnectionBuffer,
    private readonly limits: {
      readonly maxBuffered: number;
      readonly overLimit: (b: ConnectionBuffer) => void;
    },
  ) {
    buffer.calls.add(this);
    this.metadata = new Map();
    for (const k in headers) {
      const v = headers[k];
      if (k.startsWith(':') || TRANSPORT_HEADERS.has(k) || v === undefined) continue;
      this.metadata.set(k, Array.isArray(v) ? v.join(',') : v);
    }
    stream.on('close', () => {
      this.unbuffer();
      this.buffer.calls.delete(this);
      if (this.finished) return;
      this.finished = true;
      this.cancelled = true;
      this.cancelCb?.('cancelled');
    });
    // A reset or a lost connection before the peer's END_STREAM: Node then ends the readable side
    // itself, and that 'end' must not pass for a half-close (a stream cut off is not completed).
    stream.on('aborted', () => {
      if (!readSideEnded(stream)) this.cutOff = true;
    });
    stream.on('end', () => {
      if (this.cutOff) return;
      this.halfClosed = true;
      this.halfCloseCb?.();
    });
  }

  /** Bytes of unfinished messages this stream holds. */
  get held(): number {
    return this.heldBytes;
  }

  onMessage(cb: (payload: Buffer) => void): void {
    this.stream.on('data', (data: Buffer) => {
      if (this.finished) return;
      let messages: Buffer[];
      try {
        messages = this.decoder.push(data);
      } catch (err) {
        this.unbuffer();
        if (err instanceof FrameTooLargeError) this.finish(GrpcStatus.RESOURCE_EXHAUSTED, err.message);
        else if (err instanceof CompressedFrameError) this.finish(GrpcStatus.UNIMPLEMENTED, err.message);
        else this.finish(GrpcStatus.INTERNAL, 'frame decoding failed');
        return;
      }
      this.buffer.bytes += this.decoder.pendingBytes - this.heldBytes;
      this.heldBytes = this.decoder.pendingBytes;
      if (this.buffer.bytes > this.limits.maxBuffered) this.limits.overLimit(this.buffer);
      for (const m of messages) {
        if (this.finished) return;
        cb(m);
      }
    });
  }

  /** Gives the connection back this stream's unfinished bytes. */
  private unbuffer(): void {
    this.buffer.bytes -= this.heldBytes;
    this.heldBytes = 0;
    this.decoder.clear();
  }

  /** Reset by the transport: its connection holds too many unfinished message bytes. */
  exhaust(): void {
    this.unbuffer();
    if (this.finished) return;
    this.finish(
      GrpcStatus.RESOURCE_EXHAUSTED,
      'too many bytes of unfinished gRPC messages on this connection',
      true,
    );
    this.cancelled = true;
    this.cancelCb?.('resource_exhausted');
  }

  onHalfClose(cb: () => void): void {
    this.halfCloseCb = cb;
    if (this.halfClosed) cb();
  }

  onCancel(cb: (why: CancelReason) => void): void {
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
      if (abandonRequest && !this.halfClosed) setImmediate(() => this.abandonRequest());
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
  private readonly buffers = new WeakMap<http2.Http2Session, ConnectionBuffer>();
  private readonly limits: {
    readonly maxBuffered: number;
    readonly overLimit: (b: ConnectionBuffer) => void;
  };

  constructor(private readonly opts: GrpcServerOptions) {
    this.limits = {
      maxBuffered: opts.maxBufferedBytesPerConnection ?? 4 * opts.maxReceiveMessageBytes,
      overLimit: (b) => this.overLimit(b),
    };
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
    const call = new Http2GrpcCall(
      stream,
      headers,
      new GrpcFrameDecoder(this.opts.maxReceiveMessageBytes),
      this.bufferOf(stream.session),
      this.limits,
    );
    if (!handler) {
      call.finish(GrpcStatus.UNIMPLEMENTED, `unknown method ${path}`);
      return;
    }
    handler(call);
  }

  private bufferOf(session: http2.Http2Session | undefined): ConnectionBuffer {
    if (session === undefined) return { bytes: 0, calls: new Set() };
    let b = this.buffers.get(session);
    if (b === undefined) {
      b = { bytes: 0, calls: new Set() };
      this.buffers.set(session, b);
    }
    return b;
  }

  /** Resets the streams holding the most unfinished bytes until the connection is under its bound. */
  private overLimit(b: ConnectionBuffer): void {
    while (b.bytes > this.limits.maxBuffered) {
      let worst: Http2GrpcCall | undefined;
      for (const c of b.calls) if (worst === undefined || c.held > worst.held) worst = c;
      if (worst === undefined || worst.held === 0) return;
      worst.exhaust();
      this.opts.onBufferLimit?.();
    }
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

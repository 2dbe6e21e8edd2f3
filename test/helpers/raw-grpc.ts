/**
 * A raw HTTP/2 gRPC client for the transport's edge cases grpc-js cannot produce: half-written
 * messages, and a connection cut without a half-close or a reset (Envoy dying).
 */
import http2 from 'node:http2';
import net from 'node:net';
import { EXT_PROC_PROCESS_PATH } from '../../src/server/proto.js';
import { protoLoaderProcessMethod } from './proto-loader-codec.js';
import type { ProcessingRequest } from '../../src/server/generated/envoy/service/ext_proc/v3/ProcessingRequest.js';

/** A ProcessingRequest, protobuf-encoded. */
export function encodeRequest(msg: ProcessingRequest): Buffer {
  return protoLoaderProcessMethod().requestSerialize(msg);
}

/** gRPC framing: flag byte, 4-byte length (declared; may exceed what follows), payload. */
export function grpcFrame(payload: Buffer, declared = payload.length): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(declared, 1);
  return Buffer.concat([head, payload]);
}

export interface RawStream {
  readonly stream: http2.ClientHttp2Stream;
  /** Response data bytes received so far. */
  received(): number;
  /** The grpc-status trailer (or trailers-only header), once it came. */
  status(): string | undefined;
  /** Resolves when the stream is closed (by either side). */
  readonly closed: Promise<void>;
}

export interface RawConnection {
  open(): RawStream;
  /** Cuts the TCP connection: no END_STREAM, no RST_STREAM, no GOAWAY. */
  kill(): void;
  close(): void;
}

export function rawConnect(port: number): RawConnection {
  const socket = net.connect(port, '127.0.0.1');
  const session = http2.connect(`http://127.0.0.1:${port}`, { createConnection: () => socket });
  session.on('error', () => undefined);
  return {
    open() {
      const stream = session.request({
        ':method': 'POST',
        ':path': EXT_PROC_PROCESS_PATH,
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      stream.on('error', () => undefined);
      let bytes = 0;
      let status: string | undefined;
      stream.on('response', (h) => {
        if (h['grpc-status'] !== undefined) status = String(h['grpc-status']);
      });
      stream.on('trailers', (h) => {
        status = String(h['grpc-status']);
      });
      stream.on('data', (d: Buffer) => {
        bytes += d.length;
      });
      const closed = new Promise<void>((resolve) => stream.on('close', () => resolve()));
      return { stream, received: () => bytes, status: () => status, closed };
    },
    kill() {
      socket.destroy();
    },
    close() {
      session.destroy();
    },
  };
}

/** Polls until `check` returns a value other than undefined (or fails after ~10 s). */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const v = await check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('condition never held');
}

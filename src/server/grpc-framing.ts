/**
 * gRPC length-prefixed message framing (1 byte compressed flag + 4 byte big-endian length).
 * Incremental: HTTP/2 DATA frames split and join gRPC messages arbitrarily.
 */
export class FrameTooLargeError extends Error {
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`gRPC message of ${size} bytes exceeds the receive limit of ${limit} bytes`);
  }
}
export class CompressedFrameError extends Error {
  constructor() {
    super('compressed gRPC messages are not supported (no grpc-encoding was negotiated)');
  }
}

export class GrpcFrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly maxMessageBytes: number) {}

  /** Feeds bytes; returns every complete message payload. Throws on an oversized or compressed frame. */
  push(data: Buffer): Buffer[] {
    this.chunks.push(data);
    this.buffered += data.length;
    const out: Buffer[] = [];
    while (this.buffered >= 5) {
      const head = this.peek(5);
      if (head[0] !== 0) throw new CompressedFrameError();
      const len = head.readUInt32BE(1);
      if (len > this.maxMessageBytes) throw new FrameTooLargeError(len, this.maxMessageBytes);
      if (this.buffered < 5 + len) break;
      this.take(5);
      out.push(this.take(len));
    }
    return out;
  }

  get pendingBytes(): number {
    return this.buffered;
  }

  /** Drops whatever is buffered (the stream is being reset). */
  clear(): void {
    this.chunks = [];
    this.buffered = 0;
  }

  private peek(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n) return first.subarray(0, n);
    return Buffer.concat(this.chunks).subarray(0, n);
  }

  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0]!;
    if (first.length === n) {
      this.chunks.shift();
      return first;
    }
    if (first.length > n) {
      this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const all = Buffer.concat(this.chunks);
    this.chunks = all.length > n ? [all.subarray(n)] : [];
    return all.subarray(0, n);
  }
}

export function encodeGrpcFrame(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + payload.length);
  out[0] = 0;
  out.writeUInt32BE(payload.length, 1);
  out.set(payload, 5);
  return out;
}

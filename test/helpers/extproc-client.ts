/**
 * A scripted ext_proc client ("fake Envoy") on @grpc/grpc-js and our protos. It sends what Envoy
 * sends (raw_value headers, protocol_config on the first message) and closes the way Envoy does:
 * half-close, then reset.
 */
import * as grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import fs from 'node:fs';
import path from 'node:path';
import type { ProcessingRequest } from '../../src/server/generated/envoy/service/ext_proc/v3/ProcessingRequest.js';
import type { ProcessingResponse__Output } from '../../src/server/generated/envoy/service/ext_proc/v3/ProcessingResponse.js';
import type { ProtoGrpcType } from '../../src/server/generated/external_processor.js';
import { repoRoot } from './repo.js';

export type Reply = ProcessingResponse__Output;
export type Mode = 'NONE' | 'STREAMED' | 'BUFFERED' | 'BUFFERED_PARTIAL' | 'FULL_DUPLEX_STREAMED';

let cachedCtor: ProtoGrpcType | undefined;
function protoType(): ProtoGrpcType {
  if (!cachedCtor) {
    const def = protoLoader.loadSync('envoy/service/ext_proc/v3/external_processor.proto', {
      keepCase: true,
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
      includeDirs: [path.join(repoRoot(), 'proto')],
    });
    cachedCtor = grpc.loadPackageDefinition(def) as unknown as ProtoGrpcType;
  }
  return cachedCtor;
}

export class ExtProcTestClient {
  private readonly client: InstanceType<
    ProtoGrpcType['envoy']['service']['ext_proc']['v3']['ExternalProcessor']
  >;
  constructor(target: string) {
    const Ctor = protoType().envoy.service.ext_proc.v3.ExternalProcessor;
    this.client = new Ctor(target, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': -1,
      'grpc.max_send_message_length': -1,
    });
  }

  open(metadata: Record<string, string> = {}): ScriptedStream {
    const md = new grpc.Metadata();
    for (const [k, v] of Object.entries(metadata)) md.set(k, v);
    return new ScriptedStream(this.client.Process(md));
  }

  close(): void {
    this.client.close();
  }
}

export class ScriptedStream {
  private readonly replies: Reply[] = [];
  private waiters: Array<() => void> = [];
  status: grpc.StatusObject | undefined;
  error: Error | undefined;

  constructor(readonly call: grpc.ClientDuplexStream<ProcessingRequest, Reply>) {
    call.on('data', (r: Reply) => {
      this.replies.push(r);
      this.wake();
    });
    call.on('status', (s: grpc.StatusObject) => {
      this.status = s;
      this.wake();
    });
    call.on('error', (e: Error) => {
      this.error = e;
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  send(req: ProcessingRequest): this {
    this.call.write(req);
    return this;
  }

  /** The next reply, in order. */
  async next(timeoutMs = 3000): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = this.replies.shift();
      if (r) return r;
      if (this.error || this.status)
        throw new Error(`stream ended: ${this.error?.message ?? this.status?.details}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for a reply');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async take(n: number, timeoutMs = 3000): Promise<Reply[]> {
    const out: Reply[] = [];
    for (let i = 0; i < n; i++) out.push(await this.next(timeoutMs));
    return out;
  }

  /** Asserts that no reply arrives within ms. */
  async expectSilence(ms = 150): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
    if (this.replies.length > 0) throw new Error(`unexpected reply: ${JSON.stringify(this.replies[0])}`);
  }

  /** Envoy's close: half-close, then RST_STREAM at once. */
  endAndCancel(): void {
    this.call.end();
    this.call.cancel();
  }

  /** Waits for the server's status without half-closing (undefined if none came within timeoutMs). */
  async waitStatus(timeoutMs = 1000): Promise<grpc.StatusObject | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (!this.status && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    return this.status;
  }

  /** Half-close and wait for the server's status. */
  async endGracefully(timeoutMs = 3000): Promise<grpc.StatusObject> {
    this.call.end();
    const deadline = Date.now() + timeoutMs;
    while (!this.status) {
      if (Date.now() > deadline) throw new Error('no status');
      await new Promise((r) => setTimeout(r, 5));
    }
    return this.status;
  }
}

// ---- message builders -------------------------------------------------------------------

export function hdrs(pairs: Record<string, string>): { headers: { key: string; raw_value: Buffer }[] } {
  return { headers: Object.entries(pairs).map(([key, v]) => ({ key, raw_value: Buffer.from(v) })) };
}

export function protocolConfig(
  request: Mode,
  response: Mode,
): NonNullable<ProcessingRequest['protocol_config']> {
  return { request_body_mode: request, response_body_mode: response };
}

export function requestHeaders(
  pairs: Record<string, string>,
  eos = false,
  modes?: [Mode, Mode],
): ProcessingRequest {
  return {
    request_headers: { headers: hdrs(pairs), end_of_stream: eos },
    ...(modes ? { protocol_config: protocolConfig(modes[0], modes[1]) } : {}),
  };
}

export function responseHeaders(pairs: Record<string, string>, eos = false): ProcessingRequest {
  return { response_headers: { headers: hdrs(pairs), end_of_stream: eos } };
}

export function requestBody(body: string | Buffer, eos: boolean): ProcessingRequest {
  return { request_body: { body: Buffer.from(body), end_of_stream: eos } };
}

export function responseBody(body: string | Buffer, eos: boolean): ProcessingRequest {
  return { response_body: { body: Buffer.from(body), end_of_stream: eos } };
}

export function requestTrailers(pairs: Record<string, string>): ProcessingRequest {
  return { request_trailers: { trailers: hdrs(pairs) } };
}

export function responseTrailers(pairs: Record<string, string>): ProcessingRequest {
  return { response_trailers: { trailers: hdrs(pairs) } };
}

let statusNames: Map<string, number> | undefined;
/** An immediate_response status as a number (proto-loader decodes known codes as enum names). */
export function immediateStatus(r: Reply): number | undefined {
  const code = r.immediate_response?.status?.code;
  if (code === undefined || code === null) return undefined;
  if (typeof code === 'number') return code;
  if (!statusNames) {
    const text = fs.readFileSync(path.join(repoRoot(), 'proto/envoy/type/v3/http_status.proto'), 'utf8');
    statusNames = new Map([...text.matchAll(/^\s*(\w+) = (\d+);/gm)].map((m) => [m[1]!, Number(m[2])]));
  }
  return statusNames.get(code) ?? Number(code);
}

/** Reads a namespace's key from a reply's dynamic_metadata (camelCase Value fields). */
export function metadataValue(r: Reply, ns: string, key: string): string | number | boolean | undefined {
  const v = r.dynamic_metadata?.fields[ns]?.structValue?.fields[key];
  if (!v) return undefined;
  return v.stringValue ?? v.numberValue ?? v.boolValue;
}

export function headerValue(
  list: { header?: { key: string; raw_value: Buffer } | null }[] | undefined,
  key: string,
): string | undefined {
  const h = list?.find((x) => x.header?.key === key)?.header;
  return h ? h.raw_value.toString() : undefined;
}

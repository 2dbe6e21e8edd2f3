/** Loads the vendored protos once and exposes typed encode/decode for the methods we serve. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protoLoader from '@grpc/proto-loader';
import type { MethodDefinition } from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { encoderFor } from './proto-encoder.js';
import type { ProcessingRequest__Output } from './generated/envoy/service/ext_proc/v3/ProcessingRequest.js';
import type { ProcessingResponse } from './generated/envoy/service/ext_proc/v3/ProcessingResponse.js';
import type { HealthCheckRequest__Output } from './generated/grpc/health/v1/HealthCheckRequest.js';
import type { HealthCheckResponse } from './generated/grpc/health/v1/HealthCheckResponse.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** proto/ relative to both src/server (ts) and dist/src/server (compiled js). */
export const PROTO_DIR =
  [path.resolve(here, '../../proto'), path.resolve(here, '../../../proto')].find((p) =>
    fs.existsSync(path.join(p, 'envoy')),
  ) ?? path.resolve(here, '../../../proto');

export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

export const EXT_PROC_PROCESS_PATH = '/envoy.service.ext_proc.v3.ExternalProcessor/Process';
export const HEALTH_CHECK_PATH = '/grpc.health.v1.Health/Check';
export const HEALTH_WATCH_PATH = '/grpc.health.v1.Health/Watch';

export function loadPackageDefinition(): protoLoader.PackageDefinition {
  return protoLoader.loadSync(
    ['envoy/service/ext_proc/v3/external_processor.proto', 'grpc/health/v1/health.proto'],
    LOADER_OPTIONS,
  );
}

export interface Codec<Req, Res> {
  decode(buf: Buffer): Req;
  encode(msg: Res): Buffer;
}

function codecOf<Req, Res>(
  def: protoLoader.PackageDefinition,
  service: string,
  method: string,
): Codec<Req, Res> {
  const svc = def[service] as unknown as Record<string, MethodDefinition<object, object>>;
  const m = svc[method];
  if (!m) throw new Error(`${service}/${method} missing from the proto definition`);
  return {
    decode: (buf) => m.requestDeserialize(buf) as Req,
    encode: (msg) => m.responseSerialize(msg as object),
  };
}

export interface Codecs {
  readonly extProc: Codec<ProcessingRequest__Output, ProcessingResponse>;
  readonly health: Codec<HealthCheckRequest__Output, HealthCheckResponse>;
}

export function loadCodecs(): Codecs {
  const def = loadPackageDefinition();
  const root = loadExtProcRoot();
  return {
    extProc: { decode: processingRequestDecoder(root), encode: processingResponseEncoder(root) },
    health: codecOf(def, 'grpc.health.v1.Health', 'Check'),
  };
}

/**
 * The ext_proc protos as a protobufjs root (the library proto-loader is built on). The ext_proc
 * hot path uses it directly, in both directions; proto-loader still serves the health service,
 * the generated types and the tests' grpc-js client.
 */
export function loadExtProcRoot(): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    const inDir = path.join(PROTO_DIR, target);
    // google/protobuf/* are not vendored: protobufjs bundles them, as proto-loader uses them.
    return fs.existsSync(inDir) ? inDir : target;
  };
  root.loadSync('envoy/service/ext_proc/v3/external_processor.proto', { keepCase: true });
  root.resolveAll();
  return root;
}

/** ProcessingResponse encoder, byte-identical to proto-loader's serializer (see proto-encoder.ts). */
export function processingResponseEncoder(root: protobuf.Root): (msg: ProcessingResponse) => Buffer {
  return encoderFor<ProcessingResponse>(root.lookupType('envoy.service.ext_proc.v3.ProcessingResponse'));
}

/**
 * Decodes a ProcessingRequest into protobufjs' message objects as they come off the wire, without
 * proto-loader's second pass (toObject), which copies every message into a new tree: that copy
 * was 70 % of decoding (4 µs a request) and a good part of the garbage per request.
 *
 * The objects read the same as toObject's output under LOADER_OPTIONS (keepCase, oneofs, defaults
 * from the prototype), except in two places fixed up here: enums arrive as numbers (names wanted),
 * and an absent `bytes` field reads as an empty array rather than an empty Buffer. Only
 * HttpBody.body is read as a Buffer without a length check (headers.ts checks raw_value's length).
 */
export function processingRequestDecoder(root: protobuf.Root): (buf: Buffer) => ProcessingRequest__Output {
  const type = root.lookupType('envoy.service.ext_proc.v3.ProcessingRequest');
  const bodyMode = root.lookupEnum('envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode');
  const modeName = (n: unknown): string =>
    typeof n === 'number' ? (bodyMode.valuesById[n] ?? String(n)) : String(n);
  return (buf) => {
    const msg = type.decode(buf) as unknown as ProcessingRequest__Output;
    const pc = msg.protocol_config;
    if (pc) {
      pc.request_body_mode = modeName(pc.request_body_mode) as typeof pc.request_body_mode;
      pc.response_body_mode = modeName(pc.response_body_mode) as typeof pc.response_body_mode;
    }
    const body = msg.request_body ?? msg.response_body;
    if (body && !Buffer.isBuffer(body.body)) body.body = EMPTY_BYTES;
    return msg;
  };
}

const EMPTY_BYTES = Buffer.alloc(0);

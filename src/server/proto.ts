/** Loads the vendored protos once and exposes typed encode/decode for the methods we serve. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protoLoader from '@grpc/proto-loader';
import type { MethodDefinition } from '@grpc/proto-loader';
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
  return {
    extProc: codecOf(def, 'envoy.service.ext_proc.v3.ExternalProcessor', 'Process'),
    health: codecOf(def, 'grpc.health.v1.Health', 'Check'),
  };
}

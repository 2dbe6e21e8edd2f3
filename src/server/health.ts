/** grpc.health.v1.Health on our own transport: SERVING while the server runs, NOT_SERVING once draining. */
import type { Codec } from './proto.js';
import type { GrpcCall, GrpcHttp2Server } from './grpc-http2-server.js';
import { GrpcStatus } from './grpc-http2-server.js';
import { HEALTH_CHECK_PATH, HEALTH_WATCH_PATH } from './proto.js';
import type { HealthCheckRequest__Output } from './generated/grpc/health/v1/HealthCheckRequest.js';
import type { HealthCheckResponse } from './generated/grpc/health/v1/HealthCheckResponse.js';

const KNOWN_SERVICES = new Set(['', 'envoy.service.ext_proc.v3.ExternalProcessor']);

export class HealthService {
  private serving = true;
  private readonly watchers = new Set<GrpcCall>();

  constructor(private readonly codec: Codec<HealthCheckRequest__Output, HealthCheckResponse>) {}

  register(server: GrpcHttp2Server): void {
    server.register(HEALTH_CHECK_PATH, (call) => this.check(call));
    server.register(HEALTH_WATCH_PATH, (call) => this.watch(call));
  }

  setServing(serving: boolean): void {
    this.serving = serving;
    for (const w of this.watchers) w.write(this.codec.encode({ status: this.status('') }));
  }

  private status(service: string): NonNullable<HealthCheckResponse['status']> {
    if (!KNOWN_SERVICES.has(service)) return 'SERVICE_UNKNOWN';
    return this.serving ? 'SERVING' : 'NOT_SERVING';
  }

  private check(call: GrpcCall): void {
    call.onMessage((payload) => {
      let req: HealthCheckRequest__Output;
      try {
        req = this.codec.decode(payload);
      } catch {
        call.finish(GrpcStatus.INVALID_ARGUMENT, 'bad HealthCheckRequest');
        return;
      }
      if (!KNOWN_SERVICES.has(req.service)) {
        call.finish(GrpcStatus.NOT_FOUND, 'unknown service');
        return;
      }
      call.write(this.codec.encode({ status: this.status(req.service) }));
      call.finish(GrpcStatus.OK);
    });
  }

  private watch(call: GrpcCall): void {
    call.onMessage((payload) => {
      let service = '';
      try {
        service = this.codec.decode(payload).service;
      } catch {
        call.finish(GrpcStatus.INVALID_ARGUMENT, 'bad HealthCheckRequest');
        return;
      }
      call.write(this.codec.encode({ status: this.status(service) }));
      this.watchers.add(call);
    });
    call.onCancel(() => this.watchers.delete(call));
  }
}

/**
 * Binds the ExternalProcessor/Process method to one StreamSession per gRPC stream.
 * Messages are handled strictly in order (a promise chain), one reply batch per message.
 */
import type { GrpcCall, GrpcHttp2Server } from './grpc-http2-server.js';
import { GrpcStatus } from './grpc-http2-server.js';
import type { Codec } from './proto.js';
import { EXT_PROC_PROCESS_PATH } from './proto.js';
import type { ProcessingRequest__Output } from './generated/envoy/service/ext_proc/v3/ProcessingRequest.js';
import type { ProcessingResponse } from './generated/envoy/service/ext_proc/v3/ProcessingResponse.js';
import type { ExchangeFactory } from '../pipeline/types.js';
import type { SessionOptions } from './stream-session.js';
import { StreamSession } from './stream-session.js';

export interface ExtProcHooks {
  streamOpened?(): void;
  streamClosed?(outcome: 'completed' | 'cancelled' | 'error'): void;
  /** A bug or an undecodable message: the stream fails with INTERNAL (Envoy answers 500). */
  streamError?(err: unknown): void;
  /** Time spent handling one message, by its kind (request_headers, response_body, …). */
  messageProcessed?(phase: string, seconds: number): void;
}

export interface ExtProcServiceDeps {
  readonly codec: Codec<ProcessingRequest__Output, ProcessingResponse>;
  readonly newExchange: ExchangeFactory;
  readonly session: SessionOptions;
  readonly hooks?: ExtProcHooks;
}

export function registerExtProc(server: GrpcHttp2Server, deps: ExtProcServiceDeps): void {
  server.register(EXT_PROC_PROCESS_PATH, (call) => serveStream(call, deps));
}

function serveStream(call: GrpcCall, deps: ExtProcServiceDeps): void {
  const exchange = deps.newExchange({ grpcMetadata: call.metadata });
  const session = new StreamSession(exchange, deps.session);
  let chain: Promise<void> = Promise.resolve();
  let closed = false;
  deps.hooks?.streamOpened?.();

  const close = (outcome: 'completed' | 'cancelled' | 'error'): void => {
    if (closed) return;
    closed = true;
    exchange.close(session.isLocalReply ? 'local-reply' : outcome);
    deps.hooks?.streamClosed?.(outcome);
  };

  const fail = (err: unknown): void => {
    deps.hooks?.streamError?.(err);
    call.finish(GrpcStatus.INTERNAL, 'ext_proc processing failed');
    close('error');
  };

  call.onMessage((payload) => {
    chain = chain
      .then(async () => {
        if (closed) return;
        const t0 = performance.now();
        const msg = deps.codec.decode(payload);
        const replies = await session.handle(msg);
        deps.hooks?.messageProcessed?.(msg.request ?? 'unknown', (performance.now() - t0) / 1000);
        if (call.cancelled) return;
        for (const r of replies) call.write(deps.codec.encode(r));
        if (session.complete) {
          // Nothing more can come: end the call now rather than after Envoy's half-close.
          call.finish(GrpcStatus.OK, undefined, true);
          close('completed');
        }
      })
      .catch(fail);
  });
  call.onHalfClose(() => {
    chain = chain.then(() => {
      call.finish(GrpcStatus.OK);
      close('completed');
    });
  });
  call.onCancel(() => {
    // Envoy half-closes and then resets every stream; after a half-close this is the normal end.
    chain = chain.then(() => close('cancelled'));
  });
}

/**
 * Binds the ExternalProcessor/Process method to one StreamSession per gRPC stream.
 * Messages are handled strictly in order (one queue per stream), one reply batch per message.
 */
import type { CancelReason, GrpcCall, GrpcHttp2Server } from './grpc-http2-server.js';
import { GrpcStatus } from './grpc-http2-server.js';
import type { Codec } from './proto.js';
import { EXT_PROC_PROCESS_PATH } from './proto.js';
import type { ProcessingRequest__Output } from './generated/envoy/service/ext_proc/v3/ProcessingRequest.js';
import type { ProcessingResponse } from './generated/envoy/service/ext_proc/v3/ProcessingResponse.js';
import type { ExchangeFactory } from '../pipeline/types.js';
import type { SessionOptions } from './stream-session.js';
import { StreamSession } from './stream-session.js';

/**
 * How an ext_proc stream ended: `completed` (Envoy half-closed, or both directions were answered),
 * `cancelled` (reset by Envoy, or its connection went away, before it half-closed), `resource_exhausted`
 * (reset by the transport: its connection held too many unfinished message bytes), `error` (a bug or
 * an undecodable message).
 */
export type StreamOutcome = 'completed' | 'cancelled' | 'resource_exhausted' | 'error';

export interface ExtProcHooks {
  streamOpened?(): void;
  streamClosed?(outcome: StreamOutcome): void;
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
  let closed = false;
  deps.hooks?.streamOpened?.();

  const close = (outcome: StreamOutcome, later = false): void => {
    if (closed) return;
    closed = true;
    const how = session.isLocalReply
      ? 'local-reply'
      : outcome === 'resource_exhausted'
        ? 'cancelled'
        : outcome;
    const work = (): void => {
      exchange.close(how);
      deps.hooks?.streamClosed?.(outcome);
    };
    if (later) setImmediate(work);
    else work();
  };

  const fail = (err: unknown): void => {
    deps.hooks?.streamError?.(err);
    call.finish(GrpcStatus.INTERNAL, 'ext_proc processing failed');
    close('error');
  };

  const onMessage = async (payload: Buffer): Promise<void> => {
    if (closed) return;
    const t0 = performance.now();
    const msg = deps.codec.decode(payload);
    const replies = await session.handle(msg);
    const seconds = (performance.now() - t0) / 1000;
    if (!call.cancelled) for (const r of replies) call.write(deps.codec.encode(r));
    // Envoy waits for the replies, not for the metric: it is observed once they are written.
    deps.hooks?.messageProcessed?.(msg.request ?? 'unknown', seconds);
    if (call.cancelled) return;
    if (session.complete) {
      // Nothing more can come: end the call now rather than after Envoy's half-close. The stages'
      // close work (the summary log line, the stream metrics) runs on a later turn: Node's http2
      // flushes the reply and the trailers first (its writes go out before the JS immediates), so
      // Envoy, and the client behind it, do not wait for it.
      call.finish(GrpcStatus.OK, undefined, true);
      close('completed', true);
    }
  };

  // Events are handled strictly in order: a message's replies go out before the next event is
  // looked at. One queue drained by one loop (rather than a promise chain) costs no promise or
  // closure per message beyond the handler's own.
  const queue: (Buffer | 'half-close' | CancelReason)[] = [];
  let draining = false;
  const drain = async (): Promise<void> => {
    draining = true;
    for (let event = queue.shift(); event !== undefined; event = queue.shift()) {
      try {
        if (event === 'half-close') {
          call.finish(GrpcStatus.OK);
          close('completed');
        } else if (event === 'cancelled' || event === 'resource_exhausted') {
          // Envoy half-closes and then resets every stream; after a half-close this is the normal end.
          close(event);
        } else {
          await onMessage(event);
        }
      } catch (err) {
        fail(err);
      }
    }
    draining = false;
  };
  const enqueue = (event: Buffer | 'half-close' | CancelReason): void => {
    queue.push(event);
    if (!draining) void drain();
  };

  call.onMessage(enqueue);
  call.onHalfClose(() => enqueue('half-close'));
  call.onCancel((why) => enqueue(why));
}

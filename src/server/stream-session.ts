/**
 * The ext_proc state machine for one gRPC stream (one HTTP exchange).
 *
 * It turns each ProcessingRequest into the ProcessingResponses the body mode requires and hands
 * the exchange plain data. Rules it enforces (docs/reference/extproc-protocol.md §2):
 * - STREAMED: exactly one reply per chunk, in order. A held body is answered one chunk behind, so
 *   that the whole body can ride on the reply to the last chunk even when trailers (not an
 *   end_of_stream chunk) end the message.
 * - BUFFERED: one body message; a changed body carries the matching content-length in the same reply.
 * - FULL_DUPLEX_STREAMED: the server owns the body and answers with streamed_response pieces of at
 *   most 64 KiB, the last one carrying end_of_stream (or a trailers reply when trailers end it).
 * - observability mode: process everything, reply to nothing.
 * - after an immediate response: Envoy ignores the stream, so nothing more is sent.
 */
import type { ProcessingRequest__Output } from './generated/envoy/service/ext_proc/v3/ProcessingRequest.js';
import type { ProcessingResponse } from './generated/envoy/service/ext_proc/v3/ProcessingResponse.js';
import type { BodyMutation } from './generated/envoy/service/ext_proc/v3/BodyMutation.js';
import type { HttpBody__Output } from './generated/envoy/service/ext_proc/v3/HttpBody.js';
import type { HttpHeaders__Output } from './generated/envoy/service/ext_proc/v3/HttpHeaders.js';
import type { Struct__Output } from './generated/google/protobuf/Struct.js';
import type { HttpTrailers__Output } from './generated/envoy/service/ext_proc/v3/HttpTrailers.js';
import type {
  BodyPlan,
  Direction,
  DynamicMetadata,
  Exchange,
  HeaderEdits,
  LocalReply,
  MessageContext,
} from '../pipeline/types.js';
import { headerMutation, headerView, mergeEdits } from './headers.js';
import { metadataStruct, structToJs } from './struct.js';
import { mergeMetadata } from '../pipeline/metadata.js';

import type { BodyMode } from '../config/env.js';
export type { BodyMode } from '../config/env.js';

export interface SessionOptions {
  /** Body modes assumed when Envoy sends no protocol_config (Envoy < 1.34). */
  readonly defaultModes: { readonly request: BodyMode; readonly response: BodyMode };
  /** Upper bound on a held (buffer plan) body; beyond it the exchange's tooLarge reply is sent. */
  readonly maxHeldBodyBytes: number;
  /**
   * Envoy's buffer limit. In STREAMED mode Envoy keeps every chunk we have not answered, and once
   * those pass its limit it stops reading the client until they shrink below half of it. A held
   * request is answered one chunk behind, so a held body past the limit can stall Envoy until its
   * message timeout (a 504): it is refused at once instead (the tooLarge reply). Unset: no limit.
   */
  readonly envoyBufferLimitBytes?: number;
  /** Reply sent when a held body outgrows maxHeldBodyBytes. */
  readonly tooLarge: (dir: Direction) => LocalReply;
}

export const MAX_STREAMED_PIECE = 64 * 1024;
const EMPTY = Buffer.alloc(0);

interface DirState {
  mode: BodyMode;
  plan: BodyPlan;
  held: Buffer[];
  heldBytes: number;
  /** STREAMED + buffer: the latest chunk's reply is still owed. */
  owesReply: boolean;
  ended: boolean;
  /** Envoy can send nothing more in this direction (end_of_stream seen, or trailers). */
  final: boolean;
}

type Phase = 'open' | 'local-reply';

export class StreamSession {
  private phase: Phase = 'open';
  private modesFromEnvoy = false;
  private observability = false;
  private readonly dirs: Record<Direction, DirState>;

  constructor(
    private readonly exchange: Exchange,
    private readonly opts: SessionOptions,
  ) {
    this.dirs = {
      request: newDir(opts.defaultModes.request),
      response: newDir(opts.defaultModes.response),
    };
  }

  get isLocalReply(): boolean {
    return this.phase === 'local-reply';
  }

  modeOf(dir: Direction): BodyMode {
    return this.dirs[dir].mode;
  }

  /**
   * Both directions are over and answered: Envoy will send nothing more on this stream, so the
   * server can end it with its status now instead of waiting for Envoy's half-close and reset
   * (whose error Node would otherwise build and format for every stream; see grpc-http2-server.ts).
   */
  get complete(): boolean {
    return (
      this.phase === 'open' && !this.observability && this.dirs.request.final && this.dirs.response.final
    );
  }

  async handle(msg: ProcessingRequest__Output): Promise<ProcessingResponse[]> {
    if (msg.protocol_config && !this.modesFromEnvoy) {
      this.modesFromEnvoy = true;
      this.dirs.request.mode = msg.protocol_config.request_body_mode;
      this.dirs.response.mode = msg.protocol_config.response_body_mode;
    }
    if (this.phase === 'local-reply') return [];
    if (msg.observability_mode) this.observability = true;
    markFinal(this.dirs, msg);
    const ctx: MessageContext = {
      observability: msg.observability_mode,
      filterMetadata: structMap(msg.metadata_context?.filter_metadata),
      attributes: structMap(msg.attributes),
    };
    const out = await this.dispatch(msg, ctx);
    return ctx.observability ? [] : out;
  }

  private dispatch(msg: ProcessingRequest__Output, ctx: MessageContext): Promise<ProcessingResponse[]> {
    switch (msg.request) {
      case 'request_headers':
        return this.onHeaders('request', msg.request_headers!, ctx);
      case 'response_headers':
        return this.onHeaders('response', msg.response_headers!, ctx);
      case 'request_body':
        return this.onBody('request', msg.request_body!);
      case 'response_body':
        return this.onBody('response', msg.response_body!);
      case 'request_trailers':
        return this.onTrailers('request', msg.request_trailers!);
      case 'response_trailers':
        return this.onTrailers('response', msg.response_trailers!);
      default:
        return Promise.resolve([]);
    }
  }

  private async onHeaders(
    dir: Direction,
    msg: HttpHeaders__Output,
    ctx: MessageContext,
  ): Promise<ProcessingResponse[]> {
    const d = this.dirs[dir];
    const r = await this.exchange.headers(dir, headerView(msg.headers), msg.end_of_stream, ctx);
    if (r.reply) return this.localReply(r.reply);
    d.plan = r.bodyPlan;
    let metadata = r.metadata;
    if (msg.end_of_stream) {
      // No body follows: the direction ends with its headers.
      d.ended = true;
      const end = await this.exchange.end(dir, EMPTY, true);
      if (end.reply) return this.localReply(end.reply);
      metadata = mergeMetadata(metadata, end.metadata);
    }
    const common = {
      header_mutation: headerMutation(r.headers) ?? null,
      clear_route_cache: r.clearRouteCache === true,
    };
    const res: ProcessingResponse =
      dir === 'request'
        ? { request_headers: { response: common } }
        : { response_headers: { response: common } };
    // Body modes are taken literally in a mode_override: both are restated (header modes DEFAULT: unchanged).
    if (dir === 'response' && r.skipResponseBody && !msg.end_of_stream)
      res.mode_override = { request_body_mode: this.dirs.request.mode, response_body_mode: 'NONE' };
    return [withMetadata(res, metadata)];
  }

  private onBody(dir: Direction, msg: HttpBody__Output): Promise<ProcessingResponse[]> {
    const d = this.dirs[dir];
    if (d.ended) return Promise.resolve([bodyReply(dir)]); // tolerate a stray message
    switch (d.mode) {
      case 'BUFFERED':
      case 'BUFFERED_PARTIAL':
        return this.onBufferedBody(dir, d, msg.body, msg.end_of_stream);
      case 'FULL_DUPLEX_STREAMED':
        return this.onDuplexBody(dir, d, msg.body, msg.end_of_stream);
      case 'STREAMED':
      case 'NONE':
      case 'GRPC':
      default:
        return this.onStreamedBody(dir, d, msg.body, msg.end_of_stream);
    }
  }

  private async onStreamedBody(
    dir: Direction,
    d: DirState,
    chunk: Buffer,
    eos: boolean,
  ): Promise<ProcessingResponse[]> {
    if (d.plan === 'buffer') {
      const out: ProcessingResponse[] = [];
      await this.exchange.chunk(dir, chunk);
      const limit =
        dir === 'request' && !eos
          ? Math.min(this.opts.maxHeldBodyBytes, this.opts.envoyBufferLimitBytes ?? Infinity)
          : this.opts.maxHeldBodyBytes;
      if (!this.hold(d, chunk, limit))
        return this.localReply(this.exchange.tooLarge?.(dir) ?? this.opts.tooLarge(dir));
      if (d.owesReply) out.push(bodyReply(dir, { clear_body: true }));
      d.owesReply = true;
      if (eos) out.push(...(await this.releaseHeld(dir, d)));
      return out;
    }
    const o = await this.exchange.chunk(dir, chunk);
    if (o.reply) return this.localReply(o.reply);
    let bytes = d.plan === 'transform' && o.body ? o.body : chunk;
    let metadata: DynamicMetadata | undefined;
    if (eos) {
      d.ended = true;
      const end = await this.exchange.end(dir, undefined, true);
      if (end.reply) return this.localReply(end.reply);
      metadata = end.metadata;
      if (d.plan === 'transform' && end.body && end.body.length > 0) bytes = Buffer.concat([bytes, end.body]);
    }
    return [withMetadata(bodyReply(dir, mutationFor(chunk, bytes)), metadata)];
  }

  /** STREAMED + buffer: answer the owed chunk with the whole (possibly replaced) body. */
  private async releaseHeld(dir: Direction, d: DirState): Promise<ProcessingResponse[]> {
    d.ended = true;
    const original = d.held.length === 1 ? d.held[0]! : Buffer.concat(d.held, d.heldBytes);
    const end = await this.exchange.end(dir, original, true);
    if (end.reply) return this.localReply(end.reply);
    if (end.headers) return this.localReply(headersTooLate(d.mode));
    const lastChunk = d.held[d.held.length - 1] ?? EMPTY;
    const bytes = end.body ?? original;
    d.held = [];
    d.owesReply = false;
    return [withMetadata(bodyReply(dir, mutationFor(lastChunk, bytes)), end.metadata)];
  }

  private async onBufferedBody(
    dir: Direction,
    d: DirState,
    chunk: Buffer,
    eos: boolean,
  ): Promise<ProcessingResponse[]> {
    // BUFFERED sends the whole body in one message, with end_of_stream=false when trailers follow.
    const complete = eos || d.mode === 'BUFFERED';
    d.ended = true;
    const o = await this.exchange.chunk(dir, chunk);
    if (o.reply) return this.localReply(o.reply);
    const end = await this.exchange.end(dir, chunk, complete);
    if (end.reply) return this.localReply(end.reply);
    let bytes = chunk;
    if (d.plan === 'buffer' && end.body) bytes = end.body;
    if (d.plan === 'transform')
      bytes = end.body ? Buffer.concat([o.body ?? chunk, end.body]) : (o.body ?? chunk);
    const mutation = mutationFor(chunk, bytes);
    let edits = end.headers;
    if (mutation && d.mode === 'BUFFERED') {
      // Envoy validates content-length against a mutated body; set it in the same reply.
      edits = mergeEdits(edits, { set: [['content-length', String(bytes.length)]] });
    }
    const common = {
      body_mutation: mutation ?? null,
      header_mutation: headerMutation(edits) ?? null,
      clear_route_cache: end.clearRouteCache === true && edits !== undefined,
    };
    const res: ProcessingResponse =
      dir === 'request' ? { request_body: { response: common } } : { response_body: { response: common } };
    return [withMetadata(res, end.metadata)];
  }

  private async onDuplexBody(
    dir: Direction,
    d: DirState,
    chunk: Buffer,
    eos: boolean,
  ): Promise<ProcessingResponse[]> {
    if (d.plan === 'buffer') {
      await this.exchange.chunk(dir, chunk);
      if (!this.hold(d, chunk))
        return this.localReply(this.exchange.tooLarge?.(dir) ?? this.opts.tooLarge(dir));
      if (!eos) return [];
      d.ended = true;
      const original = Buffer.concat(d.held, d.heldBytes);
      d.held = [];
      const end = await this.exchange.end(dir, original, true);
      if (end.reply) return this.localReply(end.reply);
      if (end.headers) return this.localReply(headersTooLate(d.mode));
      return streamedPieces(dir, end.body ?? original, true, end.metadata);
    }
    const o = await this.exchange.chunk(dir, chunk);
    if (o.reply) return this.localReply(o.reply);
    let bytes = d.plan === 'transform' && o.body ? o.body : chunk;
    let metadata: DynamicMetadata | undefined;
    if (eos) {
      d.ended = true;
      const end = await this.exchange.end(dir, undefined, true);
      if (end.reply) return this.localReply(end.reply);
      metadata = end.metadata;
      if (d.plan === 'transform' && end.body && end.body.length > 0) bytes = Buffer.concat([bytes, end.body]);
    }
    return streamedPieces(dir, bytes, eos, metadata);
  }

  private async onTrailers(dir: Direction, msg: HttpTrailers__Output): Promise<ProcessingResponse[]> {
    const d = this.dirs[dir];
    const out: ProcessingResponse[] = [];
    let metadata: DynamicMetadata | undefined;
    if (!d.ended) {
      // Trailers end the message: no body chunk carried end_of_stream.
      if (d.mode === 'FULL_DUPLEX_STREAMED') {
        d.ended = true;
        const original = d.plan === 'buffer' ? Buffer.concat(d.held, d.heldBytes) : undefined;
        d.held = [];
        const end = await this.exchange.end(dir, original, true);
        if (end.reply) return this.localReply(end.reply);
        metadata = end.metadata;
        const bytes = d.plan === 'observe' ? undefined : (end.body ?? original);
        if (bytes && bytes.length > 0) out.push(...streamedPieces(dir, bytes, false, undefined));
      } else if (d.plan === 'buffer' && d.owesReply) {
        out.push(...(await this.releaseHeld(dir, d)));
        if (this.phase === 'local-reply') return out;
      } else {
        d.ended = true;
        const end = await this.exchange.end(dir, undefined, true);
        if (end.reply) return this.localReply(end.reply);
        metadata = end.metadata;
      }
    }
    const t = await this.exchange.trailers(dir, headerView(msg.trailers));
    const tr = { header_mutation: headerMutation(t.headers) ?? null };
    const res: ProcessingResponse = dir === 'request' ? { request_trailers: tr } : { response_trailers: tr };
    out.push(withMetadata(res, metadata));
    return out;
  }

  private hold(d: DirState, chunk: Buffer, limit = this.opts.maxHeldBodyBytes): boolean {
    d.heldBytes += chunk.length;
    if (d.heldBytes > limit) return false;
    if (chunk.length > 0) d.held.push(chunk);
    return true;
  }

  private localReply(reply: LocalReply): ProcessingResponse[] {
    this.phase = 'local-reply';
    this.dirs.request.held = [];
    this.dirs.response.held = [];
    return [immediateResponse(reply)];
  }
}

/**
 * The exchange wants to change headers after the body (standalone routing), but in this body mode
 * Envoy has already sent them: fail loudly instead of sending the request to the wrong place.
 */
function headersTooLate(mode: BodyMode): LocalReply {
  return {
    status: 500,
    body: `ai-extproc needs the request body mode BUFFERED to route on the body (Envoy sent ${mode})`,
    details: 'ai_extproc_header_mutation_needs_buffered_body_mode',
  };
}

/** Records which directions can carry no further message once this one is answered. */
function markFinal(dirs: Record<Direction, DirState>, msg: ProcessingRequest__Output): void {
  // One oneof member is set; the others read null. Trailers always end their direction.
  if ((msg.request_headers ?? msg.request_body)?.end_of_stream || msg.request_trailers)
    dirs.request.final = true;
  if ((msg.response_headers ?? msg.response_body)?.end_of_stream || msg.response_trailers)
    dirs.response.final = true;
}

function newDir(mode: BodyMode): DirState {
  return { mode, plan: 'observe', held: [], heldBytes: 0, owesReply: false, ended: false, final: false };
}

const NO_FILTER_METADATA: Readonly<Record<string, unknown>> = Object.freeze({});

function structMap(m: Record<string, Struct__Output> | undefined): Readonly<Record<string, unknown>> {
  let out: Record<string, unknown> | undefined;
  for (const ns in m) (out ??= {})[ns] = structToJs(m[ns]);
  return out ?? NO_FILTER_METADATA;
}

/** No mutation when the bytes are the original chunk; clear_body for empty output; else replace. */
function mutationFor(original: Buffer, bytes: Buffer): BodyMutation | undefined {
  if (bytes === original) return undefined;
  if (bytes.length === 0) return original.length === 0 ? undefined : { clear_body: true };
  if (bytes.equals(original)) return undefined;
  return { body: bytes };
}

function bodyReply(dir: Direction, mutation?: BodyMutation): ProcessingResponse {
  const common = { body_mutation: mutation ?? null };
  return dir === 'request' ? { request_body: { response: common } } : { response_body: { response: common } };
}

function streamedPieces(
  dir: Direction,
  bytes: Buffer,
  eos: boolean,
  metadata: DynamicMetadata | undefined,
): ProcessingResponse[] {
  const out: ProcessingResponse[] = [];
  for (let off = 0; off < bytes.length || (out.length === 0 && eos); off += MAX_STREAMED_PIECE) {
    const piece = bytes.subarray(off, off + MAX_STREAMED_PIECE);
    const last = off + MAX_STREAMED_PIECE >= bytes.length;
    out.push(bodyReply(dir, { streamed_response: { body: piece, end_of_stream: eos && last } }));
    if (bytes.length === 0) break;
  }
  if (out.length > 0 && metadata) out[out.length - 1] = withMetadata(out[out.length - 1]!, metadata);
  return out;
}

function withMetadata(res: ProcessingResponse, md: DynamicMetadata | undefined): ProcessingResponse {
  const s = metadataStruct(md);
  return s ? { ...res, dynamic_metadata: s } : res;
}

export function immediateResponse(reply: LocalReply): ProcessingResponse {
  const edits: HeaderEdits | undefined = reply.headers ? { set: reply.headers } : undefined;
  return {
    immediate_response: {
      status: { code: reply.status as unknown as 'OK' },
      headers: headerMutation(edits) ?? null,
      body: typeof reply.body === 'string' ? Buffer.from(reply.body, 'utf8') : reply.body,
      details: (reply.details ?? '').replace(/\s+/g, '_'),
    },
  };
}

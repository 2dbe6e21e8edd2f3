/** Shared fixtures for the StreamSession tests: a scripted exchange and ext_proc message builders. */
import { StreamSession } from '../../../src/server/stream-session.js';
import type { BodyMode } from '../../../src/server/stream-session.js';
import type { ProcessingRequest__Output } from '../../../src/server/generated/envoy/service/ext_proc/v3/ProcessingRequest.js';
import type { ProcessingResponse } from '../../../src/server/generated/envoy/service/ext_proc/v3/ProcessingResponse.js';
import type { BodyPlan, Direction, Exchange, LocalReply } from '../../../src/pipeline/types.js';

/** A scripted exchange: uppercases held bodies, records every call. */
export class FakeExchange implements Exchange {
  calls: string[] = [];
  ended: { dir: Direction; body: string | undefined; complete: boolean }[] = [];
  constructor(
    private readonly plan: BodyPlan,
    private readonly opts: {
      change?: boolean;
      rejectOnHeaders?: LocalReply;
      transform?: (c: Buffer) => Buffer;
    } = {},
  ) {}
  headers(dir: Direction) {
    this.calls.push(`headers:${dir}`);
    if (this.opts.rejectOnHeaders) return { bodyPlan: this.plan, reply: this.opts.rejectOnHeaders };
    return { bodyPlan: this.plan, metadata: { 'ai.kgateway.io': { phase: `${dir}-headers` } } };
  }
  chunk(dir: Direction, chunk: Buffer) {
    this.calls.push(`chunk:${dir}:${chunk.toString()}`);
    return this.opts.transform ? { body: this.opts.transform(chunk) } : {};
  }
  end(dir: Direction, body: Buffer | undefined, complete: boolean) {
    this.calls.push(`end:${dir}`);
    this.ended.push({ dir, body: body?.toString(), complete });
    const changed = this.opts.change && body ? Buffer.from(body.toString().toUpperCase()) : undefined;
    return { ...(changed ? { body: changed } : {}), metadata: { 'ai.kgateway.io': { done: dir } } };
  }
  trailers(dir: Direction) {
    this.calls.push(`trailers:${dir}`);
    return {};
  }
  close() {
    this.calls.push('close');
  }
}

export function session(
  ex: Exchange,
  request: BodyMode = 'STREAMED',
  response: BodyMode = 'STREAMED',
  max = 1 << 20,
) {
  return new StreamSession(ex, {
    defaultModes: { request, response },
    maxHeldBodyBytes: max,
    tooLarge: (): LocalReply => ({ status: 413, body: 'too large' }),
  });
}

export const msg = (m: Partial<ProcessingRequest__Output>): ProcessingRequest__Output => ({
  metadata_context: null,
  attributes: {},
  observability_mode: false,
  protocol_config: null,
  ...m,
});
export const reqHeaders = (eos = false) =>
  msg({
    request: 'request_headers',
    request_headers: { headers: { headers: [] }, attributes: {}, end_of_stream: eos },
  });
export const respHeaders = () =>
  msg({
    request: 'response_headers',
    response_headers: { headers: { headers: [] }, attributes: {}, end_of_stream: false },
  });
export const body = (dir: Direction, text: string | Buffer, eos: boolean) => {
  const b = {
    body: Buffer.from(text),
    end_of_stream: eos,
    end_of_stream_without_message: false,
    grpc_message_compressed: false,
  };
  return dir === 'request'
    ? msg({ request: 'request_body', request_body: b })
    : msg({ request: 'response_body', response_body: b });
};
export const trailers = (dir: Direction) =>
  dir === 'request'
    ? msg({ request: 'request_trailers', request_trailers: { trailers: { headers: [] } } })
    : msg({ request: 'response_trailers', response_trailers: { trailers: { headers: [] } } });

export function mutationOf(r: ProcessingResponse) {
  return (r.request_body ?? r.response_body)?.response?.body_mutation ?? null;
}
export const mdKeys = (r: ProcessingResponse) =>
  Object.keys(r.dynamic_metadata?.fields?.['ai.kgateway.io']?.structValue?.fields ?? {}).sort();

/**
 * The ext_proc request decoder reads protobufjs' objects directly (no toObject copy). Everything the
 * server reads from a message must come out the same as through proto-loader's deserializer.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { protoLoaderProcessMethod } from '../../helpers/proto-loader-codec.js';
import { loadExtProcRoot, processingRequestDecoder } from '../../../src/server/proto.js';
import { headerView } from '../../../src/server/headers.js';
import { structToJs } from '../../../src/server/struct.js';
import type { ProcessingRequest__Output } from '../../../src/server/generated/envoy/service/ext_proc/v3/ProcessingRequest.js';

const method = protoLoaderProcessMethod();
const decode = processingRequestDecoder(loadExtProcRoot());

const hdr = (key: string, v: string): object => ({ key, raw_value: Buffer.from(v, 'latin1') });

/** What the server reads from a message (stream-session.ts, headers.ts, struct.ts), as plain data. */
function reads(m: ProcessingRequest__Output): unknown {
  const h = m.request_headers ?? m.response_headers;
  const b = m.request_body ?? m.response_body;
  const t = m.request_trailers ?? m.response_trailers;
  return {
    request: m.request,
    observability: m.observability_mode,
    modes: m.protocol_config
      ? [m.protocol_config.request_body_mode, m.protocol_config.response_body_mode]
      : null,
    headers: h ? [...headerView(h.headers)] : null,
    headersEos: h?.end_of_stream ?? null,
    body: b ? { isBuffer: Buffer.isBuffer(b.body), hex: b.body.toString('hex'), eos: b.end_of_stream } : null,
    trailers: t ? [...headerView(t.trailers)] : null,
    filterMetadata: Object.fromEntries(
      Object.entries(m.metadata_context?.filter_metadata ?? {}).map(([k, s]) => [k, structToJs(s)]),
    ),
  };
}

const cases: Record<string, object> = {
  'request headers with protocol_config': {
    request_headers: {
      headers: { headers: [hdr(':path', '/v1/chat/completions'), hdr('x-b', '\u00e9'), hdr('X-B', 'two')] },
    },
    protocol_config: { request_body_mode: 'STREAMED', response_body_mode: 'FULL_DUPLEX_STREAMED' },
  },
  'headers sent in value only (older Envoy)': {
    response_headers: { headers: { headers: [{ key: ':status', value: '200' }] }, end_of_stream: true },
  },
  'body chunk': { request_body: { body: Buffer.from('{"a":1}'), end_of_stream: false } },
  'empty end-of-stream body': { response_body: { end_of_stream: true } },
  trailers: { response_trailers: { trailers: { headers: [hdr('grpc-status', '0')] } } },
  'observability mode with metadata': {
    request_headers: { headers: { headers: [] } },
    observability_mode: true,
    metadata_context: {
      filter_metadata: {
        ns: {
          fields: {
            s: { stringValue: 'x' },
            n: { numberValue: 2.5 },
            b: { boolValue: true },
            l: { listValue: { values: [{ stringValue: 'y' }, { nullValue: 'NULL_VALUE' }] } },
            o: { structValue: { fields: { k: { numberValue: 1 } } } },
          },
        },
      },
    },
  },
  'BUFFERED_PARTIAL and NONE modes': {
    request_body: { body: Buffer.from('x'), end_of_stream: true },
    protocol_config: { request_body_mode: 'BUFFERED_PARTIAL', response_body_mode: 'NONE' },
  },
};

describe('processingRequestDecoder', () => {
  for (const [name, message] of Object.entries(cases)) {
    it(`reads like proto-loader: ${name}`, () => {
      const wire = method.requestSerialize(message);
      const viaLoader = method.requestDeserialize(wire) as ProcessingRequest__Output;
      assert.deepEqual(reads(decode(wire)), reads(viaLoader));
    });
  }

  it('gives body modes as names and an empty body as a Buffer', () => {
    const m = decode(
      method.requestSerialize({
        response_body: { end_of_stream: true },
        protocol_config: { request_body_mode: 'BUFFERED', response_body_mode: 'STREAMED' },
      }),
    );
    assert.equal(m.protocol_config?.request_body_mode, 'BUFFERED');
    assert.equal(m.protocol_config?.response_body_mode, 'STREAMED');
    assert.ok(Buffer.isBuffer(m.response_body?.body));
    assert.equal(m.response_body?.body.length, 0);
  });

  it('rejects a truncated message', () => {
    const wire = method.requestSerialize({ request_body: { body: Buffer.alloc(100), end_of_stream: true } });
    assert.throws(() => decode(wire.subarray(0, 20)));
  });
});

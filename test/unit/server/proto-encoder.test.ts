/**
 * The ext_proc reply encoder must produce exactly proto-loader's bytes: every reply shape the
 * session builds, the edge cases of protobufjs' presence rules, and randomly generated replies.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import protobuf from 'protobufjs';
import { protoLoaderProcessMethod } from '../../helpers/proto-loader-codec.js';
import { loadExtProcRoot, processingResponseEncoder } from '../../../src/server/proto.js';
import { encoderFor } from '../../../src/server/proto-encoder.js';
import { immediateResponse } from '../../../src/server/stream-session.js';
import { headerMutation } from '../../../src/server/headers.js';
import { metadataStruct } from '../../../src/server/struct.js';
import type { ProcessingResponse } from '../../../src/server/generated/envoy/service/ext_proc/v3/ProcessingResponse.js';

const method = protoLoaderProcessMethod();
const encode = processingResponseEncoder(loadExtProcRoot());

function same(msg: ProcessingResponse): void {
  const theirs = method.responseSerialize(msg);
  const ours = encode(msg);
  assert.equal(ours.toString('hex'), theirs.toString('hex'), JSON.stringify(msg));
}

const md = metadataStruct({
  'ai.kgateway.io': {
    prompt_tokens: 13,
    completion_tokens: 300,
    total_tokens: 313,
    model: 'gpt-4o-mini',
    streaming: false,
    ratio: 0.5,
    negative: -3,
    unicode: 'modèle 模型 🚀',
  },
  'envoy.ratelimit': { hits_addend: 70000 },
});

const shapes: Record<string, ProcessingResponse> = {
  'request headers with metadata': {
    request_headers: { response: { header_mutation: null, clear_route_cache: false } },
    dynamic_metadata: metadataStruct({ 'ai.kgateway.io': { auth_token: 'sk-abc' } })!,
  },
  'pass-through body chunk': { request_body: { response: { body_mutation: null } } },
  'final chunk with metadata': {
    response_body: { response: { body_mutation: null } },
    dynamic_metadata: md!,
  },
  'body replaced': {
    request_body: { response: { body_mutation: { body: Buffer.from('{"model":"x"}') }, status: 'CONTINUE' } },
  },
  clear_body: { response_body: { response: { body_mutation: { clear_body: true } } } },
  'clear_body false is still written': {
    response_body: { response: { body_mutation: { clear_body: false } } },
  },
  'empty bytes are written': { request_body: { response: { body_mutation: { body: Buffer.alloc(0) } } } },
  'streamed piece': {
    response_body: {
      response: {
        body_mutation: { streamed_response: { body: Buffer.alloc(70_000, 7), end_of_stream: true } },
      },
    },
  },
  'header mutation': {
    request_headers: {
      response: {
        header_mutation: headerMutation({
          set: [
            [':path', '/v1/messages'],
            ['x-long', 'v'.repeat(300)],
            ['x-latin1', 'caf\u00e9'],
          ],
          remove: ['content-length', 'accept-encoding'],
        })!,
        clear_route_cache: true,
      },
    },
  },
  'empty repeated fields are left out': {
    request_headers: { response: { header_mutation: { set_headers: [], remove_headers: [] } } },
  },
  trailers: {
    response_trailers: {
      header_mutation: {
        set_headers: [
          { header: { key: 'a', raw_value: Buffer.from('b') }, append_action: 'OVERWRITE_IF_EXISTS' },
        ],
      },
    },
  },
  'immediate response (ours)': immediateResponse({
    status: 400,
    body: '{"error":{"message":"bad"}}',
    headers: [['content-type', 'application/json']],
    details: 'bad request  body',
  }),
  'immediate response, enum by name and grpc status': {
    immediate_response: { status: { code: 'TooManyRequests' }, grpc_status: { status: 8 }, details: '' },
  },
  'unknown enum name leaves the field out': {
    response_body: { response: { status: 'NOT_A_STATUS' as 'CONTINUE' } },
  },
  'mode override, drain, timeout': {
    request_headers: { response: {} },
    mode_override: { request_body_mode: 'BUFFERED', response_header_mode: 'SKIP', response_body_mode: 4 },
    request_drain: true,
    override_message_timeout: { seconds: '7', nanos: 5000 },
  },
  'streamed immediate response': {
    streamed_immediate_response: {
      headers_response: {
        headers: { headers: [{ key: ':status', raw_value: Buffer.from('200') }] },
        end_of_stream: false,
      },
    },
  },
  'struct with lists, nulls and nesting': {
    request_body: { response: {} },
    dynamic_metadata: {
      fields: {
        ns: {
          structValue: {
            fields: {
              list: {
                listValue: {
                  values: [{ nullValue: 'NULL_VALUE' }, { numberValue: 1e300 }, { boolValue: true }],
                },
              },
              deep: { structValue: { fields: { x: { stringValue: '' } } } },
              empty: {},
            },
          },
        },
      },
    },
  },
  'empty response': {},
};

/** Random replies over the whole ProcessingResponse type, driven by the protobufjs reflection. */
function randomMessage(type: protobuf.Type, rnd: () => number, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of type.fieldsArray) {
    if (rnd() < 0.45) continue;
    const value = (): unknown => {
      const t = f.resolvedType;
      if (t instanceof protobuf.Type) return depth > 4 ? {} : randomMessage(t, rnd, depth + 1);
      if (t instanceof protobuf.Enum) {
        const names = Object.keys(t.values);
        return rnd() < 0.5 ? names[Math.floor(rnd() * names.length)] : t.values[names[0]!];
      }
      switch (f.type) {
        case 'bool':
          return rnd() < 0.5;
        case 'string':
          return ['', 'a', 'é', '模型', 'x'.repeat(200)][Math.floor(rnd() * 5)];
        case 'bytes':
          return Buffer.alloc(Math.floor(rnd() * 300), 1);
        case 'double':
          return [0, -1.5, 3e10, Number.MAX_VALUE][Math.floor(rnd() * 4)];
        case 'uint32':
          return Math.floor(rnd() * 2 ** 32);
        case 'int32':
          return Math.floor(rnd() * 2 ** 31) * (rnd() < 0.3 ? -1 : 1);
        case 'int64':
          return String(Math.floor(rnd() * 2 ** 40));
        default:
          throw new Error(`no generator for ${f.type}`);
      }
    };
    if ('keyType' in f) {
      const entries: Record<string, unknown> = {};
      for (let i = Math.floor(rnd() * 3); i > 0; i--) entries[`k${i}`] = value();
      out[f.name] = entries;
    } else if (f.repeated) {
      out[f.name] = Array.from({ length: Math.floor(rnd() * 3) }, value);
    } else {
      out[f.name] = value();
    }
  }
  return out;
}

function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

describe('ProcessingResponse encoder', () => {
  for (const [name, msg] of Object.entries(shapes)) {
    it(`matches proto-loader: ${name}`, () => same(msg));
  }

  it('matches proto-loader on 2,000 random replies', () => {
    const type = loadExtProcRoot().lookupType('envoy.service.ext_proc.v3.ProcessingResponse');
    const rnd = seeded(42);
    for (let i = 0; i < 2000; i++) same(randomMessage(type, rnd, 0));
  });

  it('writes valid UTF-8 for a lone surrogate (protobufjs would not; Envoy rejects invalid strings)', () => {
    const out = encode({ dynamic_metadata: { fields: { k: { stringValue: 'a\ud800b' } } } });
    assert.ok(out.includes(Buffer.from('a\ufffdb')));
  });

  it('throws on the shapes fromObject rejects', () => {
    for (const bad of [
      { request_headers: { response: { header_mutation: { remove_headers: 'x' } } } },
      { request_headers: 7 },
      { dynamic_metadata: { fields: { k: null } } },
    ]) {
      assert.throws(() => method.responseSerialize(bad), TypeError);
      assert.throws(() => encode(bad as unknown as ProcessingResponse), TypeError);
    }
  });

  it('refuses, when built, a field kind it does not encode', () => {
    const root = protobuf.parse('syntax = "proto3"; message M { repeated int32 packed = 1; }').root;
    assert.throws(() => encoderFor(root.lookupType('M')), /would be packed/);
    const root2 = protobuf.parse('syntax = "proto3"; message N { float f = 1; }').root;
    assert.throws(() => encoderFor(root2.lookupType('N')), /does not encode/);
  });
});

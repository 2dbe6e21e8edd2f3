/** Standalone mode: every error the gateway answers itself, and upstream failures. */
import zlib from 'node:zlib';
import type { Scenario } from './types.js';
import { SSE_HEADERS, fixture, jsonHeaders, pieces, split } from './script.js';
import { SIGV4, bedrockStream, sa } from './standalone-setup.js';

const chat = (model: string, extra: object = {}): object => ({
  model,
  messages: [{ role: 'user', content: 'x' }],
  ...extra,
});

/** A ConverseStream whose third frame has a corrupted byte (its CRC no longer matches). */
function brokenBedrockStream(): Buffer {
  const good = bedrockStream('translate/bedrock/stream-text.events.json');
  const broken = Buffer.from(good);
  const firstLen = broken.readUInt32BE(0);
  const secondLen = broken.readUInt32BE(firstLen);
  const third = firstLen + secondLen;
  broken[third + 20] = broken[third + 20]! ^ 0xff;
  return broken;
}

const OPENAI_ERROR = fixture('providers/openai-error.json');

export const STANDALONE_ERROR_SCENARIOS: Scenario[] = [
  sa({
    name: 'sa-error-unknown-model',
    description: 'a model alias no route knows: 404 in the OpenAI error format',
    body: chat('no-such-alias'),
  }),
  sa({
    name: 'sa-error-no-body',
    description: 'request headers with end_of_stream: 400, a JSON body is required',
  }),
  sa({ name: 'sa-error-body-not-json', description: 'a body that is not JSON: 400', body: '{nope' }),
  sa({
    name: 'sa-error-body-not-object',
    description: 'a JSON body that is not an object: 400',
    body: '[1,2,3]',
  }),
  sa({
    name: 'sa-body-over-limit-buffered',
    description: 'one BUFFERED body over MAX_BODY_BYTES (2 KiB here): Envoy bounds it, the gateway takes it',
    body: chat('gpt', { messages: [{ role: 'user', content: 'y'.repeat(3000) }] }),
    responseHeaders: jsonHeaders(fixture('providers/openai-chat.json')),
    response: [fixture('providers/openai-chat.json')],
    more: { env: { MAX_BODY_BYTES: '2048' } },
  }),
  sa({
    name: 'sa-error-body-too-large',
    description: 'a STREAMED request body outgrowing MAX_BODY_BYTES (2 KiB): 413',
    modes: ['STREAMED', 'STREAMED'],
    pieces: 3,
    body: chat('gpt', { messages: [{ role: 'user', content: 'y'.repeat(3000) }] }),
    more: { env: { MAX_BODY_BYTES: '2048' } },
  }),
  sa({
    name: 'sa-error-upstream-429',
    description: 'an upstream 429 JSON error, translated to the OpenAI format with the status kept',
    body: chat('gpt'),
    status: 429,
    responseHeaders: { ...jsonHeaders(OPENAI_ERROR), 'retry-after': '1' },
    response: [OPENAI_ERROR],
  }),
  sa({
    name: 'sa-error-upstream-500-anthropic-client',
    description: 'an OpenAI upstream 500 for an Anthropic client: Anthropic error format',
    path: '/v1/messages',
    body: { model: 'gpt', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] },
    status: 500,
    responseHeaders: jsonHeaders('{"error":{"message":"boom","type":"server_error"}}'),
    response: ['{"error":{"message":"boom","type":"server_error"}}'],
  }),
  sa({
    name: 'sa-error-upstream-gemini-400',
    description: 'a Gemini 400 error, translated',
    body: chat('gemini'),
    status: 400,
    responseHeaders: jsonHeaders(fixture('providers/gemini-error.json')),
    response: [fixture('providers/gemini-error.json')],
  }),
  sa({
    name: 'sa-error-upstream-not-json',
    description: 'an OpenAI backend 200 whose body is not JSON, to an OpenAI client: passed as sent',
    body: chat('gpt'),
    responseHeaders: { 'content-type': 'text/html' },
    response: ['<html>upstream proxy page</html>'],
  }),
  sa({
    name: 'sa-error-upstream-not-json-translated',
    description: 'a translated upstream 200 whose body is not JSON: 502',
    body: chat('gemini'),
    responseHeaders: { 'content-type': 'text/html' },
    response: ['<html>upstream proxy page</html>'],
  }),
  sa({
    name: 'sa-upstream-gzip-json',
    description: 'a gzip JSON success from an OpenAI backend to an OpenAI client passes as sent',
    body: chat('gpt'),
    responseHeaders: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    response: split(zlib.gzipSync(fixture('providers/openai-chat.json')), 2),
  }),
  sa({
    name: 'sa-error-broken-bedrock-stream',
    description: 'a ConverseStream with a corrupted frame: a mid-stream error event, then nothing',
    body: chat('bedrock', { stream: true }),
    responseHeaders: { 'content-type': 'application/vnd.amazon.eventstream' },
    response: pieces(brokenBedrockStream(), 150),
    more: { sigv4: SIGV4 },
  }),
  sa({
    name: 'sa-error-broken-anthropic-stream',
    description: 'an Anthropic stream that ends with an error event, for an OpenAI client',
    body: chat('claude', { stream: true }),
    responseHeaders: SSE_HEADERS,
    response: [
      'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_x","model":"claude-sonnet-4-5","usage":{"input_tokens":5,"output_tokens":1}}}\n\n',
      'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
    ],
  }),
  sa({
    name: 'sa-error-passthrough-auth-missing',
    description: 'a passthrough-auth backend (mistral) without a client credential: 401',
    headers: { authorization: '' },
    body: chat('mistral'),
  }),
  sa({
    name: 'sa-no-route',
    description: 'a path no route matches: not handled (Envoy answers with its catch-all)',
    path: '/v2/embeddings',
    body: { input: 'x' },
    responseHeaders: jsonHeaders('no AI route matches this request\n'),
    response: ['no AI route matches this request\n'],
  }),
];

/** kgateway mode: providers, streaming and not, and the request/body edge cases. */
import zlib from 'node:zlib';
import {
  requestBody,
  requestHeaders,
  responseBody,
  responseHeaders,
  responseTrailers,
} from '../helpers/extproc-client.js';
import type { Scenario } from './types.js';
import {
  KGATEWAY_MODES,
  REQUEST_ID,
  SSE_HEADERS,
  envoyRequestHeaders,
  exchange,
  fixture,
  jsonHeaders,
  pieces,
  split,
} from './script.js';

/** The grpc_initial_metadata of a kgateway route (envoy/kgateway/envoy.yaml). */
export function kgMeta(provider: string, extra: Record<string, string> = {}): () => Record<string, string> {
  return () => ({ 'x-llm-provider': provider, 'x-request-id': REQUEST_ID, ...extra });
}

const chat = (content: string, extra: object = {}): string =>
  JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...extra });
const CHAT = chat('Hello, world!');
const CHAT_STREAM = chat('Stream please', { stream: true, stream_options: { include_usage: true } });
const ANTHROPIC_REQ = JSON.stringify({
  model: 'claude-3-5-haiku-latest',
  max_tokens: 64,
  system: 'be brief',
  messages: [{ role: 'user', content: 'Hi Claude' }],
});
const GEMINI_REQ = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Hi Gemini' }] }] });
const VERTEX_PATH = '/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.0-flash';
const AUTH = { authorization: 'Bearer sk-client-key' };

const OPENAI_JSON = fixture('providers/openai-chat.json');

function kg(
  name: string,
  description: string,
  provider: string,
  extraMeta: Record<string, string>,
  x: Omit<Parameters<typeof exchange>[0], 'modes'>,
  more: Partial<Scenario> = {},
): Scenario {
  return {
    name,
    description,
    mode: 'kgateway',
    metadata: kgMeta(provider, extraMeta),
    steps: exchange({ modes: KGATEWAY_MODES, ...x }),
    ...more,
  };
}

export const KGATEWAY_SCENARIOS: Scenario[] = [
  kg(
    'kg-openai-json',
    'OpenAI chat, JSON response in two pieces',
    'openai',
    {},
    {
      path: '/v1/chat/completions',
      headers: AUTH,
      request: split(CHAT, 3),
      responseHeaders: jsonHeaders(OPENAI_JSON),
      response: split(OPENAI_JSON, 2),
    },
  ),
  kg(
    'kg-openai-sse',
    'OpenAI chat, SSE with include_usage in 97-byte pieces',
    'openai',
    {},
    {
      path: '/v1/chat/completions',
      headers: AUTH,
      request: [CHAT_STREAM],
      responseHeaders: SSE_HEADERS,
      response: pieces(fixture('providers/openai-stream-usage.sse'), 97),
    },
  ),
  kg(
    'kg-openai-sse-utf8',
    'OpenAI SSE with multi-byte text cut mid-character',
    'openai',
    {},
    {
      path: '/v1/chat/completions',
      headers: AUTH,
      request: [CHAT_STREAM],
      responseHeaders: SSE_HEADERS,
      response: pieces(fixture('providers/openai-stream-utf8.sse'), 331),
    },
  ),
  kg(
    'kg-azure-json',
    'Azure OpenAI deployment route, JSON response',
    'azure_openai',
    { 'x-llm-model': 'gpt-4o-mini' },
    {
      path: '/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21',
      headers: { 'api-key': 'az-key' },
      request: [JSON.stringify({ messages: [{ role: 'user', content: 'Hi Azure' }] })],
      responseHeaders: jsonHeaders(fixture('providers/azure-chat.json')),
      response: [fixture('providers/azure-chat.json')],
    },
  ),
  kg(
    'kg-azure-sse',
    'Azure OpenAI streaming with content-filter events',
    'azure_openai',
    { 'x-llm-model': 'gpt-4o-mini' },
    {
      path: '/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21',
      headers: { 'api-key': 'az-key' },
      request: [JSON.stringify({ stream: true, messages: [{ role: 'user', content: 'Hi Azure' }] })],
      responseHeaders: SSE_HEADERS,
      response: split(fixture('providers/azure-stream.sse'), 5),
    },
  ),
  kg(
    'kg-anthropic-json',
    'Anthropic messages, JSON response',
    'anthropic',
    {},
    {
      path: '/v1/messages',
      headers: { 'x-api-key': 'ak' },
      request: [ANTHROPIC_REQ],
      responseHeaders: jsonHeaders(fixture('providers/anthropic-text.json')),
      response: [fixture('providers/anthropic-text.json')],
    },
  ),
  kg(
    'kg-anthropic-sse',
    'Anthropic messages, SSE in 7 pieces',
    'anthropic',
    {},
    {
      path: '/v1/messages',
      headers: { 'x-api-key': 'ak' },
      request: split(ANTHROPIC_REQ, 2),
      responseHeaders: SSE_HEADERS,
      response: split(fixture('providers/anthropic-stream.sse'), 7),
    },
  ),
  kg(
    'kg-gemini-json',
    'Gemini generateContent, JSON response',
    'gemini',
    { 'x-llm-model': 'gemini-2.0-flash' },
    {
      path: '/v1beta/models/gemini-2.0-flash:generateContent',
      headers: { 'x-goog-api-key': 'gk' },
      request: [GEMINI_REQ],
      responseHeaders: jsonHeaders(fixture('providers/gemini.json')),
      response: [fixture('providers/gemini.json')],
    },
  ),
  kg(
    'kg-gemini-sse',
    'Gemini streamGenerateContent?alt=sse (repeated usageMetadata)',
    'gemini',
    { 'x-llm-model': 'gemini-2.0-flash', 'x-chat-streaming': 'true' },
    {
      path: '/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse',
      request: [GEMINI_REQ],
      responseHeaders: SSE_HEADERS,
      response: split(fixture('providers/gemini-stream.sse'), 4),
    },
  ),
  kg(
    'kg-vertex-json',
    'Vertex AI generateContent, JSON response',
    'vertex-ai',
    { 'x-llm-model': 'gemini-2.0-flash' },
    {
      path: `${VERTEX_PATH}:generateContent`,
      headers: AUTH,
      request: [GEMINI_REQ],
      responseHeaders: jsonHeaders(fixture('providers/vertex.json')),
      response: [fixture('providers/vertex.json')],
    },
  ),
  kg(
    'kg-vertex-sse',
    'Vertex AI streamGenerateContent?alt=sse',
    'vertex-ai',
    { 'x-llm-model': 'gemini-2.0-flash', 'x-chat-streaming': 'true' },
    {
      path: `${VERTEX_PATH}:streamGenerateContent?alt=sse`,
      headers: AUTH,
      request: [GEMINI_REQ],
      responseHeaders: SSE_HEADERS,
      response: split(fixture('providers/vertex-stream.sse'), 3),
    },
  ),
  kg(
    'kg-openai-gzip',
    'gzip JSON response: usage read from the decompressed body',
    'openai',
    {},
    {
      path: '/v1/chat/completions',
      headers: AUTH,
      request: [CHAT],
      responseHeaders: { 'content-type': 'application/json; charset=utf-8', 'content-encoding': 'gzip' },
      response: split(zlib.gzipSync(OPENAI_JSON, { level: 6 }), 3),
    },
  ),
  kg(
    'kg-upstream-429',
    'an upstream 429 JSON error passes through',
    'openai',
    {},
    {
      path: '/v1/chat/completions',
      headers: AUTH,
      request: [CHAT],
      status: 429,
      responseHeaders: { ...jsonHeaders(fixture('providers/openai-error.json')), 'retry-after': '1' },
      response: [fixture('providers/openai-error.json')],
    },
  ),
  kg(
    'kg-malformed-json',
    'a malformed JSON request passes through and counts an exception',
    'openai',
    {},
    {
      path: '/v1/chat/completions',
      headers: AUTH,
      request: ['{"model": "gpt-4o-mini", "messages": [', ' {"role": "user", "content": "unterminated'],
      responseHeaders: jsonHeaders(OPENAI_JSON),
      response: [OPENAI_JSON],
    },
  ),
  kg(
    'kg-no-body',
    'a request without a body (headers end_of_stream)',
    'openai',
    {},
    {
      path: '/v1/models',
      headers: { ...AUTH, ':method': 'GET' },
      request: [],
      responseHeaders: jsonHeaders('{"object":"list","data":[]}'),
      response: ['{"object":"list","data":[]}'],
    },
  ),
  kg(
    'kg-large-body',
    'a 100 KB request over MAX_BODY_BYTES without guards: passes, counted off the reply path',
    'openai',
    {},
    {
      path: '/v1/chat/completions',
      headers: AUTH,
      request: split(chat('lorem ipsum dolor sit amet '.repeat(4000)), 4),
      responseHeaders: jsonHeaders(OPENAI_JSON),
      response: [OPENAI_JSON],
    },
    { env: { MAX_BODY_BYTES: '65536' } },
  ),
  kg(
    'kg-medium-body',
    'a 40 KB request (over the 32 KiB synchronous-count limit, under MAX_BODY_BYTES)',
    'openai',
    {},
    {
      path: '/v1/chat/completions',
      headers: AUTH,
      request: split(chat('lorem ipsum dolor '.repeat(2300)), 3),
      responseHeaders: jsonHeaders(OPENAI_JSON),
      response: [OPENAI_JSON],
    },
  ),
  {
    name: 'kg-response-trailers',
    description: 'the response ends with trailers instead of an end_of_stream chunk',
    mode: 'kgateway',
    metadata: kgMeta('openai'),
    steps: [
      { send: [requestHeaders(envoyRequestHeaders('/v1/chat/completions', AUTH), false, KGATEWAY_MODES)] },
      { send: [requestBody(CHAT, true)] },
      { send: [responseHeaders({ ':status': '200', ...jsonHeaders(OPENAI_JSON) })] },
      { send: [responseBody(OPENAI_JSON, false), responseTrailers({ 'x-upstream-done': '1' })] },
    ],
  },
  {
    name: 'kg-interleaved',
    description: 'response headers arrive before the request body ends',
    mode: 'kgateway',
    metadata: kgMeta('openai'),
    steps: [
      { send: [requestHeaders(envoyRequestHeaders('/v1/chat/completions', AUTH), false, KGATEWAY_MODES)] },
      {
        send: [
          requestBody(CHAT.slice(0, 5), false),
          responseHeaders({ ':status': '200', ...jsonHeaders(OPENAI_JSON) }),
          requestBody(CHAT.slice(5), true),
          responseBody(OPENAI_JSON, true),
        ],
      },
    ],
  },
  {
    name: 'kg-observability',
    description: 'observability mode: nothing is answered, usage still counted',
    mode: 'kgateway',
    metadata: kgMeta('openai'),
    end: 'half-close',
    steps: [
      {
        send: [
          { ...requestHeaders(envoyRequestHeaders('/v1/chat/completions'), false), observability_mode: true },
          { ...requestBody(CHAT, true), observability_mode: true },
          { ...responseHeaders({ ':status': '200', ...jsonHeaders(OPENAI_JSON) }), observability_mode: true },
          { ...responseBody(OPENAI_JSON, true), observability_mode: true },
        ],
      },
    ],
  },
  {
    name: 'kg-buffered',
    description: 'BUFFERED both ways (protocol_config): one reply per body',
    mode: 'kgateway',
    metadata: kgMeta('openai'),
    steps: exchange({
      modes: ['BUFFERED', 'BUFFERED'],
      path: '/v1/chat/completions',
      headers: AUTH,
      request: [CHAT],
      responseHeaders: jsonHeaders(OPENAI_JSON),
      response: [OPENAI_JSON],
    }),
  },
  {
    name: 'kg-full-duplex',
    description: 'FULL_DUPLEX_STREAMED both ways: bodies echoed as streamed_response',
    mode: 'kgateway',
    metadata: kgMeta('openai'),
    steps: exchange({
      modes: ['FULL_DUPLEX_STREAMED', 'FULL_DUPLEX_STREAMED'],
      path: '/v1/chat/completions',
      headers: AUTH,
      request: split(CHAT, 2),
      responseHeaders: jsonHeaders(OPENAI_JSON),
      response: split(OPENAI_JSON, 2),
    }),
  },
  {
    name: 'kg-custom-labels',
    description: 'stats.json custom labels from io.solo.transformation metadata label the ai_* counters',
    mode: 'kgateway',
    metadata: kgMeta('openai'),
    customLabels: [
      { name: 'team', metadataNamespace: 'io.solo.transformation', metadataKey: 'team', keyDelimiter: ':' },
      { name: 'n', metadataNamespace: 'io.solo.transformation', metadataKey: 'a:b', keyDelimiter: ':' },
    ],
    steps: [
      {
        send: [
          {
            ...requestHeaders(envoyRequestHeaders('/v1/chat/completions', AUTH), false, KGATEWAY_MODES),
            metadata_context: {
              filter_metadata: {
                'io.solo.transformation': {
                  fields: {
                    team: { stringValue: 'blue' },
                    a: { structValue: { fields: { b: { numberValue: 5 } } } },
                  },
                },
              },
            },
          },
        ],
      },
      { send: [requestBody(CHAT, true)] },
      { send: [responseHeaders({ ':status': '200', ...jsonHeaders(OPENAI_JSON) })] },
      { send: [responseBody(OPENAI_JSON, true)] },
    ],
  },
  {
    name: 'kg-cancel-mid-stream',
    description: 'the client goes away in the middle of an SSE response (Envoy resets the stream)',
    mode: 'kgateway',
    metadata: kgMeta('openai'),
    end: 'none',
    steps: [
      ...exchange({
        modes: KGATEWAY_MODES,
        path: '/v1/chat/completions',
        headers: AUTH,
        request: [CHAT_STREAM],
        responseHeaders: SSE_HEADERS,
        response: [],
      }).slice(0, 2),
      { send: [responseHeaders({ ':status': '200', ...SSE_HEADERS })] },
      { send: [responseBody(pieces(fixture('providers/openai-stream-usage.sse'), 400)[0]!, false)] },
      { cancel: true },
    ],
  },
];

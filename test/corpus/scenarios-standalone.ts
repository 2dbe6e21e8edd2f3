/** Standalone mode: OpenAI and Anthropic clients to every provider, streaming and not, and guards. */
import type { Scenario } from './types.js';
import { SSE_HEADERS, fixture, jsonHeaders, pieces, split } from './script.js';
import { SIGV4, bedrockInvokeStream, bedrockStream, sa } from './standalone-setup.js';

const EVENT_STREAM = { 'content-type': 'application/vnd.amazon.eventstream' };

interface Provider {
  readonly alias: string;
  readonly json: Buffer;
  readonly stream: Buffer;
  readonly streamHeaders: Record<string, string>;
  readonly headers?: Record<string, string>;
}

const PROVIDERS: Record<string, Provider> = {
  openai: {
    alias: 'gpt',
    json: fixture('providers/openai-chat.json'),
    stream: fixture('providers/openai-stream-usage.sse'),
    streamHeaders: SSE_HEADERS,
  },
  azure: {
    alias: 'azure',
    json: fixture('providers/azure-chat.json'),
    stream: fixture('providers/azure-stream.sse'),
    streamHeaders: SSE_HEADERS,
  },
  anthropic: {
    alias: 'claude',
    json: fixture('providers/anthropic-text.json'),
    stream: fixture('providers/anthropic-stream.sse'),
    streamHeaders: SSE_HEADERS,
  },
  gemini: {
    alias: 'gemini',
    json: fixture('providers/gemini.json'),
    stream: fixture('providers/gemini-stream.sse'),
    streamHeaders: SSE_HEADERS,
  },
  vertex: {
    alias: 'vertex',
    json: fixture('providers/vertex.json'),
    stream: fixture('providers/vertex-stream.sse'),
    streamHeaders: SSE_HEADERS,
  },
  mistral: {
    alias: 'mistral',
    json: fixture('translate/openai/resp-mistral-tool-call.in.json'),
    stream: fixture('translate/openai/stream-mistral-thinking.sse'),
    streamHeaders: SSE_HEADERS,
    // Passthrough auth: the client's own key goes upstream.
    headers: { authorization: 'Bearer mistral-client-key' },
  },
  ollama: {
    alias: 'ollama',
    json: fixture('translate/openai/resp-ollama-reasoning.in.json'),
    stream: fixture('translate/openai/stream-ollama-reasoning.sse'),
    streamHeaders: SSE_HEADERS,
  },
  bedrock: {
    alias: 'bedrock',
    json: fixture('translate/bedrock/response-text-tool-length.converse.json'),
    stream: bedrockStream('translate/bedrock/stream-text.events.json'),
    streamHeaders: EVENT_STREAM,
  },
};

/** Anthropic clients reach Claude on Bedrock through InvokeModel: Anthropic answers, in frames. */
const BEDROCK_INVOKE: Provider = {
  alias: 'bedrock',
  json: fixture('providers/anthropic-text.json'),
  stream: bedrockInvokeStream('providers/anthropic-stream.sse'),
  streamHeaders: EVENT_STREAM,
};

const openaiRequest = (model: string, stream: boolean): object => ({
  model,
  temperature: 0.9,
  messages: [{ role: 'user', content: 'Explain recursion in one sentence.' }],
  ...(stream ? { stream: true } : {}),
});

const matrix: Scenario[] = Object.entries(PROVIDERS).flatMap(([name, p]) =>
  [false, true].map((stream) =>
    sa({
      name: `sa-openai-to-${name}-${stream ? 'stream' : 'json'}`,
      description: `OpenAI client → ${name} backend, ${stream ? 'streaming' : 'JSON'}`,
      ...(p.headers ? { headers: p.headers } : {}),
      body: openaiRequest(p.alias, stream),
      responseHeaders: stream ? p.streamHeaders : jsonHeaders(p.json),
      response: stream ? pieces(p.stream, 173) : split(p.json, 2),
      ...(name === 'bedrock' ? { more: { sigv4: SIGV4 } } : {}),
    }),
  ),
);

const anthropicRequest = (model: string, stream: boolean): object => ({
  model,
  max_tokens: 100,
  system: 'be terse',
  messages: [{ role: 'user', content: 'hello' }],
  ...(stream ? { stream: true } : {}),
});

const anthropicClient: Scenario[] = [
  ['anthropic', 'claude-sonnet-4-5'],
  ['openai', 'gpt'],
  ['bedrock', 'bedrock'],
].flatMap(([name, model]) =>
  [false, true].map((stream) => {
    const p = name === 'bedrock' ? BEDROCK_INVOKE : PROVIDERS[name!]!;
    return sa({
      name: `sa-anthropic-to-${name}-${stream ? 'stream' : 'json'}`,
      description: `Anthropic client (/v1/messages) → ${name} backend, ${stream ? 'streaming' : 'JSON'}`,
      path: '/v1/messages',
      headers: { 'x-api-key': 'client-key', 'anthropic-version': '2023-06-01' },
      body: anthropicRequest(model!, stream),
      responseHeaders: stream ? p.streamHeaders : jsonHeaders(p.json),
      response: stream ? pieces(p.stream, 211) : [p.json],
      ...(name === 'bedrock' ? { more: { sigv4: SIGV4 } } : {}),
    });
  }),
);

const CARD = '4111 1111 1111 1111';
const guardedJson = JSON.stringify({
  id: 'chatcmpl-sa-guard',
  object: 'chat.completion',
  created: 1750000000,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: `Card ${CARD}, mail jane.doe@example.com.` },
      finish_reason: 'stop',
    },
  ],
  usage: { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 },
});

function openaiSse(text: string, step: number): string {
  const ev = (o: object): string => `data: ${JSON.stringify(o)}\n\n`;
  const base = {
    id: 'chatcmpl-sa-s',
    object: 'chat.completion.chunk',
    created: 1750000000,
    model: 'gpt-4o-mini',
  };
  let out = '';
  for (let i = 0; i < text.length; i += step)
    out += ev({ ...base, choices: [{ index: 0, delta: { content: text.slice(i, i + step) } }] });
  out += ev({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
  out += ev({ ...base, choices: [], usage: { prompt_tokens: 8, completion_tokens: 18, total_tokens: 26 } });
  return out + 'data: [DONE]\n\n';
}

const guards: Scenario[] = [
  sa({
    name: 'sa-guard-request-mask',
    description: 'standalone request guard MASK (guarded route via x-tenant)',
    headers: { 'x-tenant': 'guarded' },
    body: { model: 'fast', messages: [{ role: 'user', content: `pay with ${CARD}` }] },
    responseHeaders: jsonHeaders(guardedJson),
    response: [guardedJson],
  }),
  sa({
    name: 'sa-guard-request-reject',
    description: 'standalone request guard REJECT with a custom 422 in the OpenAI error format',
    headers: { 'x-tenant': 'strict' },
    body: { model: 'fast', messages: [{ role: 'user', content: 'my ssn is 536-90-4399' }] },
  }),
  sa({
    name: 'sa-unguarded-route-ssn-passes',
    description: 'the same SSN prompt on the unguarded route goes through',
    path: '/v1/chat/completions',
    body: { model: 'gpt', messages: [{ role: 'user', content: 'my ssn is 536-90-4399' }] },
    responseHeaders: jsonHeaders(fixture('providers/openai-chat.json')),
    response: [fixture('providers/openai-chat.json')],
  }),
  sa({
    name: 'sa-guard-streaming-response',
    description: 'standalone streaming response guard: card and mail split across deltas',
    headers: { 'x-tenant': 'guarded' },
    body: { model: 'fast', stream: true, messages: [{ role: 'user', content: 'what is on file?' }] },
    responseHeaders: SSE_HEADERS,
    response: pieces(openaiSse(`Card ${CARD} and mail jane.doe@example.com are on file.`, 4), 57),
  }),
];

export const STANDALONE_SCENARIOS: Scenario[] = [...matrix, ...anthropicClient, ...guards];

/** kgateway mode: prompt and response guards (regex, webhook, moderation) and guard errors. */
import zlib from 'node:zlib';
import type { Scenario, ScenarioContext } from './types.js';
import { KGATEWAY_MODES, SSE_HEADERS, exchange, jsonHeaders, pieces, split } from './script.js';
import { kgMeta } from './scenarios-kgateway.js';

const CARD = '4111 1111 1111 1111';
const EMAIL = 'jane.doe@example.com';
const SSN = '536-90-4399';
const PHONE = '+1 650-253-0000';
const AUTH = { authorization: 'Bearer sk-client' };

const chat = (content: string, extra: object = {}): string =>
  JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...extra });

const openaiJson = (...texts: string[]): string =>
  JSON.stringify({
    id: 'chatcmpl-guard1',
    object: 'chat.completion',
    created: 1750000000,
    model: 'gpt-4o-mini-2024-07-18',
    choices: texts.map((content, index) => ({
      index,
      message: { role: 'assistant', content },
      finish_reason: 'stop',
    })),
    usage: { prompt_tokens: 9, completion_tokens: 12, total_tokens: 21 },
  });

/** An OpenAI SSE stream of `text` in `step`-character deltas, with a usage chunk. */
function openaiSse(text: string, step: number): string {
  const ev = (o: object): string => `data: ${JSON.stringify(o)}\n\n`;
  const base = {
    id: 'chatcmpl-s1',
    object: 'chat.completion.chunk',
    created: 1750000000,
    model: 'gpt-4o-mini',
  };
  let out = ev({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] });
  for (let i = 0; i < text.length; i += step)
    out += ev({ ...base, choices: [{ index: 0, delta: { content: text.slice(i, i + step) } }] });
  out += ev({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
  out += ev({ ...base, choices: [], usage: { prompt_tokens: 5, completion_tokens: 20, total_tokens: 25 } });
  return out + 'data: [DONE]\n\n';
}

function anthropicSse(text: string, step: number): string {
  const ev = (type: string, o: object): string =>
    `event: ${type}\ndata: ${JSON.stringify({ type, ...o })}\n\n`;
  let out = ev('message_start', {
    message: { id: 'msg_g1', model: 'claude-3-5-haiku', usage: { input_tokens: 25, output_tokens: 1 } },
  });
  out += ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
  for (let i = 0; i < text.length; i += step)
    out += ev('content_block_delta', {
      index: 0,
      delta: { type: 'text_delta', text: text.slice(i, i + step) },
    });
  out += ev('content_block_stop', { index: 0 });
  out += ev('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 15 } });
  return out + ev('message_stop', {});
}

// The guard configs of envoy/kgateway/envoy.yaml's routes.
const GUARDED = {
  'x-req-guardrails-config':
    '{"regex":{"builtins":["CREDIT_CARD","SSN","PHONE_NUMBER","EMAIL"],"matches":[{"pattern":"project\\\\s+bluebird","name":"codename"}],"action":"MASK"}}',
  'x-req-guardrails-config-hash': '1001',
  'x-resp-guardrails-config':
    '{"regex":{"builtins":["CREDIT_CARD","SSN","PHONE_NUMBER","EMAIL"],"action":"MASK"}}',
  'x-resp-guardrails-config-hash': '1002',
};
const GUARDED_ANTHROPIC = {
  'x-req-guardrails-config': '{"regex":{"builtins":["CREDIT_CARD","EMAIL"],"action":"MASK"}}',
  'x-req-guardrails-config-hash': '1003',
  'x-resp-guardrails-config': '{"regex":{"builtins":["CREDIT_CARD","EMAIL"],"action":"MASK"}}',
  'x-resp-guardrails-config-hash': '1004',
};
const REJECT = {
  'x-req-guardrails-config':
    '{"customResponse":{"message":"Rejected due to inappropriate content","statusCode":403},"regex":{"matches":[{"pattern":"forbidden\\\\s+topic"}],"builtins":["SSN"],"action":"REJECT"}}',
  'x-req-guardrails-config-hash': '1005',
};
const webhook = (ctx: ScenarioContext): Record<string, string> => ({
  'x-req-guardrails-config': JSON.stringify({
    webhook: {
      host: { host: '127.0.0.1', port: ctx.webhookPort },
      forwardHeaderMatches: [{ type: 'Exact', name: 'x-user', value: 'alice' }],
    },
  }),
  'x-req-guardrails-config-hash': '1006',
  'x-resp-guardrails-config': JSON.stringify({
    webhook: { host: { host: '127.0.0.1', port: ctx.webhookPort } },
  }),
  'x-resp-guardrails-config-hash': '1007',
});
const MODERATION = {
  'x-req-guardrails-config':
    '{"moderation":{"openAIModeration":{"authToken":{"kind":"Inline","inline":"sk-moderation-inline"},"model":"omni-moderation-latest"}}}',
  'x-req-guardrails-config-hash': '1008',
};

const PII_PROMPT = `card ${CARD}, mail ${EMAIL}, ssn ${SSN}, phone ${PHONE}, about Project  Bluebird.`;
const PII_ANSWER = `Your card ${CARD} is on file; write to ${EMAIL}.`;
const STREAM_ANSWER = `Sure. The number is ${CARD} and the mail is ${EMAIL}. Nothing else to add here, thanks!`;

interface G {
  name: string;
  description: string;
  provider?: string;
  meta: Record<string, string> | ((ctx: ScenarioContext) => Record<string, string>);
  path?: string;
  headers?: Record<string, string>;
  request: (string | Buffer)[];
  responseHeaders?: Record<string, string>;
  response?: (string | Buffer)[];
  more?: Partial<Scenario>;
}

function g(x: G): Scenario {
  const meta = x.meta;
  return {
    name: x.name,
    description: x.description,
    mode: 'kgateway',
    env: { GUARD_WEBHOOK_SCHEME: 'http', GUARD_DEADLINE_MS: '3000' },
    metadata: (ctx) => kgMeta(x.provider ?? 'openai', typeof meta === 'function' ? meta(ctx) : meta)(),
    steps: exchange({
      modes: KGATEWAY_MODES,
      path: x.path ?? '/v1/chat/completions',
      headers: { ...AUTH, 'accept-encoding': 'gzip', ...x.headers },
      request: x.request,
      ...(x.responseHeaders ? { responseHeaders: x.responseHeaders } : {}),
      ...(x.response ? { response: x.response } : {}),
    }),
    ...x.more,
  };
}

const json = (body: string): Pick<G, 'responseHeaders' | 'response'> => ({
  responseHeaders: jsonHeaders(body),
  response: split(body, 2),
});

export const GUARD_SCENARIOS: Scenario[] = [
  g({
    name: 'kg-guard-regex-mask-request',
    description: 'request regex MASK (builtins + custom pattern) over a 3-chunk STREAMED body',
    meta: GUARDED,
    request: split(
      JSON.stringify({
        model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: 'be helpful' },
          { role: 'user', content: [{ type: 'text', text: PII_PROMPT }] },
        ],
      }),
      3,
    ),
    ...json(openaiJson('Noted.')),
  }),
  g({
    name: 'kg-guard-regex-clean-request',
    description: 'guards configured, nothing to mask: the original bytes go out',
    meta: GUARDED,
    request: split('{"model":"gpt-4o-mini",  "messages":[{"role":"user","content":"nothing here"}]}', 2),
    ...json(openaiJson('Nothing to see.')),
  }),
  g({
    name: 'kg-guard-regex-malformed-request',
    description: 'a malformed body with guards configured passes through intact',
    meta: GUARDED,
    request: split(`{"messages": [ {"content": "card ${CARD}"`, 2),
    ...json(openaiJson('ok')),
  }),
  g({
    name: 'kg-guard-regex-reject',
    description: 'request regex REJECT with a custom 403 response',
    meta: REJECT,
    request: [chat('tell me about the forbidden   topic')],
    ...json(openaiJson('unreachable')),
  }),
  g({
    name: 'kg-guard-regex-reject-default',
    description: 'request regex REJECT without customResponse (403, internal message)',
    meta: {
      'x-req-guardrails-config': '{"regex":{"builtins":["CREDIT_CARD"],"action":"REJECT"}}',
      'x-req-guardrails-config-hash': 'r2',
    },
    request: [chat(`card ${CARD}`)],
  }),
  g({
    name: 'kg-guard-regex-reject-418',
    description: 'request regex REJECT keeps a custom 418 status',
    meta: {
      'x-req-guardrails-config': JSON.stringify({
        regex: { builtins: ['CREDIT_CARD'], action: 'REJECT' },
        customResponse: { statusCode: 418, message: 'I am a teapot' },
      }),
      'x-req-guardrails-config-hash': 'r418',
    },
    request: [chat(`card ${CARD}`)],
  }),
  g({
    name: 'kg-guard-oversized-body',
    description: 'a held (guarded) body over MAX_BODY_BYTES is answered 413',
    meta: GUARDED,
    request: split(chat('x'.repeat(70_000)), 2),
    more: { env: { GUARD_WEBHOOK_SCHEME: 'http', MAX_BODY_BYTES: '65536' } },
  }),
  g({
    name: 'kg-guard-large-masked-body',
    description: 'a 45 KB masked body: estimate counted on the original, after the reply',
    meta: GUARDED,
    request: split(chat(`pay with ${CARD} today ${'lorem ipsum dolor '.repeat(2500)}`), 3),
    ...json(openaiJson('ok')),
  }),
  g({
    name: 'kg-guard-response-mask-json',
    description: 'response regex MASK over every choice of a JSON response',
    meta: GUARDED,
    request: [chat('what is on file?', { n: 2 })],
    ...json(openaiJson(PII_ANSWER, `Second: ${CARD}`)),
  }),
  g({
    name: 'kg-guard-response-mask-gzip',
    description: 'response regex MASK on a gzip JSON response (re-encoded)',
    meta: GUARDED,
    request: [chat('what is on file?')],
    responseHeaders: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    response: split(zlib.gzipSync(openaiJson(PII_ANSWER)), 2),
  }),
  g({
    name: 'kg-guard-response-tool-call',
    description: 'a pure tool-call response is not guarded',
    meta: GUARDED,
    request: [chat('pay')],
    ...json(
      JSON.stringify({
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: null,
              tool_calls: [
                { id: 't', type: 'function', function: { name: 'pay', arguments: `{"card":"${CARD}"}` } },
              ],
            },
            finish_reason: 'tool_calls',
          },
        ],
      }),
    ),
  }),
  g({
    name: 'kg-guard-streaming-response',
    description: 'streaming response guard: a card split across 3-character deltas in 61-byte chunks',
    meta: GUARDED,
    request: [chat('stream it', { stream: true })],
    responseHeaders: SSE_HEADERS,
    response: pieces(openaiSse(STREAM_ANSWER, 3), 61),
  }),
  g({
    name: 'kg-guard-streaming-clean',
    description: 'streaming response guard with nothing to mask',
    meta: GUARDED,
    request: [chat('stream it', { stream: true })],
    responseHeaders: SSE_HEADERS,
    response: pieces(openaiSse('A plain answer, with no secrets at all. It arrives as written.', 5), 61),
  }),
  g({
    name: 'kg-guard-anthropic-stream',
    description: 'Anthropic: masked request and masked streaming response',
    provider: 'anthropic',
    meta: GUARDED_ANTHROPIC,
    path: '/v1/messages',
    request: [
      JSON.stringify({
        model: 'claude-3-5-haiku-latest',
        max_tokens: 100,
        stream: true,
        system: `my mail is ${EMAIL}`,
        messages: [{ role: 'user', content: [{ type: 'text', text: `card ${CARD}` }] }],
      }),
    ],
    responseHeaders: SSE_HEADERS,
    response: pieces(anthropicSse(`Card ${CARD}. Mail ${EMAIL}. That is all for today.`, 4), 40),
  }),
  g({
    name: 'kg-guard-anthropic-tool-use',
    description: 'Anthropic JSON: text next to tool_use is still masked',
    provider: 'anthropic',
    meta: GUARDED_ANTHROPIC,
    path: '/v1/messages',
    request: [
      JSON.stringify({ model: 'claude', max_tokens: 50, messages: [{ role: 'user', content: 'q' }] }),
    ],
    ...json(
      JSON.stringify({
        type: 'message',
        role: 'assistant',
        content: [
          { type: 'text', text: `Charging ${CARD} now.` },
          { type: 'tool_use', id: 'tu', name: 'charge', input: { card: CARD } },
        ],
        usage: { input_tokens: 3, output_tokens: 9 },
      }),
    ),
  }),
  g({
    name: 'kg-guard-config-invalid',
    description: 'an unparseable guard config fails closed with a local 500',
    meta: { 'x-req-guardrails-config': '{not json', 'x-req-guardrails-config-hash': 'bad' },
    request: [chat('hi')],
  }),
  ...(['pass', 'mask', 'reject'] as const).map((kind) =>
    g({
      name: `kg-guard-webhook-request-${kind}`,
      description: `request webhook guard: ${kind}`,
      meta: webhook,
      headers: { 'x-user': 'alice' },
      request: [
        chat(kind === 'pass' ? 'hello webhook' : kind === 'mask' ? 'please mask-me now' : 'reject-me please'),
      ],
      ...json(openaiJson('ok')),
      more: { services: { webhook: true } },
    }),
  ),
  g({
    name: 'kg-guard-webhook-response-mask',
    description: 'response webhook guard masks a JSON response',
    meta: webhook,
    request: [chat('tell')],
    ...json(openaiJson('the secret-word is swordfish')),
    more: { services: { webhook: true } },
  }),
  g({
    name: 'kg-guard-webhook-streaming-mask',
    description: 'response webhook guard over an SSE response',
    meta: webhook,
    request: [chat('tell', { stream: true })],
    responseHeaders: SSE_HEADERS,
    response: pieces(openaiSse('Well. The secret-word is swordfish, and that is the end of it.', 7), 50),
    more: { services: { webhook: true } },
  }),
  g({
    name: 'kg-guard-webhook-unreachable',
    description: 'a request webhook that refuses connections: fail closed with the custom response',
    meta: {
      'x-req-guardrails-config': JSON.stringify({
        webhook: { host: { host: '127.0.0.1', port: 9 } },
        customResponse: { statusCode: 503, message: 'guard down' },
      }),
      'x-req-guardrails-config-hash': 'wh-down',
    },
    request: [chat('hi')],
  }),
  g({
    name: 'kg-guard-moderation-reject',
    description: 'OpenAI moderation flags the prompt: 403 (inline token used)',
    meta: MODERATION,
    request: [chat('I will kill the process')],
    more: { services: { moderation: true } },
  }),
  g({
    name: 'kg-guard-moderation-pass',
    description: 'OpenAI moderation passes a clean prompt',
    meta: MODERATION,
    request: [chat('a kind question')],
    ...json(openaiJson('A kind answer.')),
    more: { services: { moderation: true } },
  }),
];

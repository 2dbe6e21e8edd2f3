/**
 * A local mock LLM provider for end-to-end tests (behind a real Envoy) and `make demo`.
 *
 * It speaks just enough of three wire formats to exercise the gateway:
 *   - OpenAI Responses: POST `/v1/responses` (mock-provider/responses.ts).
 *   - OpenAI Chat Completions: any POST path ending in `/chat/completions`
 *     (`/v1/chat/completions`, Azure `/openai/deployments/{deployment}/chat/completions?api-version=...`).
 *   - Anthropic Messages: any POST path ending in `/v1/messages`.
 *   - Gemini / Vertex AI: any POST path ending in `/models/{model}:generateContent` or
 *     `/models/{model}:streamGenerateContent` (`/v1beta/models/...`, `/v1/projects/.../models/...`).
 *     `streamGenerateContent?alt=sse` streams SSE; without `alt=sse` it streams a JSON array, like Google.
 *   - Embeddings of every provider API (mock-provider/embeddings.ts).
 *   - Claude on Vertex AI (`publishers/anthropic/models/{m}:rawPredict|streamRawPredict`) and on Bedrock
 *     InvokeModel (`/model/{id}/invoke|invoke-with-response-stream`): Anthropic Messages (claude-platforms.ts).
 *   - Anthropic count_tokens: `POST …/v1/messages/count_tokens` (count-tokens.ts).
 *   - `GET /healthz` → 200 (not recorded).
 *
 * Everything it says is deterministic (see "Usage formula" below and {@link describeResponse}), so a test
 * can compute exactly what the mock reported for any recorded request.
 *
 * Control knobs (request headers; names are case-insensitive):
 *   x-mock-status: <code>         4xx/5xx → that status with a provider-shaped error body (429 adds
 *                                 `retry-after: 1`); 2xx → the normal response with that status.
 *   x-mock-gzip: 1                gzip the non-streaming JSON body (incl. error bodies), `content-encoding: gzip`.
 *   x-mock-chunk-bytes: <N>       write the response body in N-byte writes (one HTTP/1.1 chunk each). The SSE
 *                                 stream is treated as one byte stream, so events (and multi-byte UTF-8
 *                                 characters) are split across chunks and several events can share one chunk.
 *   x-mock-chunk-delay-ms: <ms>   pause between those N-byte writes (default: one event-loop turn).
 *   x-mock-text: <text>           use this exact assistant text (ASCII; header values are latin1).
 *   x-mock-text-b64: <base64>     same, base64 of UTF-8 text (for non-ASCII text or newlines). Wins over x-mock-text.
 *   x-mock-delay-ms: <ms>         wait this long before sending the response headers.
 *   x-mock-stream-delay-ms: <ms>  pause between streamed events (default: the server's `streamDelayMs`, 0).
 *   x-mock-sse-framing: lf|crlf|kgateway
 *                                 event separator. Defaults: OpenAI/Anthropic `\n\n`, Gemini `\r\n\r\n`.
 *                                 `kgateway` reproduces the old kgateway mock server: OpenAI `\n\n`,
 *                                 Gemini/Vertex `data: <json>\n\r\n\r\n`. Also settable as the query
 *                                 parameter `mock_sse_framing=...`.
 *   x-mock-cached-tokens: <N>     report N cached prompt tokens (OpenAI prompt_tokens_details.cached_tokens,
 *                                 Anthropic cache_read_input_tokens, Gemini cachedContentTokenCount).
 *   x-mock-stream-abort-after: <N> destroy the connection after writing N streamed events (no clean end).
 *
 * Tool calls: if the request declares tools and the last user message contains "weather" (case-insensitive),
 * the answer is a tool call to the first declared tool (OpenAI `tool_calls`, Anthropic `tool_use`,
 * Gemini `functionCall`) with the arguments from the fixture.
 *
 * A body that is not valid JSON still gets a 200 canned (non-streaming, except Gemini `:streamGenerateContent`
 * whose streaming is decided by the path) response; the raw bytes are recorded.
 *
 * Provider rules: a JSON request the real provider would refuse with a 400 (OpenAI and Anthropic rules in
 * mock-provider/rules/) gets that 400. Anthropic thinking (mock-provider/anthropic-thinking.ts): a request
 * with thinking on gets a signed thinking block first; a replayed thinking block must carry its signature.
 *
 * Canned texts live in mock-provider/fixtures/*.json.
 */
import { handleBedrock } from './bedrock.js';
import { handleEmbeddings } from './embeddings.js';
import { countTokensAnswer, isCountTokensRoute } from './count-tokens.js';
import {
  anthropicBody,
  bedrockChunkFrame,
  claudePlatformProblems,
  claudePlatformRefusal,
  claudePlatformRoute,
  withInvocationMetrics,
} from './claude-platforms.js';
import { handleResponses } from './responses.js';
import {
  MOCK_THINKING,
  mockThinking,
  ruleViolation,
  withThinkingBlock,
  withThinkingEvents,
} from './anthropic-thinking.js';
import { geminiRuleViolation, withGeminiThoughtChunks, withGeminiThoughts } from './gemini-thinking.js';
import { geminiRequestProblems } from './rules/gemini.js';
import { withOpenAIReasoning, withOpenAIReasoningChunks } from './openai-reasoning.js';
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';

// ---------------------------------------------------------------------------------------------------------------
// Public types

export type MockRoute = 'openai' | 'anthropic' | 'gemini' | 'health' | 'unknown';
export type LlmRoute = 'openai' | 'anthropic' | 'gemini';

export interface RecordedRequest {
  method: string;
  /** Path including the query string, as received. */
  path: string;
  /** Lower-cased header names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The full raw request body. */
  body: Buffer;
  /** The parsed body, present only if the body was valid JSON. */
  json?: unknown;
  /** Which mock route handled the request. */
  route: MockRoute;
}

export interface MockProvider {
  /** e.g. `http://127.0.0.1:43121` (no trailing slash). */
  url: string;
  port: number;
  /** Every request received, in arrival order (except `GET /healthz`). */
  requests: RecordedRequest[];
  lastRequest(): RecordedRequest | undefined;
  /** Forget recorded requests and restart the id sequence (`chatcmpl-mock000001`, ...). */
  reset(): void;
  close(): Promise<void>;
}

export interface MockProviderOptions {
  /** 0 (default) = ephemeral port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Pause between streamed events, default 0 (events are still separate writes). */
  streamDelayMs?: number;
}

/** Provider-neutral view of the usage numbers the mock reports. */
export interface MockUsage {
  /** OpenAI prompt_tokens, Anthropic input_tokens, Gemini promptTokenCount. */
  promptTokens: number;
  /** OpenAI completion_tokens, Anthropic output_tokens, Gemini candidatesTokenCount (final). */
  completionTokens: number;
  /** promptTokens + completionTokens (OpenAI total_tokens, Gemini totalTokenCount). */
  totalTokens: number;
  /** From x-mock-cached-tokens, default 0. Not added to any other number. */
  cachedTokens: number;
}

export interface MockToolCall {
  name: string;
  /** JSON text of the arguments / input / args object (compact JSON.stringify). */
  argumentsJson: string;
}

/** Everything the mock will say in reply to a request (except ids and timestamps). */
export interface MockResponsePlan {
  route: LlmRoute;
  /** The model echoed in the response (OpenAI: request model or Azure deployment; Gemini: path model). */
  model: string;
  stream: boolean;
  /** Gemini streamGenerateContent without `alt=sse` streams a JSON array instead of SSE. */
  sse: boolean;
  azure: boolean;
  vertex: boolean;
  /** OpenAI `n` (1 for the other providers). */
  n: number;
  /** OpenAI stream_options.include_usage. */
  includeUsage: boolean;
  /** Present when the answer is a tool call (then `texts` holds empty strings). */
  toolCall?: MockToolCall;
  /** Assistant text per choice index. */
  texts: string[];
  /** Content deltas per choice index, as streamed. */
  pieces: string[][];
  usage: MockUsage;
}

/** Loose request description accepted by {@link describeResponse} / {@link expectedUsage}. */
export interface MockRequestLike {
  path: string;
  body: Buffer | string | object;
  headers?: Record<string, string | undefined>;
}

// ---------------------------------------------------------------------------------------------------------------
// Usage formula
//
//   tokens(s)         = ceil(utf8ByteLength(s) / 4)
//   promptTokens      = tokens(all prompt text concatenated, no separators), where the prompt text is
//                         OpenAI:    every messages[].content string, and every `text` of content parts of type "text"
//                         Anthropic: `system` (string, or `text` of its blocks) + messages[].content likewise
//                         Gemini:    systemInstruction.parts[].text + contents[].parts[].text
//                       If the body is not a JSON object: ceil(rawBodyByteLength / 4).
//   completionTokens  = text answer:  sum over choices i of tokens(texts[i])
//                       tool call:    n * tokens(toolName + argumentsJson)
//                       + tokens(MOCK_THINKING) for an Anthropic request with thinking on
//   totalTokens       = promptTokens + completionTokens
//   cachedTokens      = x-mock-cached-tokens header, default 0 (reported only, never added).
//   choice texts      = texts[0] = x-mock-text-b64 | x-mock-text | fixture text; texts[i>0] = `Choice ${i}: ` + texts[0]
//                       each cut to max_completion_tokens | max_tokens tokens when the request names one
//
// Gemini streams report cumulative usage in every chunk: candidatesTokenCount = tokens(text streamed so far).
// Anthropic streams report output_tokens: 1 in message_start and the final completionTokens in message_delta.

export const BYTES_PER_TOKEN = 4;

export function tokensFor(text: string): number {
  return Math.ceil(Buffer.byteLength(text, 'utf8') / BYTES_PER_TOKEN);
}

export function completionTokensFor(text: string): number {
  return tokensFor(text);
}

export function toolCallTokensFor(call: MockToolCall): number {
  return tokensFor(call.name + call.argumentsJson);
}

/** The request's output cap: max_completion_tokens, else max_tokens (a positive integer). */
export function maxTokensOf(json: Record<string, unknown> | undefined): number | undefined {
  for (const f of ['max_completion_tokens', 'max_tokens']) {
    const v = json?.[f];
    if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  }
  return undefined;
}

/** A text cut so that it is at most `cap` tokens (whole characters), as a provider honours max_tokens. */
export function capText(text: string, cap: number | undefined): string {
  if (cap === undefined || tokensFor(text) <= cap) return text;
  let out = '';
  for (const ch of text) {
    if (Buffer.byteLength(out + ch, 'utf8') > cap * BYTES_PER_TOKEN) break;
    out += ch;
  }
  return out;
}

/** The text of choice `index` given the base (choice 0) text. */
export function choiceText(base: string, index: number): string {
  return index === 0 ? base : `Choice ${index}: ${base}`;
}

/**
 * How a text is cut into streamed content deltas: one word plus its trailing whitespace per delta
 * (leading whitespace goes with the first word). Empty text → no deltas.
 */
export function streamPieces(text: string): string[] {
  if (text === '') return [];
  const pieces = text.match(/\s*\S+\s*/g);
  return pieces ?? [text];
}

/** How tool-call argument JSON is cut into streamed deltas. */
export const TOOL_ARGS_PIECE_CHARS = 10;

export function toolArgPieces(argumentsJson: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argumentsJson.length; i += TOOL_ARGS_PIECE_CHARS) {
    out.push(argumentsJson.slice(i, i + TOOL_ARGS_PIECE_CHARS));
  }
  return out;
}

/** Prompt tokens the mock reports for a request body on a route. */
export function promptTokensFor(route: LlmRoute, body: Buffer | string | object): number {
  const raw = toBuffer(body);
  const json = tryParseJson(raw);
  if (!isObject(json.value)) return Math.ceil(raw.length / BYTES_PER_TOKEN);
  return tokensFor(promptTexts(route, json.value).join(''));
}

/** Exactly what the mock will answer to this request (ids and timestamps aside). */
export function describeResponse(req: MockRequestLike): MockResponsePlan {
  const url = new URL(req.path, 'http://mock.invalid');
  const info = classify('POST', url.pathname);
  if (info.route !== 'openai' && info.route !== 'anthropic' && info.route !== 'gemini') {
    throw new Error(`not an LLM route: ${req.path}`);
  }
  const headers = lowerKeys(req.headers ?? {});
  return plan(info, url, toBuffer(req.body), headers, loadFixtures());
}

/** The usage numbers the mock reports for this request (pass a RecordedRequest, or build one). */
export function expectedUsage(req: MockRequestLike): MockUsage {
  return describeResponse(req).usage;
}

// ---------------------------------------------------------------------------------------------------------------
// Fixtures

export interface MockFixtures {
  openai: {
    defaultModel: string;
    systemFingerprint: string;
    text: string;
    toolName: string;
    toolArgs: string;
  };
  anthropic: { defaultModel: string; text: string; toolName: string; toolArgs: string };
  gemini: { defaultModel: string; text: string; toolName: string; toolArgs: string };
}

let fixtureCache: MockFixtures | undefined;

/** Directory of the canned responses: `<repo>/mock-provider/fixtures` (works from the sources and from `dist`). */
export function fixturesDir(): string {
  const fromEnv = process.env['MOCK_PROVIDER_FIXTURES'];
  if (fromEnv) return fromEnv;
  let dir = import.meta.dirname;
  for (;;) {
    const candidate = path.join(dir, 'mock-provider', 'fixtures');
    if (existsSync(path.join(dir, 'package.json')) && existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir)
      throw new Error(`mock-provider: cannot find mock-provider/fixtures above ${import.meta.dirname}`);
    dir = parent;
  }
}

/** The canned texts and tool arguments (read once from mock-provider/fixtures). */
export function loadFixtures(): MockFixtures {
  if (fixtureCache) return fixtureCache;
  const dir = fixturesDir();
  const read = (name: string): Record<string, unknown> => {
    const v: unknown = JSON.parse(readFileSync(path.join(dir, name), 'utf8'));
    if (!isObject(v)) throw new Error(`mock-provider: ${name} is not a JSON object`);
    return v;
  };
  const str = (o: Record<string, unknown>, k: string, file: string): string => {
    const v = o[k];
    if (typeof v !== 'string') throw new Error(`mock-provider: ${file}: "${k}" must be a string`);
    return v;
  };
  const obj = (o: Record<string, unknown>, k: string, file: string): Record<string, unknown> => {
    const v = o[k];
    if (!isObject(v)) throw new Error(`mock-provider: ${file}: "${k}" must be an object`);
    return v;
  };
  const o = read('openai-chat.json');
  const oTool = obj(o, 'toolCall', 'openai-chat.json');
  const a = read('anthropic-messages.json');
  const aTool = obj(a, 'toolUse', 'anthropic-messages.json');
  const g = read('gemini-generate.json');
  const gTool = obj(g, 'functionCall', 'gemini-generate.json');
  fixtureCache = {
    openai: {
      defaultModel: str(o, 'defaultModel', 'openai-chat.json'),
      systemFingerprint: str(o, 'systemFingerprint', 'openai-chat.json'),
      text: str(o, 'text', 'openai-chat.json'),
      toolName: str(oTool, 'defaultName', 'openai-chat.json'),
      toolArgs: JSON.stringify(obj(oTool, 'arguments', 'openai-chat.json')),
    },
    anthropic: {
      defaultModel: str(a, 'defaultModel', 'anthropic-messages.json'),
      text: str(a, 'text', 'anthropic-messages.json'),
      toolName: str(aTool, 'defaultName', 'anthropic-messages.json'),
      toolArgs: JSON.stringify(obj(aTool, 'input', 'anthropic-messages.json')),
    },
    gemini: {
      defaultModel: str(g, 'defaultModel', 'gemini-generate.json'),
      text: str(g, 'text', 'gemini-generate.json'),
      toolName: str(gTool, 'defaultName', 'gemini-generate.json'),
      toolArgs: JSON.stringify(obj(gTool, 'args', 'gemini-generate.json')),
    },
  };
  return fixtureCache;
}

// ---------------------------------------------------------------------------------------------------------------
// Error bodies

const OPENAI_ERRORS: Record<number, [type: string, code: string | null]> = {
  400: ['invalid_request_error', 'invalid_value'],
  401: ['invalid_request_error', 'invalid_api_key'],
  403: ['invalid_request_error', 'permission_denied'],
  404: ['invalid_request_error', 'model_not_found'],
  429: ['requests', 'rate_limit_exceeded'],
  500: ['server_error', null],
  503: ['server_error', 'service_unavailable'],
};
const ANTHROPIC_ERRORS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};
const GEMINI_ERRORS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** The message used in every mock error body. */
export function errorMessage(status: number): string {
  return `mock provider error ${status}: ${http.STATUS_CODES[status] ?? 'Unknown'} (requested via x-mock-status)`;
}

/** The provider-shaped error body the mock sends for `x-mock-status: <status>`. */
export function errorBody(route: MockRoute, status: number): unknown {
  const message = errorMessage(status);
  switch (route) {
    case 'anthropic':
      return {
        type: 'error',
        error: {
          type: ANTHROPIC_ERRORS[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error'),
          message,
        },
      };
    case 'gemini':
      return {
        error: {
          code: status,
          message,
          status: GEMINI_ERRORS[status] ?? (status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION'),
        },
      };
    case 'openai':
    case 'health':
    case 'unknown': {
      const [type, code] = OPENAI_ERRORS[status] ?? [
        status >= 500 ? 'server_error' : 'invalid_request_error',
        null,
      ];
      return { error: { message, type, param: null, code } };
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Routing and planning (pure)

interface RouteInfo {
  route: MockRoute;
  azureDeployment?: string;
  geminiModel?: string;
  geminiStream?: boolean;
  vertex?: boolean;
}

function classify(method: string, rawPathname: string): RouteInfo {
  let pathname = rawPathname;
  try {
    pathname = decodeURIComponent(rawPathname);
  } catch {
    // keep the raw path
  }
  if (pathname === '/healthz' && (method === 'GET' || method === 'HEAD')) return { route: 'health' };
  if (method !== 'POST') return { route: 'unknown' };
  if (pathname.endsWith('/chat/completions')) {
    const m = /\/openai\/deployments\/([^/]+)\/chat\/completions$/.exec(pathname);
    return m?.[1] !== undefined ? { route: 'openai', azureDeployment: m[1] } : { route: 'openai' };
  }
  if (pathname.endsWith('/v1/messages')) return { route: 'anthropic' };
  const g = /\/models\/([^/:]+):(generateContent|streamGenerateContent)$/.exec(pathname);
  if (g?.[1] !== undefined) {
    return {
      route: 'gemini',
      geminiModel: g[1],
      geminiStream: g[2] === 'streamGenerateContent',
      vertex: pathname.includes('/projects/'),
    };
  }
  return { route: 'unknown' };
}

function plan(
  info: RouteInfo,
  url: URL,
  body: Buffer,
  headers: Record<string, string>,
  fx: MockFixtures,
): MockResponsePlan {
  const route = info.route as LlmRoute;
  const parsed = tryParseJson(body);
  const json = isObject(parsed.value) ? parsed.value : undefined;

  const b64 = headers['x-mock-text-b64'];
  const override = b64 !== undefined ? Buffer.from(b64, 'base64').toString('utf8') : headers['x-mock-text'];
  const cachedTokens = intHeader(headers, 'x-mock-cached-tokens') ?? 0;
  const promptTokens = promptTokensFor(route, body);

  let model: string;
  let stream: boolean;
  let sse = true;
  let n = 1;
  let includeUsage = false;
  let baseText: string;
  let toolCall: MockToolCall | undefined;
  // The output cap the request names (OpenAI max_completion_tokens | max_tokens, Anthropic max_tokens).
  const cap = maxTokensOf(json);
  switch (route) {
    case 'openai': {
      model =
        info.azureDeployment ??
        (typeof json?.['model'] === 'string' ? json['model'] : fx.openai.defaultModel);
      stream = json?.['stream'] === true;
      const rawN = json?.['n'];
      n = typeof rawN === 'number' && Number.isInteger(rawN) && rawN > 1 ? Math.min(rawN, 128) : 1;
      const so = json?.['stream_options'];
      includeUsage = stream && isObject(so) && so['include_usage'] === true;
      baseText = override ?? fx.openai.text;
      const tool = json && firstOpenAiTool(json);
      if (json && tool !== undefined && lastUserMentionsWeather(route, json)) {
        toolCall = { name: tool || fx.openai.toolName, argumentsJson: fx.openai.toolArgs };
      }
      break;
    }
    case 'anthropic': {
      model = typeof json?.['model'] === 'string' ? json['model'] : fx.anthropic.defaultModel;
      stream = json?.['stream'] === true;
      baseText = override ?? fx.anthropic.text;
      const tool = json && firstAnthropicTool(json);
      if (json && tool !== undefined && lastUserMentionsWeather(route, json)) {
        toolCall = { name: tool || fx.anthropic.toolName, argumentsJson: fx.anthropic.toolArgs };
      }
      break;
    }
    case 'gemini': {
      model = info.geminiModel ?? fx.gemini.defaultModel;
      stream = info.geminiStream === true;
      sse = !stream || url.searchParams.get('alt') === 'sse';
      baseText = override ?? fx.gemini.text;
      const tool = json && firstGeminiTool(json);
      if (json && tool !== undefined && lastUserMentionsWeather(route, json)) {
        toolCall = { name: tool || fx.gemini.toolName, argumentsJson: fx.gemini.toolArgs };
      }
      break;
    }
  }

  const texts: string[] = [];
  const pieces: string[][] = [];
  let completionTokens = 0;
  for (let i = 0; i < n; i++) {
    const t = toolCall ? '' : capText(choiceText(baseText, i), cap);
    texts.push(t);
    pieces.push(streamPieces(t));
    completionTokens += toolCall ? toolCallTokensFor(toolCall) : tokensFor(t);
  }
  // Anthropic counts thinking in output_tokens.
  if (route === 'anthropic' && mockThinking(json)) completionTokens += tokensFor(MOCK_THINKING);
  const result: MockResponsePlan = {
    route,
    model,
    stream,
    sse,
    azure: info.azureDeployment !== undefined,
    vertex: info.vertex === true,
    n,
    includeUsage,
    texts,
    pieces,
    usage: { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens, cachedTokens },
  };
  if (toolCall) result.toolCall = toolCall;
  return result;
}

/** Text pieces that make up the prompt, per the usage formula. */
function promptTexts(route: LlmRoute, json: Record<string, unknown>): string[] {
  const out: string[] = [];
  const addContent = (content: unknown): void => {
    if (typeof content === 'string') out.push(content);
    else if (Array.isArray(content)) {
      for (const part of content) {
        if (isObject(part) && part['type'] === 'text' && typeof part['text'] === 'string')
          out.push(part['text']);
      }
    }
  };
  const addParts = (holder: unknown): void => {
    if (!isObject(holder) || !Array.isArray(holder['parts'])) return;
    for (const part of holder['parts']) {
      if (isObject(part) && typeof part['text'] === 'string') out.push(part['text']);
    }
  };
  switch (route) {
    case 'openai':
    case 'anthropic':
      if (route === 'anthropic') addContent(json['system']);
      if (Array.isArray(json['messages'])) {
        for (const m of json['messages']) if (isObject(m)) addContent(m['content']);
      }
      break;
    case 'gemini':
      addParts(json['systemInstruction'] ?? json['system_instruction']);
      if (Array.isArray(json['contents'])) for (const c of json['contents']) addParts(c);
      break;
  }
  return out;
}

function lastUserMentionsWeather(route: LlmRoute, json: Record<string, unknown>): boolean {
  let text = '';
  if (route === 'gemini') {
    const contents = Array.isArray(json['contents']) ? json['contents'] : [];
    const last = contents
      .filter((c) => isObject(c) && (c['role'] === undefined || c['role'] === 'user'))
      .at(-1);
    text = promptTexts('gemini', { contents: last === undefined ? [] : [last] }).join(' ');
  } else {
    const messages = Array.isArray(json['messages']) ? json['messages'] : [];
    const last: unknown = messages.filter((m) => isObject(m) && m['role'] === 'user').at(-1);
    text = promptTexts('openai', { messages: last === undefined ? [] : [last] }).join(' ');
  }
  return /weather/i.test(text);
}

/** undefined = no tools declared; '' = tools declared but no usable name. */
function firstOpenAiTool(json: Record<string, unknown>): string | undefined {
  const tools = json['tools'];
  if (!Array.isArray(tools) || tools.length === 0) return undefined;
  const first: unknown = tools[0];
  const fn = isObject(first) ? first['function'] : undefined;
  return isObject(fn) && typeof fn['name'] === 'string' ? fn['name'] : '';
}

function firstAnthropicTool(json: Record<string, unknown>): string | undefined {
  const tools = json['tools'];
  if (!Array.isArray(tools) || tools.length === 0) return undefined;
  const first: unknown = tools[0];
  return isObject(first) && typeof first['name'] === 'string' ? first['name'] : '';
}

function firstGeminiTool(json: Record<string, unknown>): string | undefined {
  const tools = json['tools'];
  if (!Array.isArray(tools) || tools.length === 0) return undefined;
  for (const t of tools) {
    const decls = isObject(t) ? (t['functionDeclarations'] ?? t['function_declarations']) : undefined;
    if (Array.isArray(decls) && decls.length > 0) {
      const d: unknown = decls[0];
      return isObject(d) && typeof d['name'] === 'string' ? d['name'] : '';
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Response bodies

interface Ids {
  seq: string;
  created: number;
}

function openaiUsage(u: MockUsage): Record<string, unknown> {
  return {
    prompt_tokens: u.promptTokens,
    completion_tokens: u.completionTokens,
    total_tokens: u.totalTokens,
    prompt_tokens_details: { cached_tokens: u.cachedTokens, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

const AZURE_FILTER = {
  hate: { filtered: false, severity: 'safe' },
  self_harm: { filtered: false, severity: 'safe' },
  sexual: { filtered: false, severity: 'safe' },
  violence: { filtered: false, severity: 'safe' },
};

function toolCallId(prefix: string, ids: Ids, index: number): string {
  return index === 0 ? `${prefix}${ids.seq}` : `${prefix}${ids.seq}_${index}`;
}

function openaiJson(p: MockResponsePlan, ids: Ids, fx: MockFixtures): unknown {
  const choices = p.texts.map((text, index) => {
    const message: Record<string, unknown> = {
      role: 'assistant',
      content: p.toolCall ? null : text,
      refusal: null,
      annotations: [],
    };
    if (p.toolCall) {
      message['tool_calls'] = [
        {
          id: toolCallId('call_mock', ids, index),
          type: 'function',
          function: { name: p.toolCall.name, arguments: p.toolCall.argumentsJson },
        },
      ];
    }
    const choice: Record<string, unknown> = {
      index,
      message,
      logprobs: null,
      finish_reason: p.toolCall ? 'tool_calls' : 'stop',
    };
    if (p.azure) choice['content_filter_results'] = AZURE_FILTER;
    return choice;
  });
  const out: Record<string, unknown> = {
    id: `chatcmpl-mock${ids.seq}`,
    object: 'chat.completion',
    created: ids.created,
    model: p.model,
    choices,
    usage: openaiUsage(p.usage),
    service_tier: 'default',
    system_fingerprint: fx.openai.systemFingerprint,
  };
  if (p.azure) {
    out['prompt_filter_results'] = [
      {
        prompt_index: 0,
        content_filter_results: { ...AZURE_FILTER, jailbreak: { filtered: false, detected: false } },
      },
    ];
  }
  return out;
}

function openaiChunks(p: MockResponsePlan, ids: Ids, fx: MockFixtures): unknown[] {
  const out: unknown[] = [];
  const chunk = (choices: unknown[], usage?: unknown): Record<string, unknown> => {
    const c: Record<string, unknown> = {
      id: `chatcmpl-mock${ids.seq}`,
      object: 'chat.completion.chunk',
      created: ids.created,
      model: p.model,
      service_tier: 'default',
      system_fingerprint: fx.openai.systemFingerprint,
      choices,
    };
    if (p.includeUsage) c['usage'] = usage ?? null;
    return c;
  };
  const choice = (index: number, delta: unknown, finish: string | null = null): unknown => ({
    index,
    delta,
    logprobs: null,
    finish_reason: finish,
  });
  if (p.azure) {
    out.push({
      choices: [],
      created: 0,
      id: '',
      model: '',
      object: '',
      prompt_filter_results: [
        {
          prompt_index: 0,
          content_filter_results: { ...AZURE_FILTER, jailbreak: { filtered: false, detected: false } },
        },
      ],
    });
  }
  const tool = p.toolCall;
  for (let i = 0; i < p.n; i++) {
    if (tool) {
      out.push(
        chunk([
          choice(i, {
            role: 'assistant',
            content: null,
            tool_calls: [
              {
                index: 0,
                id: toolCallId('call_mock', ids, i),
                type: 'function',
                function: { name: tool.name, arguments: '' },
              },
            ],
            refusal: null,
          }),
        ]),
      );
    } else {
      out.push(chunk([choice(i, { role: 'assistant', content: '', refusal: null })]));
    }
  }
  const perChoice = tool ? p.texts.map(() => toolArgPieces(tool.argumentsJson)) : p.pieces;
  const rounds = Math.max(0, ...perChoice.map((x) => x.length));
  for (let k = 0; k < rounds; k++) {
    for (let i = 0; i < p.n; i++) {
      const piece = perChoice[i]?.[k];
      if (piece === undefined) continue;
      const delta = tool
        ? { tool_calls: [{ index: 0, function: { arguments: piece } }] }
        : { content: piece };
      out.push(chunk([choice(i, delta)]));
    }
  }
  for (let i = 0; i < p.n; i++) out.push(chunk([choice(i, {}, tool ? 'tool_calls' : 'stop')]));
  if (p.includeUsage) out.push(chunk([], openaiUsage(p.usage)));
  return out;
}

function anthropicUsage(u: MockUsage, outputTokens: number): Record<string, unknown> {
  return {
    input_tokens: u.promptTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: u.cachedTokens,
    output_tokens: outputTokens,
  };
}

function anthropicJson(p: MockResponsePlan, ids: Ids, request: unknown): unknown {
  const content = p.toolCall
    ? [
        {
          type: 'tool_use',
          id: `toolu_mock${ids.seq}`,
          name: p.toolCall.name,
          input: JSON.parse(p.toolCall.argumentsJson) as unknown,
        },
      ]
    : [{ type: 'text', text: p.texts[0] ?? '' }];
  return {
    id: `msg_mock${ids.seq}`,
    type: 'message',
    role: 'assistant',
    model: p.model,
    content: withThinkingBlock(content, request),
    stop_reason: p.toolCall ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: anthropicUsage(p.usage, p.usage.completionTokens),
  };
}

/** [event name, data] pairs. */
function anthropicEvents(p: MockResponsePlan, ids: Ids): [string, unknown][] {
  const out: [string, unknown][] = [];
  out.push([
    'message_start',
    {
      type: 'message_start',
      message: {
        id: `msg_mock${ids.seq}`,
        type: 'message',
        role: 'assistant',
        model: p.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: anthropicUsage(p.usage, 1),
      },
    },
  ]);
  const tool = p.toolCall;
  const block = tool
    ? { type: 'tool_use', id: `toolu_mock${ids.seq}`, name: tool.name, input: {} }
    : { type: 'text', text: '' };
  out.push(['content_block_start', { type: 'content_block_start', index: 0, content_block: block }]);
  out.push(['ping', { type: 'ping' }]);
  const pieces = tool ? toolArgPieces(tool.argumentsJson) : (p.pieces[0] ?? []);
  for (const piece of pieces) {
    const delta = tool
      ? { type: 'input_json_delta', partial_json: piece }
      : { type: 'text_delta', text: piece };
    out.push(['content_block_delta', { type: 'content_block_delta', index: 0, delta }]);
  }
  out.push(['content_block_stop', { type: 'content_block_stop', index: 0 }]);
  out.push([
    'message_delta',
    {
      type: 'message_delta',
      delta: { stop_reason: tool ? 'tool_use' : 'end_turn', stop_sequence: null },
      usage: { output_tokens: p.usage.completionTokens },
    },
  ]);
  out.push(['message_stop', { type: 'message_stop' }]);
  return out;
}

function geminiUsage(u: MockUsage, candidatesTokenCount: number): Record<string, unknown> {
  const out: Record<string, unknown> = {
    promptTokenCount: u.promptTokens,
    candidatesTokenCount,
    totalTokenCount: u.promptTokens + candidatesTokenCount,
  };
  if (u.cachedTokens > 0) out['cachedContentTokenCount'] = u.cachedTokens;
  return out;
}

function geminiResponse(
  p: MockResponsePlan,
  ids: Ids,
  part: Record<string, unknown>,
  finish: boolean,
  candidatesTokenCount: number,
): Record<string, unknown> {
  const candidate: Record<string, unknown> = { content: { parts: [part], role: 'model' } };
  if (finish) candidate['finishReason'] = 'STOP';
  candidate['index'] = 0;
  const out: Record<string, unknown> = {
    candidates: [candidate],
    usageMetadata: geminiUsage(p.usage, candidatesTokenCount),
    modelVersion: p.model,
    responseId: `mock${ids.seq}`,
  };
  if (p.vertex) out['createTime'] = new Date(ids.created * 1000).toISOString();
  return out;
}

function geminiFunctionCall(tool: MockToolCall, ids: Ids): Record<string, unknown> {
  return {
    functionCall: {
      id: `fc_mock${ids.seq}`,
      name: tool.name,
      args: JSON.parse(tool.argumentsJson) as unknown,
    },
  };
}

function geminiJson(p: MockResponsePlan, ids: Ids): unknown {
  const part = p.toolCall ? geminiFunctionCall(p.toolCall, ids) : { text: p.texts[0] ?? '' };
  return geminiResponse(p, ids, part, true, p.usage.completionTokens);
}

function geminiChunks(p: MockResponsePlan, ids: Ids): unknown[] {
  if (p.toolCall)
    return [geminiResponse(p, ids, geminiFunctionCall(p.toolCall, ids), true, p.usage.completionTokens)];
  const pieces = p.pieces[0] ?? [];
  if (pieces.length === 0) return [geminiResponse(p, ids, { text: '' }, true, 0)];
  let soFar = '';
  return pieces.map((piece, k) => {
    soFar += piece;
    return geminiResponse(p, ids, { text: piece }, k === pieces.length - 1, tokensFor(soFar));
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Server

type Framing = 'lf' | 'crlf' | 'kgateway';

export async function startMockProvider(opts: MockProviderOptions = {}): Promise<MockProvider> {
  const fx = loadFixtures();
  const host = opts.host ?? '127.0.0.1';
  const defaultStreamDelay = opts.streamDelayMs ?? 0;
  const requests: RecordedRequest[] = [];
  let seq = 0;
  const sockets = new Set<Socket>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const rawPath = req.url ?? '/';
    const url = new URL(rawPath, 'http://mock.invalid');
    const info = classify(req.method ?? 'GET', url.pathname);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
    }

    if (info.route === 'health') {
      sendJson(res, 200, { status: 'ok' }, {});
      return;
    }
    const parsed = tryParseJson(body);
    const rec: RecordedRequest = {
      method: req.method ?? '',
      path: rawPath,
      headers,
      body,
      route: info.route,
    };
    if (parsed.ok) rec.json = parsed.value;
    requests.push(rec);
    seq += 1;
    const ids: Ids = { seq: String(seq).padStart(6, '0'), created: Math.floor(Date.now() / 1000) };

    const delay = intHeader(headers, 'x-mock-delay-ms');
    if (delay !== undefined && delay > 0) await sleep(delay);

    const out: BodyOptions = {
      gzip: headers['x-mock-gzip'] === '1' || headers['x-mock-gzip'] === 'true',
      chunkBytes: intHeader(headers, 'x-mock-chunk-bytes'),
      chunkDelayMs: intHeader(headers, 'x-mock-chunk-delay-ms') ?? 0,
    };

    if (info.route === 'unknown' && handleEmbeddings(rawPath, headers, rec.json, res)) return;
    if (info.route === 'unknown' && handleBedrock(url.pathname, req.headers, rec.json, res)) return;
    if (info.route === 'unknown' && handleResponses(url.pathname, rec.json, ids.seq, res)) return;
    if (info.route === 'unknown' && /\/models\/[^/:]+:countTokens$/.test(url.pathname)) {
      // Gemini's countTokens: the count a generateContent with these contents reports as promptTokenCount.
      const j = isObject(rec.json) ? rec.json : {};
      const inner = isObject(j['generateContentRequest']) ? j['generateContentRequest'] : j;
      const problems = geminiRequestProblems(inner);
      if (problems.length > 0) {
        const err = { error: { code: 400, message: problems.join('; '), status: 'INVALID_ARGUMENT' } };
        sendJson(res, 400, err, out, { 'x-mock-provider': 'gemini' });
        return;
      }
      sendJson(res, 200, { totalTokens: promptTokensFor('gemini', JSON.stringify(inner)) }, out, {
        'x-mock-provider': 'gemini',
      });
      return;
    }
    if (info.route === 'unknown' && isCountTokensRoute(url.pathname)) {
      const answer = countTokensAnswer(rec.json, promptTokensFor('anthropic', body));
      sendJson(res, answer.status, JSON.parse(answer.body), out, { 'x-mock-provider': 'anthropic' });
      return;
    }
    // Claude on Vertex (rawPredict) or Bedrock (InvokeModel): answered as Anthropic Messages.
    const onPlatform = info.route === 'unknown' ? claudePlatformRoute(url.pathname) : undefined;
    if (onPlatform) {
      const problems = claudePlatformProblems(onPlatform, rec.json);
      if (problems.length > 0) {
        const r = claudePlatformRefusal(onPlatform, problems);
        res.writeHead(400, r.headers).end(r.body);
        return;
      }
    }
    const answerJson = onPlatform && isObject(rec.json) ? anthropicBody(onPlatform, rec.json) : rec.json;
    if (info.route === 'unknown' && !onPlatform) {
      sendJson(res, 404, errorBody('unknown', 404), out, { 'x-mock-provider': 'unknown' });
      return;
    }

    const p = onPlatform
      ? plan({ route: 'anthropic' }, url, Buffer.from(JSON.stringify(answerJson)), headers, fx)
      : plan(info, url, body, headers, fx);
    const extra: Record<string, string> = {
      'x-mock-provider': p.route,
      'x-request-id': `req_mock${ids.seq}`,
    };
    let status = 200;
    const wanted = intHeader(headers, 'x-mock-status');
    if (wanted !== undefined && wanted >= 400 && wanted <= 599) {
      if (wanted === 429) extra['retry-after'] = '1';
      await sendBody(res, wanted, JSON.stringify(errorBody(p.route, wanted)), 'application/json', out, extra);
      return;
    }
    if (wanted !== undefined && wanted >= 200 && wanted <= 299 && wanted !== 204 && wanted !== 205)
      status = wanted;
    // The provider's documented 400 rules (mock-provider/rules/), thinking signatures verified.
    const violation = parsed.ok ? ruleViolation(p.route, answerJson, p.azure) : undefined;
    const geminiViolation = parsed.ok ? geminiRuleViolation(p.route, parsed.value, p.model) : undefined;
    if (geminiViolation !== undefined)
      return sendBody(res, 400, JSON.stringify(geminiViolation), 'application/json', out, extra);
    if (violation !== undefined) {
      await sendBody(res, 400, JSON.stringify(violation), 'application/json', out, extra);
      return;
    }

    if (!p.stream) {
      const json =
        p.route === 'openai'
          ? withOpenAIReasoning(openaiJson(p, ids, fx), rec.json)
          : p.route === 'anthropic'
            ? anthropicJson(p, ids, answerJson)
            : withGeminiThoughts(geminiJson(p, ids), rec.json, p.model);
      await sendBody(res, status, JSON.stringify(json), 'application/json', out, extra);
      return;
    }

    const framingRaw = headers['x-mock-sse-framing'] ?? url.searchParams.get('mock_sse_framing') ?? undefined;
    const framing: Framing | undefined =
      framingRaw === 'lf' || framingRaw === 'crlf' || framingRaw === 'kgateway' ? framingRaw : undefined;
    let frames: (string | Buffer)[];
    let contentType = 'text/event-stream; charset=utf-8';
    switch (p.route) {
      case 'openai': {
        const sep = framing === 'crlf' ? '\r\n\r\n' : '\n\n';
        frames = withOpenAIReasoningChunks(openaiChunks(p, ids, fx), rec.json).map(
          (c) => `data: ${JSON.stringify(c)}${sep}`,
        );
        frames.push(`data: [DONE]${sep}`);
        break;
      }
      case 'anthropic': {
        const nl = framing === 'crlf' ? '\r\n' : '\n';
        const events = withThinkingEvents(anthropicEvents(p, ids), answerJson);
        if (onPlatform?.platform === 'bedrock') {
          contentType = 'application/vnd.amazon.eventstream';
          frames = events.map(([, d]) => bedrockChunkFrame(withInvocationMetrics(d, p.usage)));
          break;
        }
        frames = events.map(([e, d]) => `event: ${e}${nl}data: ${JSON.stringify(d)}${nl}${nl}`);
        break;
      }
      case 'gemini': {
        const chunksOut = withGeminiThoughtChunks(geminiChunks(p, ids), rec.json, p.model).map((c) =>
          JSON.stringify(c),
        );
        if (p.sse) {
          contentType = 'text/event-stream';
          const sep = framing === 'lf' ? '\n\n' : framing === 'kgateway' ? '\n\r\n\r\n' : '\r\n\r\n';
          frames = chunksOut.map((c) => `data: ${c}${sep}`);
        } else {
          contentType = 'application/json; charset=UTF-8';
          frames = chunksOut.map((c, i) => `${i === 0 ? '[' : ',\r\n'}${c}\n`);
          frames.push(']');
        }
        break;
      }
    }
    await sendStream(res, status, frames, contentType, out, extra, {
      eventDelayMs: intHeader(headers, 'x-mock-stream-delay-ms') ?? defaultStreamDelay,
      abortAfter: intHeader(headers, 'x-mock-stream-abort-after'),
    });
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      try {
        if (!res.headersSent && !res.destroyed) {
          sendJson(res, 500, { error: { message: String(err), type: 'mock_internal_error' } }, {});
        } else {
          res.destroy();
        }
      } catch {
        res.destroy();
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (s: Socket) => {
    s.setNoDelay(true);
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.listen(opts.port ?? 0, host);
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}`,
    port,
    requests,
    lastRequest: () => requests.at(-1),
    reset: () => {
      requests.length = 0;
      seq = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        for (const s of sockets) s.destroy();
      }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Writing

interface BodyOptions {
  gzip: boolean;
  chunkBytes: number | undefined;
  chunkDelayMs: number;
}

function pause(ms: number): Promise<void> {
  return ms > 0 ? sleep(ms) : new Promise((resolve) => setImmediate(resolve));
}

/** Writes a body either as-is or as a byte stream cut into fixed-size writes. */
class BodyWriter {
  private pending: Buffer = Buffer.alloc(0);

  constructor(
    private readonly res: ServerResponse,
    private readonly chunkBytes: number | undefined,
    private readonly chunkDelayMs: number,
  ) {}

  get closed(): boolean {
    return this.res.destroyed || this.res.writableEnded;
  }

  async write(data: string | Buffer): Promise<void> {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const n = this.chunkBytes;
    if (n === undefined || n <= 0) {
      await this.raw(buf);
      return;
    }
    this.pending = this.pending.length === 0 ? buf : Buffer.concat([this.pending, buf]);
    while (this.pending.length >= n && !this.closed) {
      const slice = this.pending.subarray(0, n);
      this.pending = this.pending.subarray(n);
      await this.raw(slice);
      await pause(this.chunkDelayMs);
    }
  }

  async flush(): Promise<void> {
    if (this.pending.length > 0) {
      const rest = this.pending;
      this.pending = Buffer.alloc(0);
      await this.raw(rest);
    }
  }

  async end(): Promise<void> {
    await this.flush();
    if (!this.closed) this.res.end();
  }

  private async raw(buf: Buffer): Promise<void> {
    if (this.closed || buf.length === 0) return;
    if (!this.res.write(buf)) {
      await Promise.race([once(this.res, 'drain'), once(this.res, 'close')]);
    }
  }
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  out: Partial<BodyOptions>,
  extra: Record<string, string> = {},
): void {
  void sendBody(
    res,
    status,
    JSON.stringify(body),
    'application/json',
    { gzip: out.gzip ?? false, chunkBytes: out.chunkBytes, chunkDelayMs: out.chunkDelayMs ?? 0 },
    extra,
  ).catch(() => res.destroy());
}

async function sendBody(
  res: ServerResponse,
  status: number,
  text: string,
  contentType: string,
  out: BodyOptions,
  extra: Record<string, string>,
): Promise<void> {
  let buf = Buffer.from(text, 'utf8');
  const headers: Record<string, string | number> = { 'content-type': contentType, ...extra };
  if (out.gzip) {
    buf = gzipSync(buf);
    headers['content-encoding'] = 'gzip';
  }
  if (out.chunkBytes === undefined || out.chunkBytes <= 0) {
    headers['content-length'] = buf.length;
    res.writeHead(status, headers);
    res.end(buf);
    return;
  }
  res.writeHead(status, headers);
  res.flushHeaders();
  const w = new BodyWriter(res, out.chunkBytes, out.chunkDelayMs);
  await w.write(buf);
  await w.end();
}

async function sendStream(
  res: ServerResponse,
  status: number,
  frames: (string | Buffer)[],
  contentType: string,
  out: BodyOptions,
  extra: Record<string, string>,
  s: { eventDelayMs: number; abortAfter: number | undefined },
): Promise<void> {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-cache', ...extra });
  res.flushHeaders();
  const w = new BodyWriter(res, out.chunkBytes, out.chunkDelayMs);
  for (let i = 0; i < frames.length; i++) {
    if (w.closed) return;
    if (i > 0) await pause(s.eventDelayMs);
    await w.write(frames[i] ?? '');
    if (s.abortAfter !== undefined && i + 1 >= s.abortAfter) {
      await w.flush();
      // Give the socket a moment to push the written bytes out, then cut the connection.
      await pause(5);
      res.socket?.destroy();
      return;
    }
  }
  await w.end();
}

// ---------------------------------------------------------------------------------------------------------------
// Small utilities

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function toBuffer(body: Buffer | string | object): Buffer {
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.from(JSON.stringify(body), 'utf8');
}

function tryParseJson(buf: Buffer): { ok: true; value: unknown } | { ok: false; value: undefined } {
  if (buf.length === 0) return { ok: false, value: undefined };
  try {
    return { ok: true, value: JSON.parse(buf.toString('utf8')) as unknown };
  } catch {
    return { ok: false, value: undefined };
  }
}

function lowerKeys(h: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k.toLowerCase()] = v;
  return out;
}

function intHeader(headers: Record<string, string>, name: string): number | undefined {
  const v = headers[name];
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v.trim());
  return Number.isFinite(n) && n >= 0 ? Math.floor(n) : undefined;
}

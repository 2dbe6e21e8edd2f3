/**
 * Request classification (which provider API a path is) and the response plan: everything the mock will
 * answer to a request (model, streaming, texts, tool call, usage), computed without side effects.
 */
import { MOCK_THINKING, mockThinking } from './anthropic-thinking.js';
import { loadFixtures } from './fixtures.js';
import type { MockFixtures } from './fixtures.js';
import type {
  LlmRoute,
  MockRequestLike,
  MockResponsePlan,
  MockRoute,
  MockToolCall,
  MockUsage,
} from './types.js';
import {
  capText,
  choiceText,
  maxTokensOf,
  promptTexts,
  promptTokensFor,
  streamPieces,
  tokensFor,
  toolCallTokensFor,
} from './usage.js';
import { intHeader, isObject, lowerKeys, toBuffer, tryParseJson } from './util.js';

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

export interface RouteInfo {
  route: MockRoute;
  azureDeployment?: string;
  geminiModel?: string;
  geminiStream?: boolean;
  vertex?: boolean;
}

export function classify(method: string, rawPathname: string): RouteInfo {
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

export function plan(
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

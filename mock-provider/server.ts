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
 * Everything it says is deterministic (see "Usage formula" in mock-provider/usage.ts and {@link describeResponse}), so a test
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
import { ruleViolation, withThinkingEvents } from './anthropic-thinking.js';
import { geminiRuleViolation, withGeminiThoughtChunks, withGeminiThoughts } from './gemini-thinking.js';
import { geminiRequestProblems } from './rules/gemini.js';
import { withOpenAIReasoning, withOpenAIReasoningChunks } from './openai-reasoning.js';
import { errorBody } from './errors.js';
import { loadFixtures } from './fixtures.js';
import { sendBody, sendJson, sendStream } from './http-send.js';
import type { BodyOptions } from './http-send.js';
import { classify, plan } from './plan.js';
import { anthropicEvents, anthropicJson } from './render-anthropic.js';
import { geminiChunks, geminiJson } from './render-gemini.js';
import { openaiChunks, openaiJson } from './render-openai.js';
import type { Ids, MockProvider, MockProviderOptions, RecordedRequest } from './types.js';
import { promptTokensFor } from './usage.js';
import { intHeader, isObject, tryParseJson } from './util.js';
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

// The public API, re-exported so importers of mock-provider/server.js keep working.
export type {
  LlmRoute,
  MockProvider,
  MockProviderOptions,
  MockRequestLike,
  MockResponsePlan,
  MockRoute,
  MockToolCall,
  MockUsage,
  RecordedRequest,
} from './types.js';
export {
  BYTES_PER_TOKEN,
  TOOL_ARGS_PIECE_CHARS,
  capText,
  choiceText,
  completionTokensFor,
  maxTokensOf,
  promptTokensFor,
  streamPieces,
  tokensFor,
  toolArgPieces,
  toolCallTokensFor,
} from './usage.js';
export { describeResponse, expectedUsage } from './plan.js';
export type { MockFixtures } from './fixtures.js';
export { fixturesDir, loadFixtures } from './fixtures.js';
export { errorBody, errorMessage } from './errors.js';

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

/**
 * Claude on Vertex AI (`publishers/anthropic/models/{m}:rawPredict` / `:streamRawPredict`) and on
 * Bedrock InvokeModel (`/model/{id}/invoke` / `/invoke-with-response-stream`) for the mock provider.
 *
 * The body is an Anthropic Messages request with the platform's `anthropic_version` and no `model`
 * (Bedrock: no `stream` either; the path decides). A request that breaks these rules, or any of
 * Anthropic's (rules/anthropic.ts, thinking signatures verified), is refused as the platform does:
 * Vertex passes Claude's error on in Anthropic's format; Bedrock answers a ValidationException.
 * A valid one is answered as the Anthropic Messages API would answer it (server.ts does that from
 * `anthropicBody`); Bedrock's stream wraps each Anthropic event in an event-stream `chunk` frame.
 */
import { encodeEventStreamMessage } from '../src/providers/bedrock/index.js';
import { anthropicRequestProblems } from './rules/anthropic.js';
import { verifyThinkingSignature } from './rules/signature.js';

export type Platform = 'vertex' | 'bedrock';
export interface PlatformRoute {
  readonly platform: Platform;
  readonly model: string;
  readonly stream: boolean;
}

const VERSION: Readonly<Record<Platform, string>> = {
  vertex: 'vertex-2023-10-16',
  bedrock: 'bedrock-2023-05-31',
};
const VERTEX =
  /\/projects\/[^/]+\/locations\/[^/]+\/publishers\/anthropic\/models\/([^/:]+):(rawPredict|streamRawPredict)$/;
const BEDROCK = /^\/model\/([^/]+)\/(invoke|invoke-with-response-stream)$/;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The platform route a path names, if any. */
export function claudePlatformRoute(pathname: string): PlatformRoute | undefined {
  let p = pathname;
  try {
    p = decodeURIComponent(pathname);
  } catch {
    // keep the raw path
  }
  const v = VERTEX.exec(p);
  if (v?.[1] !== undefined) return { platform: 'vertex', model: v[1], stream: v[2] === 'streamRawPredict' };
  const b = BEDROCK.exec(p);
  if (b?.[1] !== undefined)
    return { platform: 'bedrock', model: b[1], stream: b[2] === 'invoke-with-response-stream' };
  return undefined;
}

/** The Anthropic Messages request the platform body stands for (what Anthropic's rules check). */
export function anthropicBody(r: PlatformRoute, json: Obj): Obj {
  const { anthropic_version: _version, anthropic_beta: _beta, ...rest } = json;
  return { ...rest, model: r.model, ...(r.stream ? { stream: true } : {}) };
}

/** The platform's own rules (version, no model, Bedrock: no stream), then Anthropic's. */
export function claudePlatformProblems(r: PlatformRoute, json: unknown): string[] {
  if (!isObj(json)) return ['The request body must be a JSON object'];
  const out: string[] = [];
  if (json.anthropic_version !== VERSION[r.platform])
    out.push(`anthropic_version: must be "${VERSION[r.platform]}"`);
  if ('model' in json) out.push('model: Extra inputs are not permitted (the model is in the path)');
  if (r.platform === 'bedrock' && 'stream' in json) out.push('stream: Extra inputs are not permitted');
  const beta = json.anthropic_beta;
  if (
    beta !== undefined &&
    (r.platform !== 'bedrock' || !Array.isArray(beta) || !beta.every((b) => typeof b === 'string'))
  )
    out.push('anthropic_beta: must be a list of strings (Bedrock only)');
  if (r.platform === 'vertex' && r.stream && json.stream !== true)
    out.push('stream: must be true for streamRawPredict');
  if (out.length > 0) return out;
  return anthropicRequestProblems(anthropicBody(r, json), { verifySignature: verifyThinkingSignature });
}

/** The platform's 400 for `problems`: status, headers, body. */
export function claudePlatformRefusal(
  r: PlatformRoute,
  problems: readonly string[],
): { headers: Record<string, string>; body: string } {
  const message = problems.join('; ');
  if (r.platform === 'vertex')
    return {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message } }),
    };
  return {
    headers: {
      'content-type': 'application/json',
      'x-amzn-errortype': 'ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/',
    },
    body: JSON.stringify({ message }),
  };
}

/** One Bedrock InvokeModel stream frame holding one Anthropic stream event. */
export function bedrockChunkFrame(event: unknown): Buffer {
  const bytes = Buffer.from(JSON.stringify(event)).toString('base64');
  return encodeEventStreamMessage(
    { ':event-type': 'chunk', ':content-type': 'application/json', ':message-type': 'event' },
    JSON.stringify({ bytes }),
  );
}

/** Bedrock adds its invocation metrics to the stream's `message_stop` event. */
export function withInvocationMetrics(
  event: unknown,
  usage: { readonly promptTokens: number; readonly completionTokens: number },
): unknown {
  if (!isObj(event) || event.type !== 'message_stop') return event;
  return {
    ...event,
    'amazon-bedrock-invocationMetrics': {
      inputTokenCount: usage.promptTokens,
      outputTokenCount: usage.completionTokens,
      invocationLatency: 12,
      firstByteLatency: 5,
    },
  };
}

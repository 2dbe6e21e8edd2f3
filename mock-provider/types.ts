/**
 * The mock provider's public types: recorded requests, the server handle and options, and the response plan
 * (what the mock will answer, usage included) that tests compute with describeResponse / expectedUsage.
 */

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

/** Per-request ids: the zero-padded sequence number and the `created` timestamp (seconds). */
export interface Ids {
  seq: string;
  created: number;
}

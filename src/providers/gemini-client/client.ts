/**
 * The Gemini-native client API (`models/{m}:generateContent`, `:streamGenerateContent` with and
 * without `alt=sse`) over the canonical chat form. One adapter per request shape: the model and
 * the stream form come from the path, so the adapter is made for the call (`geminiClientFor`).
 */
import type { ClientAdapter, Json } from '../translate/types.js';
import type { GeminiCall } from './paths.js';
import { geminiToOpenAIRequest } from './gemini-to-openai.request.js';
import { openAIToGeminiResponse } from './openai-to-gemini.response.js';
import { OpenAIToGeminiStream } from './openai-to-gemini.stream.js';
import { openAIToGeminiError } from './openai-to-gemini.error.js';

export interface GeminiClientAdapter extends ClientAdapter {
  readonly call: GeminiCall | undefined;
  /** The content-type of this call's stream (SSE, or the JSON array). */
  readonly streamContentType: string;
  /** What the Gemini body carries that the canonical form cannot (x-ai-extproc-dropped-params). */
  droppedParams(body: Json): string[];
}

const streams = (call: GeminiCall | undefined): boolean => call?.method === 'streamGenerateContent';

export function geminiClientFor(call: GeminiCall | undefined): GeminiClientAdapter {
  return {
    api: 'gemini',
    call,
    streamContentType: call?.sse === false ? 'application/json' : 'text/event-stream',
    request: (body) => geminiToOpenAIRequest(body, call?.model ?? '', streams(call), new Set()),
    ...(call ? { pathModel: { model: call.model, stream: streams(call) } } : {}),
    droppedParams: (body) => {
      const dropped = new Set<string>();
      try {
        geminiToOpenAIRequest(body, call?.model ?? '', streams(call), dropped);
      } catch {
        // invalid requests are refused by request() itself
      }
      return [...dropped];
    },
    response: openAIToGeminiResponse,
    error: openAIToGeminiError,
    stream: () => new OpenAIToGeminiStream(call?.sse !== false),
  };
}

/** The shape-free adapter (errors, cache hits rendered as JSON or SSE). */
export const geminiClient: GeminiClientAdapter = geminiClientFor(undefined);

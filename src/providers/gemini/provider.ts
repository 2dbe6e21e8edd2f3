/** The Gemini (AI Studio) and Vertex AI provider adapters; they differ only in the path. */
import type {
  CanonicalError,
  Json,
  OpenAIChatCompletion,
  OpenAIChatRequest,
  ProviderAdapter,
  ProviderKind,
  ProviderStreamDecoder,
  TranslatedRequest,
  UpstreamTarget,
} from '../translate/types.js';
import { geminiToOpenAIError } from './gemini-to-openai.error.js';
import { geminiPath, vertexPath } from './paths.js';
import { openAIToGeminiRequest } from './openai-to-gemini.request.js';
import { geminiToOpenAIResponse } from './gemini-to-openai.response.js';
import { geminiToOpenAIStream } from './gemini-to-openai.stream.js';

const JSON_HEADERS: ReadonlyArray<readonly [string, string]> = [['content-type', 'application/json']];

class GeminiAdapter implements ProviderAdapter {
  constructor(
    readonly provider: ProviderKind,
    private readonly path: (target: UpstreamTarget) => string,
  ) {}

  request(req: OpenAIChatRequest, target: UpstreamTarget): TranslatedRequest {
    const path = this.path(target); // first: a misconfigured backend is a 500 whatever the request
    const { body, droppedParams } = openAIToGeminiRequest(req, target);
    return { body: Buffer.from(JSON.stringify(body), 'utf8'), path, headers: JSON_HEADERS, droppedParams };
  }

  response(body: Json, target: UpstreamTarget): OpenAIChatCompletion {
    return geminiToOpenAIResponse(body, target);
  }

  error(status: number, body: Buffer): CanonicalError {
    return geminiToOpenAIError(status, body);
  }

  stream(target: UpstreamTarget): ProviderStreamDecoder {
    return geminiToOpenAIStream(target);
  }
}

export const geminiProvider: ProviderAdapter = new GeminiAdapter('gemini', geminiPath);
export const vertexProvider: ProviderAdapter = new GeminiAdapter('vertex-ai', vertexPath);

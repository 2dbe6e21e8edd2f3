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
import { geminiError } from './errors.js';
import { geminiPath, vertexPath } from './paths.js';
import { toGeminiRequest } from './request.js';
import { toCompletion } from './response.js';
import { geminiStreamDecoder } from './stream.js';

const JSON_HEADERS: ReadonlyArray<readonly [string, string]> = [['content-type', 'application/json']];

class GeminiAdapter implements ProviderAdapter {
  constructor(
    readonly provider: ProviderKind,
    private readonly path: (target: UpstreamTarget) => string,
  ) {}

  request(req: OpenAIChatRequest, target: UpstreamTarget): TranslatedRequest {
    const path = this.path(target); // first: a misconfigured backend is a 500 whatever the request
    const { body, droppedParams } = toGeminiRequest(req, target);
    return { body: Buffer.from(JSON.stringify(body), 'utf8'), path, headers: JSON_HEADERS, droppedParams };
  }

  response(body: Json, target: UpstreamTarget): OpenAIChatCompletion {
    return toCompletion(body, target);
  }

  error(status: number, body: Buffer): CanonicalError {
    return geminiError(status, body);
  }

  stream(target: UpstreamTarget): ProviderStreamDecoder {
    return geminiStreamDecoder(target);
  }
}

export const geminiProvider: ProviderAdapter = new GeminiAdapter('gemini', geminiPath);
export const vertexProvider: ProviderAdapter = new GeminiAdapter('vertex-ai', vertexPath);

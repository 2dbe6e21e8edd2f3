/** The OpenAI-compatible provider adapters: OpenAI, Azure OpenAI, Mistral and Ollama. */
import type {
  CanonicalError,
  Json,
  OpenAIChatCompletion,
  OpenAIChatRequest,
  ProviderAdapter,
  ProviderStreamDecoder,
  TranslatedRequest,
  UpstreamTarget,
} from '../translate/types.js';
import { openAICompatToOpenAIError } from './openai-compat-to-openai.error.js';
import type { Dialect } from './openai-compat-to-openai.response.js';
import { openAICompatToOpenAIResponse } from './openai-compat-to-openai.response.js';
import type { OpenAICompatProfile } from './profiles.js';
import { AZURE_PROFILE, MISTRAL_PROFILE, OLLAMA_PROFILE, OPENAI_PROFILE } from './profiles.js';
import { openAIToOpenAICompatRequest } from './openai-to-openai-compat.request.js';
import { openAICompatToOpenAIStream } from './openai-compat-to-openai.stream.js';

class OpenAICompatAdapter implements ProviderAdapter {
  readonly provider;
  constructor(
    private readonly profile: OpenAICompatProfile,
    private readonly dialect: Dialect,
  ) {
    this.provider = profile.provider;
  }

  request(req: OpenAIChatRequest, target: UpstreamTarget): TranslatedRequest {
    return openAIToOpenAICompatRequest(req, target, this.profile);
  }

  response(body: Json, target: UpstreamTarget): OpenAIChatCompletion {
    const out = openAICompatToOpenAIResponse(this.dialect, body);
    return typeof out.model === 'string' && out.model !== '' ? out : { ...out, model: target.model };
  }

  error(status: number, body: Buffer): CanonicalError {
    return openAICompatToOpenAIError(status, body);
  }

  stream(_target: UpstreamTarget): ProviderStreamDecoder {
    return openAICompatToOpenAIStream(this.dialect);
  }
}

export const openaiProvider: ProviderAdapter = new OpenAICompatAdapter(OPENAI_PROFILE, 'openai');
export const azureOpenAIProvider: ProviderAdapter = new OpenAICompatAdapter(AZURE_PROFILE, 'openai');
export const mistralProvider: ProviderAdapter = new OpenAICompatAdapter(MISTRAL_PROFILE, 'mistral');
export const ollamaProvider: ProviderAdapter = new OpenAICompatAdapter(OLLAMA_PROFILE, 'ollama');

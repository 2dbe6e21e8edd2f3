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
import { openaiCompatibleError } from './errors.js';
import type { Dialect } from './normalize.js';
import { normalizeCompletion } from './normalize.js';
import type { OpenAICompatProfile } from './profiles.js';
import { AZURE_PROFILE, MISTRAL_PROFILE, OLLAMA_PROFILE, OPENAI_PROFILE } from './profiles.js';
import { buildOpenAICompatRequest } from './request.js';
import { openaiStreamDecoder } from './stream.js';

class OpenAICompatAdapter implements ProviderAdapter {
  readonly provider;
  constructor(
    private readonly profile: OpenAICompatProfile,
    private readonly dialect: Dialect,
  ) {
    this.provider = profile.provider;
  }

  request(req: OpenAIChatRequest, target: UpstreamTarget): TranslatedRequest {
    return buildOpenAICompatRequest(req, target, this.profile);
  }

  response(body: Json, target: UpstreamTarget): OpenAIChatCompletion {
    const out = normalizeCompletion(this.dialect, body);
    return typeof out.model === 'string' && out.model !== '' ? out : { ...out, model: target.model };
  }

  error(status: number, body: Buffer): CanonicalError {
    return openaiCompatibleError(status, body);
  }

  stream(_target: UpstreamTarget): ProviderStreamDecoder {
    return openaiStreamDecoder(this.dialect);
  }
}

export const openaiProvider: ProviderAdapter = new OpenAICompatAdapter(OPENAI_PROFILE, 'openai');
export const azureOpenAIProvider: ProviderAdapter = new OpenAICompatAdapter(AZURE_PROFILE, 'openai');
export const mistralProvider: ProviderAdapter = new OpenAICompatAdapter(MISTRAL_PROFILE, 'mistral');
export const ollamaProvider: ProviderAdapter = new OpenAICompatAdapter(OLLAMA_PROFILE, 'ollama');

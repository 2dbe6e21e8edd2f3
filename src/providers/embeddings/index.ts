/**
 * Embeddings (`POST /v1/embeddings`, OpenAI format in and out) to every provider that embeds. Pure:
 * the pipeline's embeddings codec uses it, and so can any caller that embeds text (a semantic
 * cache's embedder): build the upstream request, send it, translate the answer or the error.
 *
 *   const req = toProviderEmbeddingsRequest(provider, openaiBody, target); // path, body, headers
 *   const { response, promptTokens } = fromProviderEmbeddingsResponse(provider, json, req.call);
 *   const err = fromProviderEmbeddingsError(provider, status, bytes);     // OpenAI error object
 */
import type { JsonObject } from '../../json.js';
import { providerAdapter } from '../translate/registry.js';
import type { CanonicalError, ProviderKind, UpstreamTarget } from '../translate/types.js';
import { TranslationError } from '../translate/types.js';
import { bedrockToOpenAIEmbeddings, openAIToBedrockEmbeddingsRequest } from './bedrock.js';
import type { EmbeddingsCall, OpenAIEmbeddingsAnswer, ProviderEmbeddingsRequest } from './call.js';
import {
  geminiToOpenAIEmbeddings,
  openAIToGeminiEmbeddingsRequest,
  openAIToVertexEmbeddingsRequest,
  vertexToOpenAIEmbeddings,
} from './gemini.js';
import {
  ollamaToOpenAIEmbeddings,
  openAICompatToOpenAIEmbeddings,
  openAIToMistralEmbeddingsRequest,
  openAIToOllamaEmbeddingsRequest,
  openAIToOpenAIEmbeddingsRequest,
} from './openai-compat.js';

export type {
  EmbeddingsCall,
  OpenAIEmbeddingsAnswer,
  ProviderEmbeddingsRequest,
  UsageSource,
} from './call.js';
export { estimateInputTokens } from './call.js';
export type { EmbeddingsInput, EncodingFormat } from './openai-embeddings.request.js';
export { MAX_EMBEDDING_INPUTS, readEmbeddingsRequest } from './openai-embeddings.request.js';
export { base64Float32, float32Base64 } from './vectors.js';
export { bedrockEmbeddingsFamily } from './bedrock.js';

/** Providers with an embeddings API we translate to (Anthropic has none). */
export function embedsText(provider: ProviderKind): boolean {
  return provider !== 'anthropic';
}

/** The same API as the client's: the body goes as it is but for the model (lossless). */
export function nativeEmbeddings(provider: ProviderKind): boolean {
  return provider === 'openai' || provider === 'azure_openai';
}

/** An OpenAI embeddings request → the provider's. Throws TranslationError (400 for bad input). */
export function toProviderEmbeddingsRequest(
  provider: ProviderKind,
  openaiBody: JsonObject,
  target: UpstreamTarget,
): ProviderEmbeddingsRequest {
  switch (provider) {
    case 'openai':
    case 'azure_openai':
      return openAIToOpenAIEmbeddingsRequest(openaiBody, target);
    case 'mistral':
      return openAIToMistralEmbeddingsRequest(openaiBody, target);
    case 'ollama':
      return openAIToOllamaEmbeddingsRequest(openaiBody, target);
    case 'gemini':
      return openAIToGeminiEmbeddingsRequest(openaiBody, target);
    case 'vertex-ai':
      return openAIToVertexEmbeddingsRequest(openaiBody, target);
    case 'bedrock':
      return openAIToBedrockEmbeddingsRequest(openaiBody, target);
    case 'anthropic':
      throw new TranslationError(400, 'Anthropic has no embeddings API; route embeddings to another backend');
  }
}

export interface EmbeddingsResponseOptions {
  /** A token count the provider sent in a header (Bedrock's x-amzn-bedrock-input-token-count). */
  readonly headerTokens?: number;
}

/** A provider's 2xx embeddings answer → OpenAI's, with its usage. Throws TranslationError (502). */
export function fromProviderEmbeddingsResponse(
  provider: ProviderKind,
  body: JsonObject,
  call: EmbeddingsCall,
  opts: EmbeddingsResponseOptions = {},
): OpenAIEmbeddingsAnswer {
  switch (provider) {
    case 'openai':
    case 'azure_openai':
    case 'mistral':
      return openAICompatToOpenAIEmbeddings(body, call);
    case 'ollama':
      return ollamaToOpenAIEmbeddings(body, call);
    case 'gemini':
      return geminiToOpenAIEmbeddings(body, call);
    case 'vertex-ai':
      return vertexToOpenAIEmbeddings(body, call);
    case 'bedrock':
      return bedrockToOpenAIEmbeddings(body, call, opts.headerTokens);
    case 'anthropic':
      throw new TranslationError(502, 'Anthropic has no embeddings API', 'api_error');
  }
}

/** A provider's error answer → the canonical (OpenAI) error: each provider's own error reading. */
export function fromProviderEmbeddingsError(
  provider: ProviderKind,
  status: number,
  body: Buffer,
): CanonicalError {
  return providerAdapter(provider).error(status, body);
}

/** What one embeddings translation carries from the request to the answer. */
import type { JsonObject } from '../../json.js';
import { EXACT_COUNT_CHARS, boundedCountTokens } from '../../tokens/prompt-estimate.js';
import type { ProviderKind, TranslatedRequest } from '../translate/types.js';
import { TranslationError } from '../translate/types.js';
import type { EmbeddingsInput } from './openai-embeddings.request.js';
import { openAIEmbeddingsList } from './vectors.js';

export interface EmbeddingsCall {
  readonly provider: ProviderKind;
  /** The provider model id (after alias mapping), echoed as the answer's `model`. */
  readonly model: string;
  readonly input: EmbeddingsInput;
}

/** The upstream request, and what its answer's translation needs. */
export interface ProviderEmbeddingsRequest extends TranslatedRequest {
  readonly call: EmbeddingsCall;
}

/** Where the answer's usage came from: the provider's own count, or our cl100k estimate. */
export type UsageSource = 'provider' | 'estimate';

export interface OpenAIEmbeddingsAnswer {
  /** The OpenAI embeddings `list` (object, data, model, usage). */
  readonly response: JsonObject;
  /** The input tokens: the provider's count, else our estimate (`usage` says which). */
  readonly promptTokens: number;
  readonly usage: UsageSource;
}

/**
 * Our estimate of an input's tokens, for providers that report none: the cl100k count of the
 * texts, exact up to the usual character budget and an upper bound past it (tokens/prompt-estimate).
 */
export function estimateInputTokens(input: EmbeddingsInput): number {
  let left = EXACT_COUNT_CHARS;
  let n = 0;
  for (const t of input.texts) {
    n += boundedCountTokens(t, Math.max(0, left));
    left -= t.length;
  }
  for (const ids of input.tokens) n += ids.length;
  return n;
}

export const JSON_TYPE: readonly [string, string] = ['content-type', 'application/json'];

/** A provider answer that has fewer or more vectors than inputs is not an answer to this request. */
export function checkCount(got: number, call: EmbeddingsCall): void {
  if (got !== call.input.count)
    throw new TranslationError(
      502,
      `the ${call.provider} embeddings answer holds ${got} vectors for ${call.input.count} inputs`,
      'api_error',
    );
}

/** Our extension for providers that need the input's purpose (Cohere, Gemini task types). */
export type InputType = 'search_document' | 'search_query' | 'classification' | 'clustering';
const INPUT_TYPES: ReadonlySet<string> = new Set([
  'search_document',
  'search_query',
  'classification',
  'clustering',
]);

/** `input_type` of the request (not an OpenAI field), checked. */
export function inputType(body: JsonObject): InputType | undefined {
  const v = body.input_type;
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' && INPUT_TYPES.has(v)) return v as InputType;
  throw new TranslationError(
    400,
    `'input_type' must be one of ${[...INPUT_TYPES].join(', ')}`,
    'invalid_request_error',
  );
}

/** The OpenAI answer from a provider's vectors, with its usage (the provider's count, else ours). */
export function answer(
  vectors: readonly (readonly number[])[],
  call: EmbeddingsCall,
  providerTokens: number | undefined,
): OpenAIEmbeddingsAnswer {
  checkCount(vectors.length, call);
  const promptTokens = providerTokens ?? estimateInputTokens(call.input);
  return {
    response: openAIEmbeddingsList(vectors, call.model, call.input.encodingFormat, promptTokens),
    promptTokens,
    usage: providerTokens === undefined ? 'estimate' : 'provider',
  };
}

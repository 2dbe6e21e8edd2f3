/**
 * Embeddings on Bedrock InvokeModel (`/model/{id}/invoke`), by model family:
 * - Amazon Titan Text Embeddings (`amazon.titan-embed-text-v1`, `-v2:0`): `{inputText, dimensions,
 *   normalize}` → `{embedding, inputTextTokenCount}`. One text per call, and ext_proc cannot fan a
 *   request out into several upstream calls: more than one input is a 400 that names the limit.
 *   `dimensions` is v2 only (256, 512 or 1024; Bedrock checks the value).
 * - Cohere Embed v3 (`cohere.embed-english-v3`, `cohere.embed-multilingual-v3`): `{texts,
 *   input_type}` → `{embeddings}`, at most 96 texts. `input_type` is required: the request's
 *   `input_type` (our extension), else `search_document`. Usage: Bedrock's
 *   `x-amzn-bedrock-input-token-count` response header when the caller passes it, else our estimate.
 */
import type { JsonObject } from '../../json.js';
import { asArray, asCount } from '../../json.js';
import type { UpstreamTarget } from '../translate/types.js';
import { TranslationError } from '../translate/types.js';
import type { EmbeddingsCall, OpenAIEmbeddingsAnswer, ProviderEmbeddingsRequest } from './call.js';
import { JSON_TYPE, answer, inputType } from './call.js';
import { readEmbeddingsRequest, requireTexts } from './openai-embeddings.request.js';
import { asVector } from './vectors.js';

export const COHERE_MAX_TEXTS = 96;

export type BedrockEmbeddingsFamily = 'titan' | 'titan-v1' | 'cohere';

/** The embeddings family of a Bedrock model id (inference-profile prefixes such as `us.` allowed). */
export function bedrockEmbeddingsFamily(model: string): BedrockEmbeddingsFamily {
  if (model.includes('amazon.titan-embed-text-v1')) return 'titan-v1';
  if (model.includes('amazon.titan-embed-text')) return 'titan';
  if (model.includes('cohere.embed')) return 'cohere';
  throw new TranslationError(
    400,
    `Bedrock model ${JSON.stringify(model)} is not an embeddings model this gateway speaks ` +
      '(amazon.titan-embed-text-*, cohere.embed-*)',
  );
}

const ACCEPTED: Readonly<Record<BedrockEmbeddingsFamily, ReadonlySet<string>>> = {
  titan: new Set(['model', 'input', 'dimensions', 'encoding_format']),
  'titan-v1': new Set(['model', 'input', 'encoding_format']),
  cohere: new Set(['model', 'input', 'encoding_format', 'input_type']),
};

export function openAIToBedrockEmbeddingsRequest(
  body: JsonObject,
  target: UpstreamTarget,
): ProviderEmbeddingsRequest {
  const family = bedrockEmbeddingsFamily(target.model);
  const input = readEmbeddingsRequest(body);
  const texts = requireTexts(input, 'bedrock');
  let out: JsonObject;
  if (family === 'cohere') {
    if (texts.length > COHERE_MAX_TEXTS)
      throw new TranslationError(
        400,
        `Cohere Embed on Bedrock embeds at most ${COHERE_MAX_TEXTS} inputs per request; this request has ${texts.length}: split it`,
      );
    out = { texts, input_type: inputType(body) ?? 'search_document' };
  } else {
    if (texts.length > 1)
      throw new TranslationError(
        400,
        `Titan embeddings on Bedrock take 1 input per request; this request has ${texts.length}: send one request per input`,
      );
    out = { inputText: texts[0] ?? '' };
    if (family === 'titan' && input.dimensions !== undefined) out.dimensions = input.dimensions;
    if (family === 'titan') out.normalize = true;
  }
  const accepted = ACCEPTED[family];
  return {
    path: `/model/${encodeURIComponent(target.model)}/invoke`,
    body: Buffer.from(JSON.stringify(out)),
    headers: [JSON_TYPE, ['accept', 'application/json']],
    droppedParams: Object.keys(body).filter(
      (k) => !accepted.has(k) && body[k] !== undefined && body[k] !== null,
    ),
    call: { provider: target.provider, model: target.model, input },
  };
}

export function bedrockToOpenAIEmbeddings(
  body: JsonObject,
  call: EmbeddingsCall,
  headerTokens: number | undefined,
): OpenAIEmbeddingsAnswer {
  if (bedrockEmbeddingsFamily(call.model) === 'cohere') {
    const vectors = asArray(body.embeddings).map((v) => asVector(v, 'bedrock'));
    return answer(vectors, call, headerTokens);
  }
  return answer(
    [asVector(body.embedding, 'bedrock')],
    call,
    asCount(body.inputTextTokenCount) ?? headerTokens,
  );
}

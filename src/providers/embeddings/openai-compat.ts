/**
 * Embeddings on OpenAI-compatible upstreams. OpenAI and Azure OpenAI take the client's body as it is
 * (same API, lossless: only the model alias changes); Mistral takes OpenAI's shape at `/v1/embeddings`
 * with `output_dimension`; Ollama gets its native `/api/embed` (`{model, input, dimensions}` →
 * `{embeddings, prompt_eval_count}`), which takes a batch and reports the prompt tokens.
 */
import type { JsonObject } from '../../json.js';
import { asArray, asCount, asObj } from '../../json.js';
import { DEFAULT_AZURE_API_VERSION } from '../openai/profiles.js';
import type { UpstreamTarget } from '../translate/types.js';
import { TranslationError } from '../translate/types.js';
import type { EmbeddingsCall, OpenAIEmbeddingsAnswer, ProviderEmbeddingsRequest } from './call.js';
import { JSON_TYPE, answer, estimateInputTokens } from './call.js';
import { readEmbeddingsRequest, requireTexts } from './openai-embeddings.request.js';
import { asVector } from './vectors.js';

export const OPENAI_EMBEDDINGS_PATH = '/v1/embeddings';
export const OLLAMA_EMBED_PATH = '/api/embed';

const json = (body: JsonObject): Buffer => Buffer.from(JSON.stringify(body));

/** OpenAI / Azure: the body as the client wrote it, but for the model and our `input_type` extension. */
export function openAIToOpenAIEmbeddingsRequest(
  body: JsonObject,
  target: UpstreamTarget,
): ProviderEmbeddingsRequest {
  const input = readEmbeddingsRequest(body);
  const out: JsonObject = { ...body, model: target.model };
  const dropped: string[] = [];
  if ('input_type' in out) {
    delete out.input_type;
    dropped.push('input_type');
  }
  const path =
    target.provider === 'azure_openai'
      ? `/openai/deployments/${encodeURIComponent(target.model)}/embeddings?api-version=${encodeURIComponent(
          target.azureApiVersion ?? DEFAULT_AZURE_API_VERSION,
        )}`
      : OPENAI_EMBEDDINGS_PATH;
  return {
    path,
    body: json(out),
    headers: [JSON_TYPE],
    droppedParams: dropped,
    call: { provider: target.provider, model: target.model, input },
  };
}

/** Keys the client sent that the upstream does not take (reported, never silently dropped). */
function droppedKeys(body: JsonObject, kept: ReadonlySet<string>): string[] {
  return Object.keys(body).filter((k) => !kept.has(k) && body[k] !== undefined && body[k] !== null);
}

const MISTRAL_KEPT: ReadonlySet<string> = new Set(['model', 'input', 'dimensions', 'encoding_format']);

export function openAIToMistralEmbeddingsRequest(
  body: JsonObject,
  target: UpstreamTarget,
): ProviderEmbeddingsRequest {
  const input = readEmbeddingsRequest(body);
  const texts = requireTexts(input, 'mistral');
  const out: JsonObject = { model: target.model, input: texts };
  if (input.dimensions !== undefined) out.output_dimension = input.dimensions;
  return {
    path: OPENAI_EMBEDDINGS_PATH,
    body: json(out),
    headers: [JSON_TYPE],
    droppedParams: droppedKeys(body, MISTRAL_KEPT),
    call: { provider: target.provider, model: target.model, input },
  };
}

const OLLAMA_KEPT = MISTRAL_KEPT;

export function openAIToOllamaEmbeddingsRequest(
  body: JsonObject,
  target: UpstreamTarget,
): ProviderEmbeddingsRequest {
  const input = readEmbeddingsRequest(body);
  const texts = requireTexts(input, 'ollama');
  const out: JsonObject = { model: target.model, input: texts };
  if (input.dimensions !== undefined) out.dimensions = input.dimensions;
  return {
    path: OLLAMA_EMBED_PATH,
    body: json(out),
    headers: [JSON_TYPE],
    droppedParams: droppedKeys(body, OLLAMA_KEPT),
    call: { provider: target.provider, model: target.model, input },
  };
}

/** OpenAI / Azure / Mistral answers (OpenAI's shape), rebuilt in the format the client asked for. */
export function openAICompatToOpenAIEmbeddings(
  body: JsonObject,
  call: EmbeddingsCall,
): OpenAIEmbeddingsAnswer {
  const data = asArray(body.data);
  const prompt = asCount(asObj(body.usage)?.prompt_tokens);
  // OpenAI and Azure: the answer is already the client's (base64 when asked): it passes as it is.
  if (call.provider === 'openai' || call.provider === 'azure_openai') {
    if (!Array.isArray(body.data))
      throw new TranslationError(502, 'the embeddings answer holds no data', 'api_error');
    return prompt === undefined
      ? { response: body, promptTokens: estimateInputTokens(call.input), usage: 'estimate' }
      : { response: body, promptTokens: prompt, usage: 'provider' };
  }
  const vectors = data
    .map((d, i) => ({ at: asCount(asObj(d)?.index) ?? i, v: asVector(asObj(d)?.embedding, call.provider) }))
    .sort((a, b) => a.at - b.at)
    .map((d) => d.v);
  return answer(vectors, call, prompt);
}

export function ollamaToOpenAIEmbeddings(body: JsonObject, call: EmbeddingsCall): OpenAIEmbeddingsAnswer {
  const vectors = asArray(body.embeddings).map((v) => asVector(v, 'ollama'));
  return answer(vectors, call, asCount(body.prompt_eval_count));
}

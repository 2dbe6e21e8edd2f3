/**
 * Embeddings on Gemini (AI Studio) and Vertex AI.
 * Gemini: one input → `models/{m}:embedContent` `{content, outputDimensionality, taskType}` →
 * `{embedding: {values}}`; several → `:batchEmbedContents` `{requests: [{model, content, …}]}` →
 * `{embeddings: [{values}]}` (at most 100 per call). Neither reports tokens: usage is our estimate.
 * Vertex: `publishers/google/models/{m}:predict` `{instances: [{content, task_type}], parameters:
 * {outputDimensionality}}` → `predictions[].embeddings.{values, statistics.token_count}` (at most
 * 250 instances; the provider's token counts are the usage).
 */
import type { JsonObject } from '../../json.js';
import { asArray, asCount, asObj } from '../../json.js';
import { DEFAULT_GEMINI_API_VERSION, DEFAULT_VERTEX_API_VERSION, modelSegment } from '../gemini/paths.js';
import type { UpstreamTarget } from '../translate/types.js';
import { TranslationError } from '../translate/types.js';
import type { EmbeddingsCall, InputType, OpenAIEmbeddingsAnswer, ProviderEmbeddingsRequest } from './call.js';
import { JSON_TYPE, answer, inputType } from './call.js';
import { readEmbeddingsRequest, requireTexts } from './openai-embeddings.request.js';
import { asVector } from './vectors.js';

/** Gemini's batchEmbedContents limit, and Vertex's instances limit per predict call. */
export const GEMINI_MAX_BATCH = 100;
export const VERTEX_MAX_INSTANCES = 250;

const TASK_TYPES: Readonly<Record<InputType, string>> = {
  search_document: 'RETRIEVAL_DOCUMENT',
  search_query: 'RETRIEVAL_QUERY',
  classification: 'CLASSIFICATION',
  clustering: 'CLUSTERING',
};

const KEPT: ReadonlySet<string> = new Set(['model', 'input', 'dimensions', 'encoding_format', 'input_type']);

function dropped(body: JsonObject): string[] {
  return Object.keys(body).filter((k) => !KEPT.has(k) && body[k] !== undefined && body[k] !== null);
}

function limit(count: number, max: number, what: string): void {
  if (count > max)
    throw new TranslationError(
      400,
      `${what} embeds at most ${max} inputs per request; this request has ${count}: split it`,
    );
}

export function openAIToGeminiEmbeddingsRequest(
  body: JsonObject,
  target: UpstreamTarget,
): ProviderEmbeddingsRequest {
  const input = readEmbeddingsRequest(body);
  const texts = requireTexts(input, 'gemini');
  limit(texts.length, GEMINI_MAX_BATCH, 'Gemini');
  const task = inputType(body);
  const model = modelSegment(target.model);
  const one = (text: string): JsonObject => ({
    content: { parts: [{ text }] },
    ...(task !== undefined ? { taskType: TASK_TYPES[task] } : {}),
    ...(input.dimensions !== undefined ? { outputDimensionality: input.dimensions } : {}),
  });
  const base = `/${target.apiVersion ?? DEFAULT_GEMINI_API_VERSION}/models/${model}`;
  const single = typeof body.input === 'string';
  const out = single
    ? one(texts[0] ?? '')
    : { requests: texts.map((t) => ({ model: `models/${decodeURIComponent(model)}`, ...one(t) })) };
  return {
    path: `${base}:${single ? 'embedContent' : 'batchEmbedContents'}`,
    body: Buffer.from(JSON.stringify(out)),
    headers: [JSON_TYPE],
    droppedParams: dropped(body),
    call: { provider: target.provider, model: target.model, input },
  };
}

export function geminiToOpenAIEmbeddings(body: JsonObject, call: EmbeddingsCall): OpenAIEmbeddingsAnswer {
  const one = asObj(body.embedding);
  const list = one !== undefined ? [one] : asArray(body.embeddings);
  const vectors = list.map((e) => asVector(asObj(e)?.values, 'gemini'));
  return answer(vectors, call, asCount(asObj(body.usageMetadata)?.promptTokenCount));
}

export function openAIToVertexEmbeddingsRequest(
  body: JsonObject,
  target: UpstreamTarget,
): ProviderEmbeddingsRequest {
  const input = readEmbeddingsRequest(body);
  const texts = requireTexts(input, 'vertex-ai');
  limit(texts.length, VERTEX_MAX_INSTANCES, 'Vertex AI');
  const { vertexProject: project, vertexLocation: location } = target;
  if (!project || !location)
    throw new TranslationError(
      500,
      'backend misconfigured: Vertex AI needs a project and a location',
      'api_error',
    );
  const task = inputType(body);
  const out: JsonObject = {
    instances: texts.map((content) => ({
      content,
      ...(task !== undefined ? { task_type: TASK_TYPES[task] } : {}),
    })),
  };
  if (input.dimensions !== undefined) out.parameters = { outputDimensionality: input.dimensions };
  return {
    path:
      `/${target.apiVersion ?? DEFAULT_VERTEX_API_VERSION}/projects/${encodeURIComponent(project)}` +
      `/locations/${encodeURIComponent(location)}/publishers/google/models/${modelSegment(target.model)}:predict`,
    body: Buffer.from(JSON.stringify(out)),
    headers: [JSON_TYPE],
    droppedParams: dropped(body),
    call: { provider: target.provider, model: target.model, input },
  };
}

export function vertexToOpenAIEmbeddings(body: JsonObject, call: EmbeddingsCall): OpenAIEmbeddingsAnswer {
  let tokens: number | undefined;
  const vectors = asArray(body.predictions).map((p) => {
    const e = asObj(asObj(p)?.embeddings);
    const n = asCount(asObj(e?.statistics)?.token_count);
    if (n !== undefined) tokens = (tokens ?? 0) + n;
    return asVector(e?.values, 'vertex-ai');
  });
  return answer(vectors, call, tokens);
}

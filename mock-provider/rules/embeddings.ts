/**
 * Embeddings: the request rules each provider documents and enforces with a 400 (Mistral: 422).
 * Pure: a body in, the list of problems out (empty: the provider would take it). The mock provider
 * refuses a request with any problem, on every embeddings request it gets.
 *
 * Sources: OpenAI embeddings reference (input ≤ 2048 items, none empty; encoding_format float|base64;
 * dimensions only on text-embedding-3 models), Mistral embeddings (model, input, output_dimension,
 * output_dtype, encoding_format; extra fields forbidden), Ollama /api/embed (model, input, truncate,
 * options, keep_alive, dimensions), Gemini embedContent / batchEmbedContents (content with parts;
 * each request's model equals the path's; at most 100 requests), Vertex text embeddings predict
 * (instances[].content; at most 250 instances; gemini-embedding-001 takes one), Bedrock Titan Text
 * Embeddings (inputText; v2 dimensions 256|512|1024, normalize; v1 inputText only) and Cohere Embed
 * v3 on Bedrock (texts 1..96, input_type required, truncate, embedding_types).
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmptyString = (v: unknown): v is string => typeof v === 'string' && v !== '';
const posInt = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v > 0;

function extra(body: Obj, allowed: ReadonlySet<string>): string[] {
  return Object.keys(body).filter((k) => !allowed.has(k));
}

const OPENAI_KEYS = new Set(['model', 'input', 'dimensions', 'encoding_format', 'user']);

/** `model`: undefined when it is unknown (an Azure deployment). */
export function openAIEmbeddingsProblems(body: unknown, model: string | undefined): string[] {
  if (!isObj(body)) return ['We could not parse the JSON body of your request.'];
  const out = extra(body, OPENAI_KEYS).map((k) => `Unrecognized request argument supplied: ${k}`);
  const input = body.input;
  const items = Array.isArray(input) ? input : [input];
  if (input === undefined) out.push("Missing required parameter: 'input'.");
  else if (items.length === 0 || items.length > 2048)
    out.push("Invalid 'input': array must have between 1 and 2048 items.");
  else if (items.some((v) => v === '' || (Array.isArray(v) && v.length === 0)))
    out.push("'$.input' is invalid. Please check the API reference.");
  else if (!items.every((v) => typeof v === 'string' || typeof v === 'number' || Array.isArray(v)))
    out.push("'$.input' is invalid. Please check the API reference.");
  const f = body.encoding_format;
  if (f !== undefined && f !== 'float' && f !== 'base64')
    out.push("Invalid value for 'encoding_format': expected 'float' or 'base64'.");
  if (body.dimensions !== undefined) {
    if (!posInt(body.dimensions)) out.push("Invalid 'dimensions': must be a positive integer.");
    else if (model !== undefined && !model.startsWith('text-embedding-3'))
      out.push('This model does not support specifying dimensions.');
  }
  return out;
}

const MISTRAL_KEYS = new Set(['model', 'input', 'output_dimension', 'output_dtype', 'encoding_format']);

export function mistralEmbeddingsProblems(body: unknown): string[] {
  if (!isObj(body)) return ['Invalid JSON body'];
  const out = extra(body, MISTRAL_KEYS).map((k) => `body.${k}: Extra inputs are not permitted`);
  if (!nonEmptyString(body.model)) out.push('body.model: Field required');
  const input = body.input;
  if (!(nonEmptyString(input) || (Array.isArray(input) && input.length > 0 && input.every(nonEmptyString))))
    out.push('body.input: Input should be a valid string or a non-empty list of strings');
  if (body.output_dimension !== undefined && !posInt(body.output_dimension))
    out.push('body.output_dimension: Input should be a positive integer');
  return out;
}

const OLLAMA_KEYS = new Set(['model', 'input', 'truncate', 'options', 'keep_alive', 'dimensions']);

export function ollamaEmbedProblems(body: unknown): string[] {
  if (!isObj(body)) return ['invalid request body'];
  const out: string[] = [];
  if (!nonEmptyString(body.model)) out.push('model is required');
  const input = body.input;
  if (!(typeof input === 'string' || (Array.isArray(input) && input.every((v) => typeof v === 'string'))))
    out.push('invalid input type');
  if (body.dimensions !== undefined && !posInt(body.dimensions))
    out.push('dimensions must be a positive integer');
  // Ollama ignores unknown fields, but a gateway sending one is a translation bug worth failing on.
  for (const k of extra(body, OLLAMA_KEYS)) out.push(`unknown field ${k}`);
  return out;
}

export const GEMINI_BATCH_LIMIT = 100;
const GEMINI_TASKS = new Set([
  'TASK_TYPE_UNSPECIFIED',
  'RETRIEVAL_QUERY',
  'RETRIEVAL_DOCUMENT',
  'SEMANTIC_SIMILARITY',
  'CLASSIFICATION',
  'CLUSTERING',
  'QUESTION_ANSWERING',
  'FACT_VERIFICATION',
  'CODE_RETRIEVAL_QUERY',
]);
const GEMINI_REQUEST_KEYS = new Set(['model', 'content', 'taskType', 'title', 'outputDimensionality']);

function geminiRequestProblems(r: unknown, at: string, out: string[]): void {
  if (!isObj(r)) return void out.push(`${at}: must be an object`);
  for (const k of extra(r, GEMINI_REQUEST_KEYS))
    out.push(`Invalid JSON payload received. Unknown name "${k}" at '${at}'`);
  const parts = isObj(r.content) ? r.content.parts : undefined;
  if (!Array.isArray(parts) || parts.length === 0 || !parts.every((p) => isObj(p) && nonEmptyString(p.text)))
    out.push(`${at}.content: * EmbedContentRequest.content: contents.parts must not be empty.`);
  if (r.taskType !== undefined && !(typeof r.taskType === 'string' && GEMINI_TASKS.has(r.taskType)))
    out.push(`${at}.taskType: invalid value`);
  if (r.outputDimensionality !== undefined && !posInt(r.outputDimensionality))
    out.push(`${at}.outputDimensionality: must be a positive integer`);
}

export function geminiEmbedProblems(body: unknown, model: string, batch: boolean): string[] {
  const out: string[] = [];
  if (!batch) {
    geminiRequestProblems(body, 'request', out);
    return out;
  }
  const requests = isObj(body) ? body.requests : undefined;
  if (!Array.isArray(requests) || requests.length === 0)
    return ['* BatchEmbedContentsRequest.requests: must not be empty'];
  if (requests.length > GEMINI_BATCH_LIMIT)
    out.push(
      `* BatchEmbedContentsRequest.requests: at most ${GEMINI_BATCH_LIMIT} requests can be in one batch`,
    );
  requests.forEach((r, i) => {
    geminiRequestProblems(r, `requests[${i}]`, out);
    if (isObj(r) && r.model !== `models/${model}`)
      out.push(`* BatchEmbedContentsRequest.requests[${i}].model: the model must match models/${model}`);
  });
  return out;
}

export const VERTEX_INSTANCE_LIMIT = 250;

export function vertexPredictProblems(body: unknown, model: string): string[] {
  if (!isObj(body)) return ['Invalid JSON payload received.'];
  const out: string[] = [];
  const instances = body.instances;
  if (!Array.isArray(instances) || instances.length === 0) return ['instances must not be empty'];
  const max = model.startsWith('gemini-embedding') ? 1 : VERTEX_INSTANCE_LIMIT;
  if (instances.length > max) out.push(`${model} takes at most ${max} instances per request`);
  instances.forEach((v, i) => {
    if (!isObj(v) || !nonEmptyString(v.content))
      out.push(`instances[${i}].content must be a non-empty string`);
  });
  const params = body.parameters;
  if (params !== undefined) {
    if (!isObj(params)) out.push('parameters must be an object');
    else if (params.outputDimensionality !== undefined && !posInt(params.outputDimensionality))
      out.push('parameters.outputDimensionality must be a positive integer');
  }
  return out;
}

const TITAN_V2_DIMENSIONS = new Set([256, 512, 1024]);
export const COHERE_TEXTS_LIMIT = 96;
const COHERE_INPUT_TYPES = new Set(['search_document', 'search_query', 'classification', 'clustering']);

/** Bedrock InvokeModel bodies of the embeddings models (ValidationException messages). */
export function bedrockEmbedProblems(body: unknown, model: string): string[] {
  if (!isObj(body)) return ['Malformed input request, please reformat your input and try again.'];
  const out: string[] = [];
  if (model.includes('cohere.embed')) {
    const keys = new Set(['texts', 'images', 'input_type', 'truncate', 'embedding_types']);
    for (const k of extra(body, keys)) out.push(`extraneous key [${k}] is not permitted`);
    const texts = body.texts;
    if (!Array.isArray(texts) || texts.length === 0 || !texts.every(nonEmptyString))
      out.push('texts: must be a non-empty array of non-empty strings');
    else if (texts.length > COHERE_TEXTS_LIMIT)
      out.push(`texts: expected maxLength: ${COHERE_TEXTS_LIMIT}, actual: ${texts.length}`);
    if (!(typeof body.input_type === 'string' && COHERE_INPUT_TYPES.has(body.input_type)))
      out.push('#: required key [input_type] not found or invalid');
    return out;
  }
  const v1 = model.includes('titan-embed-text-v1');
  const keys = new Set(v1 ? ['inputText'] : ['inputText', 'dimensions', 'normalize', 'embeddingTypes']);
  for (const k of extra(body, keys)) out.push(`extraneous key [${k}] is not permitted`);
  if (!nonEmptyString(body.inputText)) out.push('#/inputText: expected type: String, minimum length 1');
  if (body.dimensions !== undefined && !TITAN_V2_DIMENSIONS.has(body.dimensions as number))
    out.push(`#/dimensions: ${JSON.stringify(body.dimensions)} is not a valid enum value (256, 512, 1024)`);
  if (body.normalize !== undefined && typeof body.normalize !== 'boolean')
    out.push('#/normalize: expected type: Boolean');
  return out;
}

/**
 * Embeddings endpoints of the mock provider, one per provider API, with deterministic vectors (see
 * {@link mockEmbedding}) and the mock's usage formula (tokensFor: 4 UTF-8 bytes per token), so a test
 * can compute exactly what the mock answered. Each request is checked against the provider's 400
 * rules (rules/embeddings.ts) first.
 *
 *   POST /v1/embeddings                        OpenAI (Mistral for mistral-embed / codestral-embed models)
 *   POST /openai/deployments/{d}/embeddings    Azure OpenAI
 *   POST /api/embed                            Ollama
 *   POST /{v}/models/{m}:embedContent          Gemini (one input)
 *   POST /{v}/models/{m}:batchEmbedContents    Gemini (several)
 *   POST /{v}/projects/…/models/{m}:predict     Vertex AI text embeddings
 *   POST /model/{id}/invoke                    Bedrock InvokeModel: Titan Text Embeddings, Cohere Embed v3
 *
 * `x-mock-status: <4xx|5xx>` answers that status with the provider's error shape.
 */
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import {
  bedrockEmbedProblems,
  geminiEmbedProblems,
  mistralEmbeddingsProblems,
  ollamaEmbedProblems,
  openAIEmbeddingsProblems,
  vertexPredictProblems,
} from './rules/embeddings.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const tokens = (s: string): number => Math.ceil(Buffer.byteLength(s) / 4);

export type EmbeddingsApi = 'openai' | 'azure' | 'mistral' | 'ollama' | 'gemini' | 'vertex' | 'bedrock';

/** The default vector size of a model (its documented default, or 768). */
export function defaultDimensions(model: string): number {
  if (model.includes('3-large') || model.startsWith('gemini-embedding')) return 3072;
  if (model.includes('3-small') || model.includes('ada-002') || model.includes('titan-embed-text-v1'))
    return 1536;
  if (
    model.includes('titan-embed-text-v2') ||
    model.includes('cohere.embed') ||
    model.includes('mistral-embed')
  )
    return 1024;
  return 768;
}

/**
 * The mock's vector for a text: float32 values from SHA-256(text ‖ block), scaled to unit length
 * (then rounded to float32, so base64 float32 round-trips exactly).
 */
export function mockEmbedding(text: string, dims: number): number[] {
  const raw: number[] = [];
  for (let block = 0; raw.length < dims; block++) {
    const h = createHash('sha256').update(`${text}\u0000${block}`).digest();
    for (let i = 0; i + 2 <= h.length && raw.length < dims; i += 2) raw.push(h.readUInt16LE(i) / 32767.5 - 1);
  }
  const norm = Math.sqrt(raw.reduce((s, v) => s + v * v, 0)) || 1;
  return raw.map((v) => Math.fround(v / norm));
}

function base64(v: readonly number[]): string {
  const b = Buffer.allocUnsafe(v.length * 4);
  v.forEach((x, i) => b.writeFloatLE(x, i * 4));
  return b.toString('base64');
}

interface Route {
  readonly api: EmbeddingsApi;
  readonly model: string;
  readonly batch?: boolean;
}

function route(path: string, body: unknown): Route | undefined {
  const p = decodeURIComponent(path.split('?')[0] ?? '');
  const model = isObj(body) && typeof body.model === 'string' ? body.model : '';
  if (p === '/v1/embeddings')
    return { api: /^(mistral|codestral)-embed/.test(model) ? 'mistral' : 'openai', model };
  const az = /^\/openai\/deployments\/([^/]+)\/embeddings$/.exec(p);
  if (az) return { api: 'azure', model: az[1] ?? '' };
  if (p === '/api/embed') return { api: 'ollama', model };
  const g = /\/models\/([^/:]+):(embedContent|batchEmbedContents|predict)$/.exec(p);
  if (g) {
    if (g[2] === 'predict')
      return p.includes('/projects/') ? { api: 'vertex', model: g[1] ?? '' } : undefined;
    return { api: 'gemini', model: g[1] ?? '', batch: g[2] === 'batchEmbedContents' };
  }
  const b = /^\/model\/([^/]+)\/invoke$/.exec(p);
  if (b && /titan-embed|cohere\.embed/.test(b[1] ?? '')) return { api: 'bedrock', model: b[1] ?? '' };
  return undefined;
}

function problems(r: Route, body: unknown): string[] {
  switch (r.api) {
    case 'openai':
      return openAIEmbeddingsProblems(body, r.model);
    case 'azure':
      // An Azure deployment name does not say which model it serves.
      return openAIEmbeddingsProblems(body, undefined);
    case 'mistral':
      return mistralEmbeddingsProblems(body);
    case 'ollama':
      return ollamaEmbedProblems(body);
    case 'gemini':
      return geminiEmbedProblems(body, r.model, r.batch === true);
    case 'vertex':
      return vertexPredictProblems(body, r.model);
    case 'bedrock':
      return bedrockEmbedProblems(body, r.model);
  }
}

function errorBody(api: EmbeddingsApi, status: number, message: string): [Obj, Record<string, string>] {
  switch (api) {
    case 'openai':
    case 'azure':
      return [{ error: { message, type: 'invalid_request_error', param: null, code: null } }, {}];
    case 'mistral':
      return [{ object: 'error', message, type: 'invalid_request_error', param: null, code: null }, {}];
    case 'ollama':
      return [{ error: message }, {}];
    case 'gemini':
    case 'vertex':
      return [
        { error: { code: status, message, status: status === 400 ? 'INVALID_ARGUMENT' : 'INTERNAL' } },
        {},
      ];
    case 'bedrock':
      return [
        { message },
        { 'x-amzn-errortype': 'ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/' },
      ];
  }
}

const texts = (v: unknown): string[] =>
  typeof v === 'string'
    ? [v]
    : Array.isArray(v)
      ? v.map((t) => (typeof t === 'string' ? t : JSON.stringify(t)))
      : [];

function answer(r: Route, b: Obj): [Obj, Record<string, string>] {
  const dims = (d: unknown): number => (typeof d === 'number' ? d : defaultDimensions(r.model));
  switch (r.api) {
    case 'openai':
    case 'azure': {
      const list = texts(b.input);
      const isTokens = Array.isArray(b.input) && b.input.every((v) => typeof v === 'number');
      const inputs = isTokens ? [JSON.stringify(b.input)] : list;
      const n = inputs.reduce((s, t) => s + tokens(t), 0);
      return [
        {
          object: 'list',
          data: inputs.map((t, index) => {
            const v = mockEmbedding(t, dims(b.dimensions));
            return { object: 'embedding', index, embedding: b.encoding_format === 'base64' ? base64(v) : v };
          }),
          model: r.model,
          usage: { prompt_tokens: n, total_tokens: n },
        },
        {},
      ];
    }
    case 'mistral': {
      const list = texts(b.input);
      const n = list.reduce((s, t) => s + tokens(t), 0);
      const data = list.map((t, index) => ({
        object: 'embedding',
        embedding: mockEmbedding(t, dims(b.output_dimension)),
        index,
      }));
      return [
        {
          id: 'embd-mock',
          object: 'list',
          data,
          model: r.model,
          usage: { prompt_tokens: n, total_tokens: n, completion_tokens: 0 },
        },
        {},
      ];
    }
    case 'ollama': {
      const list = texts(b.input);
      const embeddings = list.map((t) => mockEmbedding(t, dims(b.dimensions)));
      const n = list.reduce((s, t) => s + tokens(t), 0);
      return [
        {
          model: r.model,
          embeddings,
          total_duration: 14143917,
          load_duration: 1019500,
          prompt_eval_count: n,
        },
        {},
      ];
    }
    case 'gemini': {
      const one = (q: unknown): Obj => {
        const o = isObj(q) ? q : {};
        const parts = isObj(o.content) && Array.isArray(o.content.parts) ? o.content.parts : [];
        const text = parts.map((p) => (isObj(p) && typeof p.text === 'string' ? p.text : '')).join('');
        return { values: mockEmbedding(text, dims(o.outputDimensionality)) };
      };
      if (!r.batch) return [{ embedding: one(b) }, {}];
      return [{ embeddings: (b.requests as unknown[]).map(one) }, {}];
    }
    case 'vertex': {
      const params = isObj(b.parameters) ? b.parameters : {};
      const instances = (b.instances as Obj[]).map((i) => String(i.content));
      return [
        {
          predictions: instances.map((t) => ({
            embeddings: {
              values: mockEmbedding(t, dims(params.outputDimensionality)),
              statistics: { token_count: tokens(t), truncated: false },
            },
          })),
          metadata: { billableCharacterCount: instances.reduce((s, t) => s + t.length, 0) },
        },
        {},
      ];
    }
    case 'bedrock': {
      if (r.model.includes('cohere.embed')) {
        const list = texts(b.texts);
        const n = list.reduce((s, t) => s + tokens(t), 0);
        return [
          {
            id: 'mock-cohere',
            embeddings: list.map((t) => mockEmbedding(t, 1024)),
            response_type: 'embeddings_floats',
            texts: list,
          },
          { 'x-amzn-bedrock-input-token-count': String(n) },
        ];
      }
      const text = String(b.inputText);
      const n = tokens(text);
      return [
        { embedding: mockEmbedding(text, dims(b.dimensions)), inputTextTokenCount: n },
        { 'x-amzn-bedrock-input-token-count': String(n) },
      ];
    }
  }
}

/** Answers an embeddings request; false when the path is not an embeddings one. */
export function handleEmbeddings(
  path: string,
  headers: Record<string, string>,
  json: unknown,
  res: ServerResponse,
): boolean {
  const r = route(path, json);
  if (!r) return false;
  const send = (status: number, body: Obj, extra: Record<string, string>): boolean => {
    res.writeHead(status, { 'content-type': 'application/json', ...extra }).end(JSON.stringify(body));
    return true;
  };
  const wanted = Number(headers['x-mock-status']);
  if (Number.isInteger(wanted) && wanted >= 400 && wanted <= 599)
    return send(wanted, ...errorBody(r.api, wanted, `mock error ${wanted}`));
  const found = problems(r, json);
  if (found.length > 0) {
    const status = r.api === 'mistral' ? 422 : 400;
    return send(status, ...errorBody(r.api, status, found.join('; ')));
  }
  return send(200, ...answer(r, json as Obj));
}

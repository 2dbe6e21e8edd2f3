/**
 * Embeddings translation, golden per provider: the upstream request (path, body, headers, dropped
 * params) for an OpenAI embeddings request, and the OpenAI answer for the provider's documented
 * answer (vectors in order, base64 float32 little-endian when asked, usage and where it came from).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import {
  base64Float32,
  float32Base64,
  fromProviderEmbeddingsError,
  fromProviderEmbeddingsResponse,
  toProviderEmbeddingsRequest,
} from '../../../../src/providers/embeddings/index.js';
import type { ProviderKind, UpstreamTarget } from '../../../../src/providers/translate/types.js';
import { TranslationError } from '../../../../src/providers/translate/types.js';

const target = (
  provider: ProviderKind,
  model: string,
  extra: Partial<UpstreamTarget> = {},
): UpstreamTarget => ({
  provider,
  model,
  stream: false,
  ...extra,
});

function req(provider: ProviderKind, body: Record<string, unknown>, t: UpstreamTarget) {
  const out = toProviderEmbeddingsRequest(provider, body, t);
  return { ...out, json: JSON.parse(out.body.toString('utf8')) as unknown };
}

const V1 = [0.25, -0.5, 1];
const V2 = [0.125, 0.75, -1];

describe('embeddings: OpenAI and Azure (same API, lossless)', () => {
  it('passes the body as it is but for the model alias', () => {
    const body = {
      model: 'small',
      input: ['a', 'b'],
      dimensions: 3,
      encoding_format: 'base64',
      user: 'u1',
      extra_x: 1,
    };
    const r = req('openai', body, target('openai', 'text-embedding-3-small'));
    assert.equal(r.path, '/v1/embeddings');
    assert.deepEqual(r.json, { ...body, model: 'text-embedding-3-small' });
    assert.deepEqual(r.droppedParams, []);
  });
  it('Azure: deployment path with api-version', () => {
    const r = req(
      'azure_openai',
      { model: 'm', input: 'x' },
      target('azure_openai', 'emb-dep', { azureApiVersion: '2024-10-21' }),
    );
    assert.equal(r.path, '/openai/deployments/emb-dep/embeddings?api-version=2024-10-21');
  });
  it('the answer passes as it is, usage from the provider', () => {
    const r = req('openai', { model: 'm', input: 'x' }, target('openai', 'text-embedding-3-small'));
    const body = {
      object: 'list',
      data: [{ object: 'embedding', index: 0, embedding: 'AAAA' }],
      model: 'text-embedding-3-small',
      usage: { prompt_tokens: 1, total_tokens: 1 },
    };
    const a = fromProviderEmbeddingsResponse('openai', body, r.call);
    assert.equal(a.response, body);
    assert.equal(a.promptTokens, 1);
    assert.equal(a.usage, 'provider');
  });
  it('token ids reach OpenAI only', () => {
    const r = req('openai', { model: 'm', input: [[1, 2], [3]] }, target('openai', 'e'));
    assert.equal(r.call.input.count, 2);
    assert.throws(
      () => toProviderEmbeddingsRequest('mistral', { model: 'm', input: [1, 2, 3] }, target('mistral', 'e')),
      (e: unknown) => e instanceof TranslationError && e.status === 400 && /token-id/.test(e.message),
    );
  });
  it('bad input is a 400', () => {
    for (const body of [
      { input: '' },
      { input: [] },
      { input: ['a', ''] },
      { input: [{}] },
      { input: 'a', dimensions: 0 },
      { input: 'a', encoding_format: 'int8' },
    ])
      assert.throws(
        () => toProviderEmbeddingsRequest('openai', body, target('openai', 'e')),
        (e: unknown) => e instanceof TranslationError && e.status === 400,
      );
  });
});

describe('embeddings: Mistral and Ollama', () => {
  it('Mistral: /v1/embeddings, output_dimension, user dropped', () => {
    const r = req(
      'mistral',
      { model: 'm', input: ['a'], dimensions: 256, user: 'u', encoding_format: 'base64' },
      target('mistral', 'codestral-embed'),
    );
    assert.equal(r.path, '/v1/embeddings');
    assert.deepEqual(r.json, { model: 'codestral-embed', input: ['a'], output_dimension: 256 });
    assert.deepEqual(r.droppedParams, ['user']);
    const a = fromProviderEmbeddingsResponse(
      'mistral',
      {
        id: 'e1',
        object: 'list',
        model: 'codestral-embed',
        data: [{ object: 'embedding', embedding: V1, index: 0 }],
        usage: { prompt_tokens: 2, total_tokens: 2, completion_tokens: 0 },
      },
      r.call,
    );
    assert.deepEqual(a.response, {
      object: 'list',
      data: [{ object: 'embedding', index: 0, embedding: float32Base64(V1) }],
      model: 'codestral-embed',
      usage: { prompt_tokens: 2, total_tokens: 2 },
    });
    assert.deepEqual(base64Float32(float32Base64(V1)), V1);
  });
  it('Ollama: native /api/embed, prompt_eval_count is the usage', () => {
    const r = req('ollama', { model: 'm', input: ['a', 'b'], dimensions: 3 }, target('ollama', 'all-minilm'));
    assert.equal(r.path, '/api/embed');
    assert.deepEqual(r.json, { model: 'all-minilm', input: ['a', 'b'], dimensions: 3 });
    const a = fromProviderEmbeddingsResponse(
      'ollama',
      { model: 'all-minilm', embeddings: [V1, V2], prompt_eval_count: 4 },
      r.call,
    );
    assert.deepEqual(a.response, {
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: V1 },
        { object: 'embedding', index: 1, embedding: V2 },
      ],
      model: 'all-minilm',
      usage: { prompt_tokens: 4, total_tokens: 4 },
    });
  });
});

describe('embeddings: Gemini and Vertex AI', () => {
  it('one input: embedContent; usage is our estimate', () => {
    const r = req(
      'gemini',
      { model: 'm', input: 'hello world', dimensions: 768, input_type: 'search_query' },
      target('gemini', 'gemini-embedding-001'),
    );
    assert.equal(r.path, '/v1beta/models/gemini-embedding-001:embedContent');
    assert.deepEqual(r.json, {
      content: { parts: [{ text: 'hello world' }] },
      taskType: 'RETRIEVAL_QUERY',
      outputDimensionality: 768,
    });
    const a = fromProviderEmbeddingsResponse('gemini', { embedding: { values: V1 } }, r.call);
    assert.equal(a.usage, 'estimate');
    assert.equal(a.promptTokens, 2);
    assert.deepEqual((a.response.data as unknown[])[0], { object: 'embedding', index: 0, embedding: V1 });
  });
  it('several inputs: batchEmbedContents with the model in every request; at most 100', () => {
    const r = req(
      'gemini',
      { model: 'm', input: ['a', 'b'], user: 'u' },
      target('gemini', 'models/text-embedding-004'),
    );
    assert.equal(r.path, '/v1beta/models/text-embedding-004:batchEmbedContents');
    assert.deepEqual(r.json, {
      requests: [
        { model: 'models/text-embedding-004', content: { parts: [{ text: 'a' }] } },
        { model: 'models/text-embedding-004', content: { parts: [{ text: 'b' }] } },
      ],
    });
    assert.deepEqual(r.droppedParams, ['user']);
    const a = fromProviderEmbeddingsResponse(
      'gemini',
      { embeddings: [{ values: V1 }, { values: V2 }] },
      r.call,
    );
    assert.equal((a.response.data as unknown[]).length, 2);
    assert.throws(
      () =>
        toProviderEmbeddingsRequest(
          'gemini',
          { input: Array.from({ length: 101 }, () => 'x') },
          target('gemini', 'g'),
        ),
      (e: unknown) => e instanceof TranslationError && e.status === 400 && /at most 100/.test(e.message),
    );
  });
  it('Vertex: predict with instances; token counts from statistics', () => {
    const t = target('vertex-ai', 'text-embedding-005', {
      vertexProject: 'p1',
      vertexLocation: 'us-central1',
    });
    const r = req(
      'vertex-ai',
      { model: 'm', input: ['a', 'b'], dimensions: 256, input_type: 'search_document' },
      t,
    );
    assert.equal(
      r.path,
      '/v1/projects/p1/locations/us-central1/publishers/google/models/text-embedding-005:predict',
    );
    assert.deepEqual(r.json, {
      instances: [
        { content: 'a', task_type: 'RETRIEVAL_DOCUMENT' },
        { content: 'b', task_type: 'RETRIEVAL_DOCUMENT' },
      ],
      parameters: { outputDimensionality: 256 },
    });
    const a = fromProviderEmbeddingsResponse(
      'vertex-ai',
      {
        predictions: [
          { embeddings: { values: V1, statistics: { token_count: 3, truncated: false } } },
          { embeddings: { values: V2, statistics: { token_count: 4, truncated: false } } },
        ],
        metadata: { billableCharacterCount: 2 },
      },
      r.call,
    );
    assert.deepEqual(a.response.usage, { prompt_tokens: 7, total_tokens: 7 });
    assert.equal(a.usage, 'provider');
  });
  it('a vector count that does not match the inputs is a 502', () => {
    const r = req('gemini', { input: ['a', 'b'] }, target('gemini', 'g'));
    assert.throws(
      () => fromProviderEmbeddingsResponse('gemini', { embeddings: [{ values: V1 }] }, r.call),
      (e: unknown) => e instanceof TranslationError && e.status === 502,
    );
  });
});

describe('embeddings: Bedrock InvokeModel', () => {
  it('Titan v2: inputText, dimensions, normalize; one input per request', () => {
    const r = req(
      'bedrock',
      { model: 'm', input: 'hi', dimensions: 256, user: 'u' },
      target('bedrock', 'amazon.titan-embed-text-v2:0'),
    );
    assert.equal(r.path, '/model/amazon.titan-embed-text-v2%3A0/invoke');
    assert.deepEqual(r.json, { inputText: 'hi', dimensions: 256, normalize: true });
    assert.deepEqual(r.droppedParams, ['user']);
    const a = fromProviderEmbeddingsResponse('bedrock', { embedding: V1, inputTextTokenCount: 2 }, r.call);
    assert.deepEqual(a.response.usage, { prompt_tokens: 2, total_tokens: 2 });
    assert.throws(
      () =>
        toProviderEmbeddingsRequest(
          'bedrock',
          { input: ['a', 'b'] },
          target('bedrock', 'amazon.titan-embed-text-v2:0'),
        ),
      (e: unknown) =>
        e instanceof TranslationError &&
        e.status === 400 &&
        /1 input per request; this request has 2/.test(e.message),
    );
  });
  it('Cohere v3: texts and input_type (default search_document); usage from the header', () => {
    const r = req(
      'bedrock',
      { model: 'm', input: ['a', 'b'], dimensions: 8 },
      target('bedrock', 'cohere.embed-english-v3'),
    );
    assert.deepEqual(r.json, { texts: ['a', 'b'], input_type: 'search_document' });
    assert.deepEqual(r.droppedParams, ['dimensions']);
    const a = fromProviderEmbeddingsResponse(
      'bedrock',
      { id: 'x', embeddings: [V1, V2], response_type: 'embeddings_floats', texts: ['a', 'b'] },
      r.call,
      { headerTokens: 5 },
    );
    assert.deepEqual(a.response.usage, { prompt_tokens: 5, total_tokens: 5 });
  });
  it('an unknown Bedrock model and Anthropic are 400s', () => {
    for (const [p, m] of [
      ['bedrock', 'anthropic.claude-3'],
      ['anthropic', 'claude'],
    ] as const)
      assert.throws(
        () => toProviderEmbeddingsRequest(p, { input: 'a' }, target(p, m)),
        (e: unknown) => e instanceof TranslationError && e.status === 400,
      );
  });
  it('errors are read by the provider adapter', () => {
    const e = fromProviderEmbeddingsError(
      'bedrock',
      400,
      Buffer.from('{"message":"Malformed input request"}'),
    );
    assert.equal(e.status, 400);
    assert.equal(e.message, 'Malformed input request');
  });
});

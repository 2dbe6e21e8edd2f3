/**
 * Embeddings through real Envoy with the official `openai` SDK (`embeddings.create`) against every
 * embedding provider's mock: one input and a batch (the SDK asks for base64 by default and decodes it:
 * the gateway answers base64 float32 for every provider), explicit floats, `dimensions`, the request
 * guard on the input, usage, dropped parameters, the `gen_ai` metrics with operation `embeddings`,
 * errors in OpenAI's format. The mock checks each provider's 400 rules on every request it gets, and its
 * vectors are deterministic (mockEmbedding), so the vectors the client decodes are compared exactly.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { startStandaloneStack } from '../helpers/stack.js';
import type { StandaloneStack } from '../helpers/stack.js';
import { repoRoot } from '../helpers/repo.js';
import { defaultDimensions, mockEmbedding } from '../../mock-provider/embeddings.js';
import { tokensFor } from '../../mock-provider/server.js';

const CONFIG = fs.readFileSync(path.join(repoRoot(), 'test/fixtures/standalone/e2e-embeddings.yaml'), 'utf8');
const SECRETS = {
  E2E_OPENAI_KEY: 'sk-gateway-openai',
  E2E_GEMINI_KEY: 'gemini-gateway-key',
  E2E_AWS_ID: 'AKIDEXAMPLE',
  E2E_AWS_SECRET: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

interface Case {
  readonly alias: string;
  readonly model: string;
  /** The upstream path the gateway must call (one input, then a batch). */
  readonly path: RegExp;
  readonly batchPath: RegExp;
  /** The provider reports usage (else the gateway's cl100k estimate). */
  readonly reportsUsage: boolean;
  readonly batch: boolean;
  readonly dimensions: boolean;
}

const CASES: readonly Case[] = [
  {
    alias: 'openai',
    model: 'text-embedding-3-small',
    path: /^\/v1\/embeddings$/,
    batchPath: /^\/v1\/embeddings$/,
    reportsUsage: true,
    batch: true,
    dimensions: true,
  },
  {
    alias: 'azure',
    model: 'emb-deployment',
    path: /^\/openai\/deployments\/emb-deployment\/embeddings\?api-version=/,
    batchPath: /embeddings\?api-version=/,
    reportsUsage: true,
    batch: true,
    dimensions: true,
  },
  {
    alias: 'mistral',
    model: 'mistral-embed',
    path: /^\/v1\/embeddings$/,
    batchPath: /^\/v1\/embeddings$/,
    reportsUsage: true,
    batch: true,
    dimensions: true,
  },
  {
    alias: 'ollama',
    model: 'nomic-embed-text',
    path: /^\/api\/embed$/,
    batchPath: /^\/api\/embed$/,
    reportsUsage: true,
    batch: true,
    dimensions: true,
  },
  {
    alias: 'gemini',
    model: 'gemini-embedding-001',
    path: /:embedContent$/,
    batchPath: /:batchEmbedContents$/,
    reportsUsage: false,
    batch: true,
    dimensions: true,
  },
  {
    alias: 'vertex',
    model: 'text-embedding-005',
    path: /\/projects\/p1\/locations\/us-central1\/publishers\/google\/models\/text-embedding-005:predict$/,
    batchPath: /:predict$/,
    reportsUsage: true,
    batch: true,
    dimensions: true,
  },
  {
    alias: 'titan',
    model: 'amazon.titan-embed-text-v2:0',
    path: /^\/model\/amazon\.titan-embed-text-v2%3A0\/invoke$/,
    batchPath: /invoke$/,
    reportsUsage: true,
    batch: false,
    dimensions: true,
  },
  {
    alias: 'cohere',
    model: 'cohere.embed-english-v3',
    path: /^\/model\/cohere\.embed-english-v3\/invoke$/,
    batchPath: /invoke$/,
    reportsUsage: true,
    batch: true,
    dimensions: false,
  },
];

const TEXT = 'The quick brown fox jumps over the lazy dog';
const BATCH = ['first document about ducks', 'second document, about geese'];

describe('embeddings through real Envoy with the openai SDK', () => {
  let stack: StandaloneStack;
  let openai: OpenAI;
  before(async () => {
    stack = await startStandaloneStack(CONFIG, {}, SECRETS);
    openai = new OpenAI({ baseURL: `${stack.envoy.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
  });
  after(async () => {
    await stack?.close();
  });
  const last = () => stack.mock.lastRequest()!;

  for (const c of CASES) {
    it(`${c.alias}: one input (SDK default base64), a batch, dimensions`, async () => {
      const one = await openai.embeddings.create({ model: c.alias, input: TEXT });
      assert.match(last().path, c.path);
      assert.equal(one.data.length, 1);
      assert.deepEqual(one.data[0]!.embedding, mockEmbedding(TEXT, defaultDimensions(c.model)));
      assert.equal(one.usage.prompt_tokens, one.usage.total_tokens);
      if (c.reportsUsage) assert.equal(one.usage.prompt_tokens, tokensFor(TEXT));
      else assert.equal(one.usage.prompt_tokens, 9); // our cl100k count of TEXT

      if (c.batch) {
        const many = await openai.embeddings.create({
          model: c.alias,
          input: BATCH,
          encoding_format: 'float',
        });
        assert.match(last().path, c.batchPath);
        assert.deepEqual(
          many.data.map((d) => [d.index, d.embedding]),
          BATCH.map((t, i) => [i, mockEmbedding(t, defaultDimensions(c.model))]),
        );
      } else {
        await assert.rejects(openai.embeddings.create({ model: c.alias, input: BATCH }), (e: unknown) => {
          assert.ok(e instanceof OpenAI.BadRequestError);
          assert.match(e.message, /1 input per request; this request has 2/);
          return true;
        });
      }

      const sized = await openai.embeddings
        .create({ model: c.alias, input: TEXT, dimensions: 256 })
        .withResponse();
      const dims = c.dimensions ? 256 : defaultDimensions(c.model);
      assert.deepEqual(sized.data.data[0]!.embedding, mockEmbedding(TEXT, dims));
      if (!c.dimensions)
        assert.equal(sized.response.headers.get('x-ai-extproc-dropped-params'), 'dimensions');
    });
  }

  it('the request guard masks the input before any provider sees it', async () => {
    await openai.embeddings.create({ model: 'gemini', input: ['card 4111 1111 1111 1111', 'plain'] });
    const sent = last().json as { requests: { content: { parts: { text: string }[] } }[] };
    assert.equal(sent.requests[0]!.content.parts[0]!.text, 'card <CREDIT_CARD>');
    await openai.embeddings.create({ model: 'openai', input: 'card 4111 1111 1111 1111' });
    assert.equal((last().json as { input: string }).input, 'card <CREDIT_CARD>');
  });

  it('OpenAI gets token ids and the user as sent; other providers refuse token ids with a 400', async () => {
    await openai.embeddings.create({ model: 'openai', input: [[1, 2, 3]], user: 'u-1' });
    assert.deepEqual(last().json, {
      model: 'text-embedding-3-small',
      input: [[1, 2, 3]],
      user: 'u-1',
      encoding_format: 'base64',
    });
    await assert.rejects(
      openai.embeddings.create({ model: 'vertex', input: [1, 2, 3] }),
      OpenAI.BadRequestError,
    );
  });

  it('provider errors come back in OpenAI format with their status', async () => {
    for (const alias of ['gemini', 'titan', 'ollama']) {
      await assert.rejects(
        openai.embeddings.create({ model: alias, input: 'x' }, { headers: { 'x-mock-status': '503' } }),
        (e: unknown) => {
          assert.ok(e instanceof OpenAI.APIError);
          assert.equal(e.status, 503);
          assert.match(e.message, /mock error 503/);
          return true;
        },
      );
    }
  });

  it('metrics: gen_ai token usage with operation embeddings', async () => {
    await openai.embeddings.create({ model: 'cohere', input: BATCH });
    const text = await stack.ext.metrics();
    const line = text
      .split('\n')
      .find(
        (l) =>
          l.startsWith('gen_ai_client_token_usage_count') &&
          l.includes('gen_ai_operation_name="embeddings"') &&
          l.includes('gen_ai_token_type="input"'),
      );
    assert.ok(line, 'an input-token observation for the embeddings operation');
  });
});

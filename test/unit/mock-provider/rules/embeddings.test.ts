/**
 * The mock's embeddings rules: every request the gateway's translation builds passes the provider's
 * rules, and the requests the providers refuse are refused (Titan one input and its dimensions,
 * Cohere's input_type, Gemini's batch limit and model match, OpenAI's dimensions and formats).
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import {
  bedrockEmbedProblems,
  geminiEmbedProblems,
  mistralEmbeddingsProblems,
  ollamaEmbedProblems,
  openAIEmbeddingsProblems,
  vertexPredictProblems,
} from '../../../../mock-provider/rules/embeddings.js';
import { toProviderEmbeddingsRequest } from '../../../../src/providers/embeddings/index.js';
import type { ProviderKind, UpstreamTarget } from '../../../../src/providers/translate/types.js';

const target = (provider: ProviderKind, model: string): UpstreamTarget => ({
  provider,
  model,
  stream: false,
  vertexProject: 'p',
  vertexLocation: 'us-central1',
});
const sent = (provider: ProviderKind, model: string, body: Record<string, unknown>): unknown =>
  JSON.parse(toProviderEmbeddingsRequest(provider, body, target(provider, model)).body.toString('utf8'));

const BODIES: Record<string, unknown>[] = [
  { model: 'x', input: 'one text' },
  { model: 'x', input: ['a', 'b'], dimensions: 256, user: 'u', encoding_format: 'base64' },
  { model: 'x', input: ['a'], input_type: 'search_query' },
];

it('what the gateway sends passes every provider rule', () => {
  for (const body of BODIES) {
    assert.deepEqual(
      openAIEmbeddingsProblems(
        sent('openai', 'text-embedding-3-small', { ...body, input_type: undefined }),
        'text-embedding-3-small',
      ),
      [],
    );
    assert.deepEqual(mistralEmbeddingsProblems(sent('mistral', 'codestral-embed', body)), []);
    assert.deepEqual(ollamaEmbedProblems(sent('ollama', 'nomic-embed-text', body)), []);
    const batch = typeof body.input !== 'string';
    assert.deepEqual(
      geminiEmbedProblems(sent('gemini', 'gemini-embedding-001', body), 'gemini-embedding-001', batch),
      [],
    );
    assert.deepEqual(
      vertexPredictProblems(sent('vertex-ai', 'text-embedding-005', body), 'text-embedding-005'),
      [],
    );
    assert.deepEqual(
      bedrockEmbedProblems(sent('bedrock', 'cohere.embed-english-v3', body), 'cohere.embed-english-v3'),
      [],
    );
    if (batch && (body.input as unknown[]).length > 1) continue;
    assert.deepEqual(
      bedrockEmbedProblems(
        sent('bedrock', 'amazon.titan-embed-text-v2:0', body),
        'amazon.titan-embed-text-v2:0',
      ),
      [],
    );
    assert.deepEqual(
      bedrockEmbedProblems(sent('bedrock', 'amazon.titan-embed-text-v1', body), 'amazon.titan-embed-text-v1'),
      [],
    );
  }
});

it('the requests providers refuse are refused', () => {
  const titan = 'amazon.titan-embed-text-v2:0';
  assert.match(
    bedrockEmbedProblems({ inputText: 'a', dimensions: 300 }, titan).join(),
    /not a valid enum value/,
  );
  assert.match(bedrockEmbedProblems({ inputText: ['a', 'b'] }, titan).join(), /inputText/);
  assert.match(
    bedrockEmbedProblems({ inputText: 'a', dimensions: 256 }, 'amazon.titan-embed-text-v1').join(),
    /dimensions/,
  );
  assert.match(bedrockEmbedProblems({ texts: ['a'] }, 'cohere.embed-english-v3').join(), /input_type/);
  assert.match(
    bedrockEmbedProblems(
      { texts: Array(97).fill('a'), input_type: 'clustering' },
      'cohere.embed-english-v3',
    ).join(),
    /maxLength: 96/,
  );
  const req = { model: 'models/g', content: { parts: [{ text: 'a' }] } };
  assert.match(geminiEmbedProblems({ requests: Array(101).fill(req) }, 'g', true).join(), /at most 100/);
  assert.match(
    geminiEmbedProblems({ requests: [{ ...req, model: 'models/h' }] }, 'g', true).join(),
    /must match/,
  );
  assert.match(geminiEmbedProblems({ content: { parts: [] } }, 'g', false).join(), /must not be empty/);
  assert.match(
    vertexPredictProblems({ instances: [{ content: 'a' }, { content: 'b' }] }, 'gemini-embedding-001').join(),
    /at most 1/,
  );
  assert.match(
    openAIEmbeddingsProblems({ input: 'a', dimensions: 8 }, 'text-embedding-ada-002').join(),
    /does not support/,
  );
  assert.match(
    openAIEmbeddingsProblems({ input: 'a', encoding_format: 'int8' }, 'text-embedding-3-small').join(),
    /encoding_format/,
  );
  assert.match(
    openAIEmbeddingsProblems({ input: 'a', input_type: 'x' }, 'text-embedding-3-small').join(),
    /Unrecognized/,
  );
  assert.match(
    mistralEmbeddingsProblems({ model: 'mistral-embed', input: 'a', user: 'u' }).join(),
    /Extra inputs/,
  );
});

/** Schema of a route's `policy.cache` (the semantic cache). */
import { str } from './schema-primitives.js';

export const cacheDefinition = {
  type: 'object',
  additionalProperties: false,
  description:
    'Answers stored and reused: L1 exact (the whole canonical request), L2 semantic (the last user ' +
    'message, within a partition of identical history, model, client and policy).',
  properties: {
    exact: { type: 'boolean', description: 'L1 exact match. Default true.' },
    semantic: {
      type: 'object',
      additionalProperties: false,
      required: ['embedder'],
      properties: {
        embedder: {
          enum: ['none', 'local', 'provider'],
          description:
            "local: all-MiniLM-L6-v2 in process (make install fetches it); provider: a backend's " +
            '/v1/embeddings; none: L1 only.',
        },
        threshold: {
          type: 'number',
          minimum: 0.5,
          maximum: 1,
          description: 'Cosine similarity for a semantic hit. Default: local 0.92, provider 0.97.',
        },
        backend: str('provider: the backend serving /v1/embeddings (OpenAI-compatible).', {
          minLength: 1,
        }),
        model: str('provider: the embedding model.', { minLength: 1 }),
      },
    },
    store: {
      enum: ['memory', 'redis', 'postgres'],
      description: 'memory (default); redis: L1 only, stores.redis; postgres: stores.postgres.',
    },
    ttlSeconds: { type: 'integer', minimum: 1, maximum: 2592000, description: 'Default 3600.' },
    maxEntries: {
      type: 'integer',
      minimum: 1,
      maximum: 1000000,
      description: 'Entries per partition (memory: LRU; postgres: newest kept). Default 2000.',
    },
    shareAcrossClients: {
      type: 'boolean',
      description: 'Clients share answers (the client identity leaves the partition key). Default false.',
    },
    cacheToolCalls: { type: 'boolean', description: 'Store answers that call tools. Default false.' },
    timeoutMs: {
      type: 'integer',
      minimum: 1,
      maximum: 10000,
      description: 'A slower store or embedder is a miss. Default 250.',
    },
  },
};

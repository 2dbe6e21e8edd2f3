/** Schema definitions of client identity, budgets (limits), pricing and the shared stores. */
import { HEADER_PATTERN, NAME_MESSAGE, NAME_PATTERN, str } from './schema-primitives.js';

const secretRef = { $ref: '#/definitions/secretRef' };
const name = (what: string) => str(what, { pattern: NAME_PATTERN, patternErrorMessage: NAME_MESSAGE });
const header = (what: string) =>
  str(what, { pattern: HEADER_PATTERN, patternErrorMessage: 'must be a header name' });

export const clientsDefinition = {
  type: 'object',
  description:
    'Named virtual API keys. A client sends its key like a provider key (Authorization: Bearer, ' +
    'x-api-key, api-key or x-goog-api-key); the key never reaches a provider.',
  propertyNames: { pattern: NAME_PATTERN, patternErrorMessage: NAME_MESSAGE },
  additionalProperties: {
    type: 'object',
    additionalProperties: false,
    required: ['key'],
    properties: {
      key: { ...secretRef, description: 'The virtual key: { env: NAME } or { file: PATH }, never inline.' },
      team: name('The team the client belongs to (limits can key on it).'),
      tags: { type: 'array', maxItems: 16, items: str('Free label.', { minLength: 1, maxLength: 63 }) },
    },
  },
};

export const identityDefinition = {
  type: 'object',
  description:
    'Take the client identity from a header that Envoy sets after its own authentication (e.g. ' +
    'jwt_authn claim_to_headers). The generated Envoy config removes client copies of it.',
  additionalProperties: false,
  required: ['header'],
  properties: {
    header: header('Header holding the client name.'),
    teamHeader: header('Header holding the team (default: the team of the configured client).'),
  },
};

const PER = { enum: ['second', 'minute', 'hour', 'day'], description: 'Fixed window, aligned to UTC.' };
const amount = (what: string) => ({
  type: 'object',
  additionalProperties: false,
  required: ['limit', 'per'],
  properties: { limit: { type: 'number', exclusiveMinimum: 0, description: what }, per: PER },
});

export const limitDefinition = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'key'],
  properties: {
    name: name('Limit name (metrics, logs and refusals name it).'),
    key: {
      type: 'array',
      minItems: 1,
      maxItems: 6,
      description: 'What the limit counts per: several parts make one composite key.',
      items: {
        oneOf: [
          { enum: ['client', 'team', 'route', 'model', 'ip'] },
          {
            type: 'object',
            additionalProperties: false,
            required: ['header'],
            properties: { header: header('A request header (its value, up to 256 characters).') },
          },
        ],
      },
    },
    requests: amount('Requests per window.'),
    tokens: amount('Tokens (input + output) per window.'),
    cost: amount('USD per window (needs pricing for the models served).'),
  },
  anyOf: [{ required: ['requests'] }, { required: ['tokens'] }, { required: ['cost'] }],
};

const price = { type: 'number', minimum: 0 };
export const pricingDefinition = {
  type: 'object',
  description: 'USD per million tokens, by provider model ("*": every other model).',
  additionalProperties: {
    type: 'object',
    additionalProperties: false,
    required: ['input', 'output'],
    properties: { input: price, output: price, cachedInput: price },
  },
};

export const storesDefinition = {
  type: 'object',
  additionalProperties: false,
  properties: {
    reservationTtlSeconds: {
      type: 'integer',
      minimum: 1,
      maximum: 86400,
      description:
        'A budget reservation not settled by then is released (a crashed replica). Default 600; ' +
        'keep it above your longest request.',
    },
    redis: {
      type: 'object',
      additionalProperties: false,
      required: ['url'],
      properties: {
        url: { ...secretRef, description: 'redis://[user:password@]host:port[/db]' },
        failOpen: {
          type: 'boolean',
          description: 'Redis unreachable: admit (true, default; counted and logged) or answer 503.',
        },
        timeoutMs: { type: 'integer', minimum: 1, maximum: 10000, description: 'Per call, default 250.' },
      },
    },
    postgres: {
      type: 'object',
      additionalProperties: false,
      required: ['url'],
      description:
        'PostgreSQL with pgvector: the semantic cache shared by replicas (policy.cache.store: postgres).',
      properties: {
        url: { ...secretRef, description: 'postgres://user:password@host:port/db' },
        table: {
          type: 'string',
          pattern: '^[a-z_][a-z0-9_]{0,62}$',
          patternErrorMessage: 'must be a lower-case SQL identifier',
          description: 'The cache table (created on first use). Default ai_extproc_cache.',
        },
        dimensions: {
          type: 'integer',
          minimum: 1,
          maximum: 16000,
          description: "The embedding column's size: the embedder's (384: local and E5-small). Default 384.",
        },
        maxConnections: { type: 'integer', minimum: 1, maximum: 100, description: 'Pool size, default 4.' },
      },
    },
  },
};

/** The policy fields of this issue (merged into policyDefinition's properties). */
export const policyLimitProperties = {
  requireClient: {
    type: 'boolean',
    description: 'Only configured clients (or the identity header) may use the route; others get 401.',
  },
  limits: { type: 'array', items: { $ref: '#/definitions/limit' } },
  maxOutputTokens: {
    type: 'integer',
    minimum: 1,
    description:
      'On a limited route, set upstream when the request names no max_tokens (default 4096): the ' +
      'reservation is then a true upper bound.',
  },
};

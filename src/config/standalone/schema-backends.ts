/** Schema definitions of backends: the backend itself, its auth, and secret references. */
import { ENV_PATTERN, NAME_MESSAGE, NAME_PATTERN, PROVIDERS, ifProvider, str } from './schema-primitives.js';
import { poolDefinition } from './schema-pools.js';

export const secretRefDefinition = {
  type: 'object',
  description: 'A secret: { env: NAME } reads an environment variable, { file: PATH } reads a file.',
  additionalProperties: false,
  properties: {
    env: str('Environment variable name.', {
      pattern: ENV_PATTERN,
      patternErrorMessage: 'must be an environment variable name',
    }),
    file: str('File path; relative paths are relative to the config file.', { minLength: 1 }),
  },
  oneOf: [{ required: ['env'] }, { required: ['file'] }],
  errorMessage: 'secrets are never written inline: use { env: NAME } or { file: PATH }',
};

export const backendDefinition = {
  type: 'object',
  additionalProperties: false,
  required: ['provider', 'auth'],
  properties: {
    provider: { enum: [...PROVIDERS], description: 'Upstream API.' },
    kind: {
      enum: ['provider', 'pool'],
      description: 'provider (default): one upstream at baseUrl. pool: model servers picked per request.',
    },
    pool: poolDefinition,
    description: str('Free text.'),
    cluster: str(
      'Envoy cluster selector: the x-ai-extproc-backend header value. Default: the backend name. ' +
        'Several backends (say, one per provider on one mock server) may share a cluster.',
      { pattern: NAME_PATTERN, patternErrorMessage: NAME_MESSAGE },
    ),
    baseUrl: str(
      'scheme://host[:port] of the upstream. Optional except for azure_openai (provider default).',
      {
        pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\\s]+/?$',
        patternErrorMessage: 'must be http(s)://host[:port] with no path',
      },
    ),
    caFile: str(
      'PEM file of the CAs that verify this https backend (its name is checked too). Default: the system bundle.',
      { minLength: 1 },
    ),
    auth: { $ref: '#/definitions/auth' },
    defaultModel: str('Model used when a request names none.', { minLength: 1 }),
    azure: {
      type: 'object',
      description: 'azure_openai settings.',
      additionalProperties: false,
      properties: { apiVersion: str('api-version query value. Default 2024-10-21.', { minLength: 1 }) },
    },
    vertex: {
      type: 'object',
      description: 'vertex-ai settings.',
      additionalProperties: false,
      required: ['project', 'location'],
      properties: {
        project: str('GCP project id.', { minLength: 1 }),
        location: str('GCP location, e.g. us-central1 or global.', { minLength: 1 }),
        apiVersion: str('Path version segment. Default v1.', { minLength: 1 }),
      },
    },
    openai: {
      type: 'object',
      description: 'openai settings.',
      additionalProperties: false,
      properties: {
        api: {
          enum: ['chat', 'responses'],
          description:
            'The API the models are served on: chat (/v1/chat/completions, default) or responses (/v1/responses only).',
        },
      },
    },
    anthropic: {
      type: 'object',
      description: 'anthropic settings.',
      additionalProperties: false,
      properties: { version: str('anthropic-version header. Default 2023-06-01.', { minLength: 1 }) },
    },
    gemini: {
      type: 'object',
      description: 'gemini settings.',
      additionalProperties: false,
      properties: { apiVersion: str('Path version segment. Default v1beta.', { minLength: 1 }) },
    },
    bedrock: {
      type: 'object',
      description: 'bedrock settings.',
      additionalProperties: false,
      required: ['region'],
      properties: {
        region: str('AWS region, e.g. us-east-1.', {
          pattern: '^[a-z]{2}(-[a-z]+)+-[0-9]+$',
          patternErrorMessage: 'must be an AWS region such as us-east-1',
        }),
      },
    },
  },
  allOf: [
    ifProvider('azure_openai', {
      required: ['baseUrl'],
      errorMessage: 'is required for provider azure_openai',
    }),
    ifProvider('vertex-ai', { required: ['vertex'], errorMessage: 'is required for provider vertex-ai' }),
    ifProvider('bedrock', { required: ['bedrock'], errorMessage: 'is required for provider bedrock' }),
    {
      if: { type: 'object', properties: { kind: { const: 'pool' } }, required: ['kind'] },
      then: { required: ['pool'], errorMessage: 'a backend of kind pool needs a pool block' },
    },
  ],
};

export const authDefinition = {
  type: 'object',
  description: 'Upstream credentials: exactly one of apiKey, bearer, aws, passthrough, none.',
  additionalProperties: false,
  properties: {
    apiKey: {
      $ref: '#/definitions/secretRef',
      description:
        'API key in the provider header (authorization Bearer, api-key, x-api-key, x-goog-api-key).',
    },
    bearer: { $ref: '#/definitions/secretRef', description: 'Token sent as authorization: Bearer.' },
    aws: {
      type: 'object',
      description: 'bedrock: SigV4 credentials.',
      additionalProperties: false,
      required: ['accessKeyId', 'secretAccessKey'],
      properties: {
        accessKeyId: { $ref: '#/definitions/secretRef' },
        secretAccessKey: { $ref: '#/definitions/secretRef' },
        sessionToken: { $ref: '#/definitions/secretRef' },
      },
    },
    passthrough: { const: true, description: "Reuse the client's credential." },
    none: { const: true, description: 'No credential (local mocks).' },
  },
  oneOf: [
    { required: ['apiKey'] },
    { required: ['bearer'] },
    { required: ['aws'] },
    { required: ['passthrough'] },
    { required: ['none'] },
  ],
};

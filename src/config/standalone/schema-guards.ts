/** Schema of the guards (kgateway PromptguardRequest / PromptguardResponse) under policy.guards. */
import { HEADER_PATTERN, str } from './schema-primitives.js';

const regexGuard = {
  type: 'object',
  description: 'Regex guard: builtin detectors and custom RE2 patterns (kgateway Regex).',
  additionalProperties: false,
  properties: {
    action: { enum: ['MASK', 'REJECT'], description: 'MASK (default) replaces matches; REJECT refuses.' },
    builtins: {
      type: 'array',
      items: { enum: ['CREDIT_CARD', 'SSN', 'PHONE_NUMBER', 'EMAIL'] },
    },
    matches: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['pattern'],
        properties: {
          pattern: str('Custom pattern (Python regex syntax translated to RE2; linear time).', {
            minLength: 1,
          }),
          name: str('Label for the pattern.'),
        },
      },
    },
  },
};

const headerMatches = {
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      type: { enum: ['Exact', 'RegularExpression'] },
      name: str('Header name.', { pattern: HEADER_PATTERN, patternErrorMessage: 'must be a header name' }),
      value: str('Header value or regex.'),
    },
  },
};

const webhookGuard = {
  type: 'object',
  description: 'Webhook guard (kgateway Webhook), called with the prompt or the response.',
  additionalProperties: false,
  required: ['host'],
  properties: {
    host: {
      type: 'object',
      additionalProperties: false,
      required: ['host'],
      properties: {
        host: str('Webhook host name or IP.', { minLength: 1 }),
        port: { type: 'integer', minimum: 1, maximum: 65535, description: 'Default 443.' },
      },
    },
    forwardHeaderMatches: { ...headerMatches, description: 'Client headers forwarded to the webhook.' },
    forwardHeaders: { ...headerMatches, description: 'kgateway v2.0 name of forwardHeaderMatches.' },
    scheme: { enum: ['https', 'http'], description: 'Standalone only. Default https.' },
    insecureSkipVerify: {
      type: 'boolean',
      description: 'Standalone only: skip TLS certificate verification. Default false.',
    },
  },
};

export const guardRequest = {
  type: 'object',
  description: 'kgateway PromptguardRequest.',
  additionalProperties: false,
  properties: {
    customResponse: {
      type: 'object',
      additionalProperties: false,
      properties: {
        message: str('Body of the reject answer.'),
        statusCode: { type: 'integer', minimum: 300, maximum: 599, description: 'Default 403.' },
      },
    },
    regex: regexGuard,
    webhook: webhookGuard,
    moderation: {
      type: 'object',
      additionalProperties: false,
      properties: {
        openAIModeration: {
          type: 'object',
          additionalProperties: false,
          properties: {
            model: str('Default omni-moderation-latest.', { minLength: 1 }),
            authToken: {
              type: 'object',
              description:
                'kind: Passthrough reuses the client token; kind: SecretRef reads secretRef. ' +
                'Without authToken, OPENAI_API_KEY of the server is used.',
              additionalProperties: false,
              required: ['kind'],
              properties: {
                kind: { enum: ['Passthrough', 'SecretRef'] },
                secretRef: { $ref: '#/definitions/secretRef' },
                inline: {
                  not: {},
                  errorMessage:
                    'secrets are never written inline: use kind: SecretRef with secretRef: { env: NAME } or { file: PATH }',
                },
              },
              if: { type: 'object', properties: { kind: { const: 'SecretRef' } }, required: ['kind'] },
              then: { required: ['secretRef'] },
            },
          },
        },
      },
    },
  },
};

export const guardResponse = {
  type: 'object',
  description: 'kgateway PromptguardResponse.',
  additionalProperties: false,
  properties: { regex: regexGuard, webhook: webhookGuard },
};

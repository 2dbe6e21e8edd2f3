/** Schema of a model alias's failover: its targets, retry policy and cooldown. */
import { str } from './schema-primitives.js';

/** The failures a retry policy may name (Portkey's and Envoy AI Gateway's list). */
export const RETRY_ON = [429, 500, 502, 503, 504, 529, 'connect-failure', 'reset-before-headers'] as const;

export const MAX_TARGETS = 8;

export const retryDefinition = {
  type: 'object',
  additionalProperties: false,
  description: 'When and how often a request moves on to the next target.',
  properties: {
    on: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { enum: [...RETRY_ON] },
      description: 'Failures that move on to the next target. Default: all of them.',
    },
    attempts: {
      type: 'integer',
      minimum: 1,
      maximum: MAX_TARGETS,
      description: 'Attempts in all, the first included. Default: one per target.',
    },
    perTryTimeoutMs: {
      type: 'integer',
      minimum: 1,
      maximum: 600_000,
      description: 'Time for one attempt to answer with headers (ms). Default: none.',
    },
  },
};

export const failoverAliasProperties = {
  targets: {
    type: 'array',
    minItems: 1,
    maxItems: MAX_TARGETS,
    description:
      'Backends serving this alias: the lowest priority first (failover), weighted inside a priority.',
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['backend', 'model'],
      properties: {
        backend: str('Backend name.', { minLength: 1 }),
        model: str('Provider model (Azure: deployment).', { minLength: 1 }),
        priority: { type: 'integer', minimum: 0, maximum: 100, description: 'Default 0.' },
        weight: { type: 'integer', minimum: 1, maximum: 10_000, description: 'Default 1.' },
      },
    },
  },
  retry: { $ref: '#/definitions/retry' },
  cooldownMs: {
    type: 'integer',
    minimum: 0,
    maximum: 3_600_000,
    description:
      'How long a target that answered 429/5xx is not tried first, when it gave no Retry-After. Default 30000.',
  },
};

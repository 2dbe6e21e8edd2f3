/** Schema definitions of routes and their policy (prompt enrichment, defaults, guards, stream usage). */
import { guardRequest, guardResponse } from './schema-guards.js';
import { policyLimitProperties } from './schema-limits.js';
import { failoverAliasProperties } from './schema-failover.js';
import { cacheDefinition } from './schema-cache.js';
import { FIELD_PATTERN, HEADER_PATTERN, NAME_MESSAGE, NAME_PATTERN, str } from './schema-primitives.js';

const message = {
  type: 'object',
  additionalProperties: false,
  required: ['role', 'content'],
  properties: {
    role: {
      enum: ['system', 'developer', 'user', 'assistant'],
      description: 'For Anthropic clients, system and developer entries go to the top-level system.',
    },
    content: str('Message text.', { minLength: 1 }),
  },
};

export const routeDefinition = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: str('Unique route name.', { pattern: NAME_PATTERN, patternErrorMessage: NAME_MESSAGE }),
    description: str('Free text.'),
    match: {
      type: 'object',
      description: 'All given conditions must hold. No match block matches every request.',
      additionalProperties: false,
      properties: {
        pathPrefix: str('Path prefix on segment boundaries ("/v1" matches /v1 and /v1/x, not /v1x).', {
          pattern: '^/',
          patternErrorMessage: 'must start with /',
        }),
        authority: str(
          'Host, case-insensitive; "*.example.com" matches subdomains. Without a port, any port.',
          { minLength: 1 },
        ),
        headers: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name'],
            properties: {
              name: str('Header name (case-insensitive).', {
                pattern: HEADER_PATTERN,
                patternErrorMessage: 'must be a header name',
              }),
              value: str('Exact value.'),
              regex: str('RE2 regex that must match the whole value.', { minLength: 1 }),
            },
            oneOf: [{ required: ['value'] }, { required: ['regex'] }],
          },
        },
      },
    },
    backend: str('The backend serving every request of this route.', { minLength: 1 }),
    models: {
      type: 'object',
      description:
        'Client model name → backend + provider model. "*" catches every other name (its model ' +
        'defaults to the requested one).',
      minProperties: 1,
      propertyNames: { pattern: '^\\S+$', patternErrorMessage: 'must have no spaces' },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: {
          backend: str('Backend name.', { minLength: 1 }),
          model: str('Provider model (Azure: deployment). Default: the client-facing name.', {
            minLength: 1,
          }),
          ...failoverAliasProperties,
        },
        oneOf: [{ required: ['backend'] }, { required: ['targets'] }],
      },
    },
    policy: { $ref: '#/definitions/policy' },
  },
  oneOf: [{ required: ['backend'] }, { required: ['models'] }],
};

export const policyDefinition = {
  type: 'object',
  additionalProperties: false,
  properties: {
    promptEnrichment: {
      type: 'object',
      additionalProperties: false,
      properties: {
        prepend: {
          type: 'array',
          items: message,
          description: 'Messages put before the client messages.',
        },
        append: { type: 'array', items: message, description: 'Messages put after the client messages.' },
      },
    },
    defaults: {
      type: 'array',
      description: 'Request fields set when the client did not set them (or always, with override).',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['field', 'value'],
        properties: {
          field: str('Field name; dots reach into objects (stream_options.include_usage).', {
            pattern: FIELD_PATTERN,
            patternErrorMessage: 'must be a field name or a dotted path of field names',
          }),
          value: { description: 'Any JSON value.' },
          override: { type: 'boolean', description: 'Set even when the client set it. Default false.' },
        },
      },
    },
    guards: {
      type: 'object',
      additionalProperties: false,
      properties: { request: guardRequest, response: guardResponse },
    },
    streamUsage: {
      type: 'boolean',
      description: 'Add stream_options.include_usage to streaming OpenAI requests. Default true.',
    },
    ...policyLimitProperties,
    cache: cacheDefinition,
  },
};

/** Schema definitions of the `mcp:` section: MCP backends (plain HTTP(S) upstreams) and MCP routes. */
import { guardRequest, guardResponse } from './schema-guards.js';
import { NAME_MESSAGE, NAME_PATTERN, str } from './schema-primitives.js';
import { routeDefinition } from './schema-routes.js';

const namePattern = {
  description: 'An exact name (or URI), or { regex: RE2 } matching the whole of it.',
  oneOf: [
    { type: 'string', minLength: 1 },
    {
      type: 'object',
      additionalProperties: false,
      required: ['regex'],
      properties: { regex: str('RE2 regex that must match the whole name.', { minLength: 1 }) },
    },
  ],
};

const nameRule = (what: string) => ({
  type: 'object',
  description: `Which ${what} a client may use: allow (when given) admits only what it matches; deny wins.`,
  additionalProperties: false,
  properties: {
    allow: { type: 'array', items: namePattern },
    deny: { type: 'array', items: namePattern },
  },
});

export const mcpGuardsDefinition = {
  type: 'object',
  description:
    'Prompt guards on every string of tools/call and prompts/get arguments (request) and of tools/call results (response).',
  additionalProperties: false,
  properties: { request: guardRequest, response: guardResponse },
};

export const mcpRulesDefinition = {
  type: 'object',
  additionalProperties: false,
  properties: {
    methods: {
      type: 'array',
      description:
        'Request methods a client may call (initialize, ping and server/discover always pass). Default: all.',
      items: { type: 'string', minLength: 1 },
    },
    tools: nameRule('tools (tools/call, tools/list)'),
    prompts: nameRule('prompts (prompts/get, prompts/list)'),
    resources: nameRule(
      'resource URIs (resources/read, subscribe, resources/list, templates by uriTemplate)',
    ),
  },
};

export const clientRulesDefinition = {
  type: 'array',
  description:
    'Rules for named clients (virtual keys in clients:, or the identity header): the first entry naming the caller replaces the default rules for it.',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['clients'],
    properties: {
      clients: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
      ...mcpRulesDefinition.properties,
    },
  },
};

export const mcpRouteDefinition = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'backend'],
  properties: {
    name: str('Unique MCP route name.', { pattern: NAME_PATTERN, patternErrorMessage: NAME_MESSAGE }),
    description: str('Free text.'),
    match: routeDefinition.properties.match,
    backend: str('The MCP backend serving this route.', { minLength: 1 }),
    maxBodyBytes: {
      type: 'integer',
      minimum: 1,
      maximum: 8 * 1024 * 1024,
      description: 'Largest POST body (one JSON-RPC message) read. Default 4 MiB.',
    },
    denyStatus: {
      enum: [400, 403],
      description:
        'HTTP status of a refused request. Default: 200 with the JSON-RPC error, as for a missing tool.',
    },
    rules: mcpRulesDefinition,
    clientRules: clientRulesDefinition,
    guards: mcpGuardsDefinition,
  },
};

export const mcpDefinition = {
  type: 'object',
  description: 'MCP tool servers behind the gateway, guarded by rules (routes tried before the AI routes).',
  additionalProperties: false,
  required: ['backends', 'routes'],
  properties: {
    backends: {
      type: 'object',
      description: 'MCP servers by name: plain HTTP(S) upstreams, no provider, no translation.',
      minProperties: 1,
      propertyNames: { pattern: NAME_PATTERN, patternErrorMessage: NAME_MESSAGE },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['baseUrl'],
        properties: {
          description: str('Free text.'),
          baseUrl: str('scheme://host[:port] of the MCP server; request paths pass unchanged.', {
            pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\\s]+/?$',
            patternErrorMessage: 'must be http(s)://host[:port] with no path',
          }),
        },
      },
    },
    routes: {
      type: 'array',
      description: 'MCP routes, tried in order (and before the AI routes): the first match wins.',
      minItems: 1,
      items: { $ref: '#/definitions/mcpRoute' },
    },
  },
};

/**
 * JSON Schema (draft-07) of the standalone config file. The loader validates with it (ajv), and the
 * same schema ships as config/ai-extproc.schema.json for editors (a test keeps the two equal).
 *
 * The schema checks structure only; cross-references, secrets, provider rules and regexes are checked
 * in code (validate-semantics.ts). `errorMessage` / `patternErrorMessage` are the VS Code JSON
 * extensions, also read by the loader's error formatter.
 *
 * The definitions live in schema-backends.ts, schema-routes.ts and schema-guards.ts; the patterns and
 * builders they share in schema-primitives.ts.
 */
import { authDefinition, backendDefinition, secretRefDefinition } from './schema-backends.js';
import { NAME_MESSAGE, NAME_PATTERN, str } from './schema-primitives.js';
import { policyDefinition, routeDefinition } from './schema-routes.js';
import { mcpDefinition, mcpRouteDefinition } from './schema-mcp.js';
import { retryDefinition } from './schema-failover.js';
import { mcpGatewayDefinition, mcpServersDefinition } from './schema-mcp-gateway.js';
import {
  clientsDefinition,
  identityDefinition,
  limitDefinition,
  pricingDefinition,
  storesDefinition,
} from './schema-limits.js';

const tracingDefinition = {
  type: 'object',
  description: 'OTLP tracing, with kgateway tracing.json semantics.',
  additionalProperties: false,
  required: ['endpoint'],
  properties: {
    endpoint: str('Collector URL.', {
      pattern: '^[Hh][Tt][Tt][Pp][Ss]?://',
      patternErrorMessage: 'must be an http(s) URL',
    }),
    protocol: { enum: ['grpc', 'http/protobuf', 'http/json'], description: 'Default grpc.' },
    sampler: {
      type: 'object',
      additionalProperties: false,
      properties: {
        type: {
          enum: [
            'alwaysOn',
            'alwaysOff',
            'traceidratio',
            'parentbasedAlwaysOn',
            'parentbasedAlwaysOff',
            'parentbasedTraceidratio',
          ],
        },
        arg: { type: ['string', 'number'], description: 'Ratio 0..1 for the ratio samplers.' },
      },
    },
    timeout: { type: ['string', 'number'], description: 'Export timeout: Go duration or seconds.' },
  },
};

export const CONFIG_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'urn:ai-extproc:standalone-config:v1',
  title: 'ai-extproc standalone configuration',
  description: 'Backends, routes and policies of ai-extproc in standalone mode (AI_EXTPROC_CONFIG).',
  type: 'object',
  additionalProperties: false,
  required: ['version', 'backends', 'routes'],
  patternProperties: {
    '^x-': { description: 'Free for your own use, e.g. YAML anchors to merge (<<: *name) elsewhere.' },
  },
  properties: {
    version: { const: 1, description: 'Config format version. Must be 1.' },
    backends: {
      type: 'object',
      description: 'Upstream providers by name (unless `cluster` says otherwise, also the Envoy cluster).',
      minProperties: 1,
      propertyNames: { pattern: NAME_PATTERN, patternErrorMessage: NAME_MESSAGE },
      additionalProperties: { $ref: '#/definitions/backend' },
    },
    routes: {
      type: 'array',
      description: 'Routes, tried in order: the first match wins.',
      minItems: 1,
      items: { $ref: '#/definitions/route' },
    },
    tracing: { $ref: '#/definitions/tracing' },
    mcp: mcpDefinition,
    mcpServers: mcpServersDefinition,
    mcpGateway: mcpGatewayDefinition,
    clients: clientsDefinition,
    identity: identityDefinition,
    limits: {
      type: 'array',
      description: 'Limits on every route (a route adds its own in policy.limits).',
      items: { $ref: '#/definitions/limit' },
    },
    pricing: pricingDefinition,
    stores: storesDefinition,
  },
  definitions: {
    secretRef: secretRefDefinition,
    backend: backendDefinition,
    auth: authDefinition,
    route: routeDefinition,
    policy: policyDefinition,
    tracing: tracingDefinition,
    mcpRoute: mcpRouteDefinition,
    limit: limitDefinition,
    retry: retryDefinition,
  },
} as const;

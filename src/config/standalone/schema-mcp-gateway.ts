/** Schema of `mcpServers:` (upstream MCP servers) and `mcpGateway:` (the federation endpoint). */
import { clientRulesDefinition, mcpGuardsDefinition, mcpRulesDefinition } from './schema-mcp.js';
import { str } from './schema-primitives.js';

const secret = { $ref: '#/definitions/secretRef' };

export const mcpServersDefinition = {
  type: 'object',
  description:
    'Upstream MCP servers federated behind the MCP gateway endpoint (MCP_ADDR); the endpoint is on only when this lists a server.',
  minProperties: 1,
  propertyNames: {
    pattern: '^[a-z][a-z0-9-]{0,62}$',
    patternErrorMessage: 'must be lower-case letters, digits and "-", starting with a letter',
  },
  additionalProperties: {
    type: 'object',
    additionalProperties: false,
    oneOf: [{ required: ['url'] }, { required: ['command'] }],
    properties: {
      description: str('Free text.'),
      command: str('A stdio server: the program we start (restarted with backoff when it exits).'),
      args: { type: 'array', items: { type: 'string' }, description: 'Arguments of command.' },
      env: {
        type: 'object',
        description:
          "The stdio server's whole environment (besides PATH and HOME): values, or secrets from env or file.",
        additionalProperties: { oneOf: [{ type: 'string' }, secret] },
      },
      cwd: str('Working directory of command (relative to the config file).'),
      url: str('Streamable HTTP endpoint of the server (https verified against the system CAs).', {
        pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^\\s]+$',
        patternErrorMessage: 'must be an http(s) URL',
      }),
      auth: {
        type: 'object',
        description: 'How the gateway authenticates to this server (never sent to clients).',
        additionalProperties: false,
        properties: {
          bearer: secret,
          apiKey: {
            type: 'object',
            additionalProperties: false,
            required: ['header', 'value'],
            properties: { header: str('Header name.', { pattern: '^[A-Za-z0-9-]+$' }), value: secret },
          },
          forwardHeaders: {
            type: 'array',
            description: "The client's own headers passed to this server as they are (e.g. its token).",
            items: str('Header name.', { pattern: '^[A-Za-z0-9-]+$' }),
          },
        },
      },
      timeoutMs: {
        type: 'integer',
        minimum: 100,
        maximum: 600_000,
        description: 'Per call to this server. Default: mcpGateway.timeoutMs.',
      },
    },
  },
};

export const mcpGatewayDefinition = {
  type: 'object',
  description: 'The MCP gateway endpoint: one MCP server federating mcpServers, guarded per client.',
  additionalProperties: false,
  properties: {
    path: str('Public path Envoy routes to the endpoint. Default /mcp-gateway.', { pattern: '^/[^\\s?#]*$' }),
    prefix: {
      type: 'boolean',
      description:
        'Show names as <server>__<name> and URIs as <server>+<uri>. Default true; false needs exactly one server.',
    },
    timeoutMs: {
      type: 'integer',
      minimum: 100,
      maximum: 600_000,
      description: 'Per upstream call. Default 30000.',
    },
    maxBodyBytes: {
      type: 'integer',
      minimum: 1024,
      maximum: 8 * 1024 * 1024,
      description: 'Largest client request body. Default 4 MiB.',
    },
    requireClient: {
      type: 'boolean',
      description: 'Only identified clients may use the endpoint (401). Default false.',
    },
    rules: mcpRulesDefinition,
    clientRules: clientRulesDefinition,
    guards: mcpGuardsDefinition,
    sessions: {
      type: 'object',
      description: 'Sessions of 2025-06-18 / 2025-11-25 clients (one sealed Mcp-Session-Id each).',
      additionalProperties: false,
      properties: {
        // Secret (32+ characters) the ids are sealed with (AES-256-GCM); absent: a random key per process.
        key: secret,
        ttlSeconds: {
          type: 'integer',
          minimum: 60,
          maximum: 30 * 86_400,
          description: 'Lifetime of a session id. Default 86400.',
        },
        maxSessions: {
          type: 'integer',
          minimum: 1,
          maximum: 1_000_000,
          description:
            'Sessions held in memory (least recently used closed first; resumed from their id). Default 10000.',
        },
      },
    },
  },
};

/**
 * JSON Schema (draft-07) of the standalone config file. The loader validates with it (ajv), and the
 * same schema ships as config/ai-extproc.schema.json for editors (a test keeps the two equal).
 *
 * The schema checks structure only; cross-references, secrets, provider rules and regexes are checked
 * in code (validate-semantics.ts). `errorMessage` / `patternErrorMessage` are the VS Code JSON
 * extensions, also read by the loader's error formatter.
 */

export const PROVIDERS = [
  'openai',
  'azure_openai',
  'anthropic',
  'gemini',
  'vertex-ai',
  'mistral',
  'ollama',
  'bedrock',
] as const;

export const NAME_PATTERN = '^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$';
const NAME_MESSAGE =
  'must be 1-63 letters, digits, ".", "_" or "-", starting and ending with a letter or digit';
const ENV_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';
const HEADER_PATTERN = "^:?[A-Za-z0-9!#$%&'*+.^_`|~-]+$";
const FIELD_PATTERN = '^[A-Za-z_][A-Za-z0-9_-]*(\\.[A-Za-z_][A-Za-z0-9_-]*)*$';

const str = (description: string, extra: Record<string, unknown> = {}) => ({
  type: 'string',
  description,
  ...extra,
});
const ifProvider = (provider: string, then: Record<string, unknown>) => ({
  if: { type: 'object', properties: { provider: { const: provider } }, required: ['provider'] },
  then,
});

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

const guardRequest = {
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

const guardResponse = {
  type: 'object',
  description: 'kgateway PromptguardResponse.',
  additionalProperties: false,
  properties: { regex: regexGuard, webhook: webhookGuard },
};

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
  },
  definitions: {
    secretRef: {
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
    },
    backend: {
      type: 'object',
      additionalProperties: false,
      required: ['provider', 'auth'],
      properties: {
        provider: { enum: [...PROVIDERS], description: 'Upstream API.' },
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
      ],
    },
    auth: {
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
    },
    route: {
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
            required: ['backend'],
            properties: {
              backend: str('Backend name.', { minLength: 1 }),
              model: str('Provider model (Azure: deployment). Default: the client-facing name.', {
                minLength: 1,
              }),
            },
          },
        },
        policy: { $ref: '#/definitions/policy' },
      },
      oneOf: [{ required: ['backend'] }, { required: ['models'] }],
    },
    policy: {
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
      },
    },
    tracing: {
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
    },
  },
} as const;

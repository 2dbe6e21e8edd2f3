/** Schema of a model-server pool: a backend of kind `pool` (Inference Extension endpoint picking). */
import { str } from './schema-primitives.js';

const SERVER_PATTERN = '^([A-Za-z0-9.-]+|\\[[0-9A-Fa-f:.]+\\]):[0-9]{1,5}$';

export const poolDefinition = {
  type: 'object',
  description:
    'Model servers (vLLM by default) that speak the OpenAI API; ai-extproc picks one per request from their metrics.',
  additionalProperties: false,
  required: ['servers'],
  properties: {
    servers: {
      type: 'array',
      description:
        'host:port of each server. An IP is used as is; a DNS name is re-resolved every dnsRefreshMs and each of its addresses is a server.',
      minItems: 1,
      maxItems: 256,
      uniqueItems: true,
      items: str('host:port', { pattern: SERVER_PATTERN, patternErrorMessage: 'must be host:port' }),
    },
    metricsPath: str('Path of the Prometheus metrics. Default /metrics.', { pattern: '^/' }),
    scrapeIntervalMs: {
      type: 'integer',
      minimum: 50,
      maximum: 60_000,
      description: 'How often each server is scraped. Default 200 (50 is the floor).',
    },
    staleAfterMs: {
      type: 'integer',
      minimum: 100,
      maximum: 600_000,
      description: 'Metrics older than this score worst. Default 2000.',
    },
    dnsRefreshMs: {
      type: 'integer',
      minimum: 1000,
      maximum: 3_600_000,
      description: 'How often DNS names are resolved again. Default 5000.',
    },
    flavour: { enum: ['vllm', 'sglang', 'trtllm'], description: 'Metric names of the server. Default vllm.' },
    metricNames: {
      type: 'object',
      description: 'Overrides of the flavour metric names.',
      additionalProperties: false,
      properties: {
        waiting: str('Waiting-queue gauge.', { minLength: 1 }),
        running: str('Running-requests gauge.', { minLength: 1 }),
        kvCache: str('KV-cache utilisation gauge (0..1).', { minLength: 1 }),
        lora: str('LoRA info series (vLLM label format).', { minLength: 1 }),
      },
    },
    failureMode: {
      enum: ['FailClose', 'FailOpen'],
      description:
        'FailClose (default): no pick, no request (Envoy ORIGINAL_DST cluster, one server). FailOpen: without a pick Envoy round-robins over the servers (override_host cluster, fallbacks on retry).',
    },
    fallbacks: {
      type: 'integer',
      minimum: 0,
      maximum: 8,
      description: 'FailOpen: servers after the primary, in score order, tried on retry. Default 2.',
    },
    loraAdapters: {
      type: 'array',
      description: 'Model names that are LoRA adapters (also learned from the servers’ metrics).',
      maxItems: 256,
      items: str('Adapter name.', { minLength: 1 }),
    },
    weights: {
      type: 'object',
      description: 'Scorer weights. Default queue 2, kvCache 2, prefix 3, lora 2.',
      additionalProperties: false,
      properties: {
        queue: { type: 'number', minimum: 0, maximum: 100 },
        kvCache: { type: 'number', minimum: 0, maximum: 100 },
        prefix: { type: 'number', minimum: 0, maximum: 100 },
        lora: { type: 'number', minimum: 0, maximum: 100 },
      },
    },
    objectives: {
      type: 'object',
      description:
        'Per model: its objective. Priority below 0 is sheddable (429 when every server is saturated).',
      maxProperties: 1024,
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['priority'],
        properties: { priority: { type: 'integer', minimum: -1000, maximum: 1000 } },
      },
    },
    testSelectionHeader: {
      type: 'boolean',
      description:
        'Tests only: honour the conformance header test-epp-endpoint-selection (a pool member). Off by default; Envoy strips the header unless a pool enables it.',
    },
  },
};

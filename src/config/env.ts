/** Process settings from the environment (kgateway renders only env vars for the sidecar). */
import type { ListenAddress } from './listen-address.js';
import { parseListenAddress } from './listen-address.js';

/** An ext_proc body processing mode, as Envoy names it. */
export type BodyMode =
  'NONE' | 'STREAMED' | 'BUFFERED' | 'BUFFERED_PARTIAL' | 'FULL_DUPLEX_STREAMED' | 'GRPC';

export interface ServerSettings {
  readonly listen: ListenAddress;
  /** The MCP gateway endpoint (MCP_ADDR); on only when the standalone config lists mcpServers. */
  readonly mcpListen: ListenAddress;
  readonly metricsHost: string;
  readonly metricsPort: number;
  readonly logLevel: string;
  readonly maxReceiveMessageBytes: number;
  /** Unfinished gRPC message bytes one HTTP/2 connection may hold across its streams. */
  readonly maxBufferedBytesPerConnection: number;
  readonly maxBodyBytes: number;
  /**
   * Envoy's per-connection buffer limit (ENVOY_BUFFER_LIMIT_BYTES; Envoy's default 1 MiB). A STREAMED
   * request body held for the guards past it would stall Envoy, so it is refused at once (413).
   */
  readonly envoyBufferLimitBytes: number;
  readonly shutdownGraceMs: number;
  readonly defaultModes: { readonly request: BodyMode; readonly response: BodyMode };
  readonly maxModelLabels: number;
  /** Prompt characters counted exactly per request; past them one token per byte (an upper bound). */
  readonly tokenCountExactChars: number;
  /** Distinct values each stats.json custom label may take on metrics; the rest are "_other". */
  readonly maxCustomLabelValues: number;
  readonly otelConfigDirs: readonly string[];
  /** Prompt and completion text in spans: off unless TRACE_INCLUDE_CONTENT=true. */
  readonly traceIncludeContent: boolean;
  readonly traceBatchDelayMs: number;
  /** Webhook + moderation budget per phase; under Envoy's 5 s message timeout. */
  readonly guardDeadlineMs: number;
  /** kgateway's webhook speaks https (certificate not verified, as the original); http for local tests. */
  readonly webhookScheme: 'https' | 'http';
  /** Custom guard patterns are caught across stream chunks up to this match length. */
  readonly maxCustomMatchChars: number;
  /** Phone-number work per guard phase (digits × regions scanned); past it the request fails closed. */
  readonly guardPhoneCheckBudget: number;
  /** OpenAI moderation endpoint base (OPENAI_BASE_URL) and fallback key (OPENAI_API_KEY, never logged). */
  readonly openaiBaseUrl: string;
  readonly openaiApiKey: string | undefined;
  /** Standalone mode: the YAML config (AI_EXTPROC_CONFIG or --config); undefined = kgateway mode. */
  readonly configPath: string | undefined;
  readonly configPollMs: number;
  /** Standalone: write Envoy's clusters and routes here on start and on every reload (file-based CDS/RDS). */
  readonly envoyXdsDir: string | undefined;
  /**
   * V8's old-generation growing factor, as 100 × (factor − 1); 0 keeps V8's own heuristic. The
   * server's live heap is small (~40 MiB) and steady, but each request promotes a little garbage;
   * with V8's default factor RSS climbs to 300–400+ MiB before the first full GC. 50 keeps it near
   * 180 MiB for 15–20 % more CPU at saturation (bench/README.md, "What the numbers mean").
   */
  readonly heapGrowingPercent: number;
}

const BODY_MODES: readonly BodyMode[] = [
  'NONE',
  'STREAMED',
  'BUFFERED',
  'BUFFERED_PARTIAL',
  'FULL_DUPLEX_STREAMED',
];
const MIB = 1024 * 1024;

/** pino level for LOG_LEVEL; accepts DEBUG, INFO, WARNING/WARN, ERROR in any case (docs/reference/decisions.md). */
export function pinoLevel(raw: string | undefined): string {
  switch ((raw ?? 'info').trim().toLowerCase()) {
    case 'trace':
      return 'trace';
    case 'debug':
      return 'debug';
    case 'warning':
    case 'warn':
      return 'warn';
    case 'error':
      return 'error';
    case 'critical':
    case 'fatal':
      return 'fatal';
    case 'silent':
      return 'silent';
    default:
      return 'info';
  }
}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name}=${raw} is not a number >= ${min}`);
  return Math.floor(n);
}

function modeFrom(env: NodeJS.ProcessEnv, name: string, fallback: BodyMode): BodyMode {
  const raw = env[name]?.trim().toUpperCase();
  if (!raw) return fallback;
  if (!(BODY_MODES as readonly string[]).includes(raw))
    throw new Error(`${name}=${raw} is not one of ${BODY_MODES.join(', ')}`);
  return raw as BodyMode;
}

function hostPort(raw: string): { host: string; port: number } {
  const a = parseListenAddress(raw);
  if (a.kind !== 'tcp') throw new Error(`METRICS_ADDR must be host:port, got ${raw}`);
  return { host: a.host, port: a.port };
}

export function loadSettings(env: NodeJS.ProcessEnv = process.env): ServerSettings {
  const metrics = hostPort(env.METRICS_ADDR ?? '0.0.0.0:9092');
  return {
    listen: parseListenAddress(env.LISTEN_ADDR ?? 'unix-abstract:kgateway-ai-sock'),
    mcpListen: parseListenAddress(env.MCP_ADDR ?? '127.0.0.1:9093'),
    metricsHost: metrics.host,
    metricsPort: metrics.port,
    logLevel: pinoLevel(env.LOG_LEVEL),
    // Above Envoy's default 1 MiB buffer limit with room for large BUFFERED bodies.
    maxReceiveMessageBytes: intFrom(env, 'GRPC_MAX_RECEIVE_BYTES', 16 * MIB, 8 * MIB),
    maxBufferedBytesPerConnection: intFrom(env, 'GRPC_MAX_BUFFERED_BYTES_PER_CONNECTION', 64 * MIB, 1024),
    maxBodyBytes: intFrom(env, 'MAX_BODY_BYTES', 8 * MIB, 1024),
    envoyBufferLimitBytes: intFrom(env, 'ENVOY_BUFFER_LIMIT_BYTES', 1 * MIB, 1024),
    shutdownGraceMs: intFrom(env, 'SHUTDOWN_GRACE_MS', 5000, 0),
    // kgateway's Envoy uses STREAMED both ways; Envoy < 1.34 sends no protocol_config.
    defaultModes: {
      // Standalone mode's envoy.yaml buffers requests (the body decides the route).
      request: modeFrom(env, 'DEFAULT_REQUEST_BODY_MODE', env.AI_EXTPROC_CONFIG ? 'BUFFERED' : 'STREAMED'),
      response: modeFrom(env, 'DEFAULT_RESPONSE_BODY_MODE', 'STREAMED'),
    },
    maxModelLabels: intFrom(env, 'MAX_MODEL_LABELS', 500, 1),
    tokenCountExactChars: intFrom(env, 'TOKEN_COUNT_EXACT_CHARS', 256 * 1024, 0),
    maxCustomLabelValues: intFrom(env, 'MAX_CUSTOM_LABEL_VALUES', 500, 1),
    otelConfigDirs: (env.AI_OTEL_CONFIG_DIRS ?? '/var/run/ai-otel-config:/var/run/stats')
      .split(':')
      .filter(Boolean),
    traceIncludeContent: /^(1|true|yes)$/i.test(env.TRACE_INCLUDE_CONTENT ?? ''),
    traceBatchDelayMs: intFrom(env, 'TRACE_BATCH_DELAY_MS', 1000, 1),
    guardDeadlineMs: intFrom(env, 'GUARD_DEADLINE_MS', 4000, 1),
    webhookScheme: env.GUARD_WEBHOOK_SCHEME === 'http' ? 'http' : 'https',
    maxCustomMatchChars: intFrom(env, 'GUARD_MAX_CUSTOM_MATCH_CHARS', 256, 1),
    guardPhoneCheckBudget: intFrom(env, 'GUARD_PHONE_CHECK_BUDGET', 100_000, 1),
    openaiBaseUrl: (env.OPENAI_BASE_URL || 'https://api.openai.com/v1').replace(/\/+$/, ''),
    openaiApiKey: env.OPENAI_API_KEY || undefined,
    configPath: env.AI_EXTPROC_CONFIG || undefined,
    configPollMs: intFrom(env, 'CONFIG_POLL_MS', 2000, 10),
    envoyXdsDir: env.ENVOY_XDS_DIR || undefined,
    heapGrowingPercent: intFrom(env, 'V8_HEAP_GROWING_PERCENT', 50, 0),
  };
}

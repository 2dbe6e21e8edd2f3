/**
 * The composition root: builds every dependency once and wires it together. main.ts calls it
 * with settings from the environment; tests call it with their own.
 */
import type http from 'node:http';
import type { ServerSettings } from './config/env.js';
import { loadStatsConfig, loadTracingConfig } from './config/otel-files.js';
import type { StatsConfig } from './config/otel-files.js';
import { KgatewayPolicySource } from './config/kgateway-policy.js';
import { createLogger } from './logging/logger.js';
import type { Logger } from './logging/logger.js';
import { AiMetrics } from './metrics/ai-metrics.js';
import { DeferredCompletionObserver } from './metrics/deferred-observer.js';
import { startMetricsServer } from './metrics/http-server.js';
import { AiExchange } from './pipeline/exchange.js';
import { FailoverState } from './pipeline/failover.js';
import { HeldRequests } from './pipeline/attempts/held-requests.js';
import { withAttemptStreams } from './pipeline/attempts/attempt-exchange.js';
import type { ExchangeFactory } from './pipeline/types.js';
import { GrpcHttp2Server } from './server/grpc-http2-server.js';
import { registerExtProc } from './server/ext-proc-service.js';
import { HealthService } from './server/health.js';
import { loadCodecs } from './server/proto.js';
import { formatListenAddress } from './config/listen-address.js';
import { warmTokenizer } from './tokens/tokenizer.js';
import { createOtelTracing } from './tracing/otel.js';
import type { OtelTracing } from './tracing/otel.js';
import { NOOP_TRACER } from './pipeline/tracer.js';
import { GuardCache, GuardRunner } from './pipeline/guard-runner.js';
import type { GuardServices } from './pipeline/guard-runner.js';
import { NodeHttpClient } from './http/index.js';
import { ModerationClient } from './guards/moderation/index.js';
import type { ExchangeDeps, Mode } from './pipeline/exchange.js';
import { BudgetMetrics } from './metrics/budget-metrics.js';
import { PoolRegistry } from './pools/registry.js';
import { CacheMetrics } from './metrics/cache-metrics.js';
import { cacheWiring } from './cache-wiring.js';
import { formatIssue, loadStandaloneConfig, watchConfig } from './config/standalone/index.js';
import type { RuntimeConfig } from './config/standalone/index.js';
import type { TracingConfig } from './config/otel-files.js';
import { writeXdsFiles } from './config/envoy/xds-files.js';
import { failOpenWarnings } from './config/envoy/fail-open-routes.js';
import { McpMetrics } from './metrics/mcp-metrics.js';
import { McpExchange } from './pipeline/mcp/exchange.js';
import { RoutedExchange } from './pipeline/mcp/routing.js';
import { McpGateway } from './mcp-gateway/listener.js';
import { McpGatewayMetrics } from './metrics/mcp-gateway-metrics.js';

import { budgetStores, kgatewayMode, standaloneMode } from './app-modes.js';
export { kgatewayMode, standaloneMode } from './app-modes.js';
export type { ModeParts } from './app-modes.js';

export interface App {
  readonly grpc: GrpcHttp2Server;
  readonly metrics: AiMetrics;
  readonly metricsServer: http.Server;
  /** The MCP gateway endpoint, when the standalone config lists mcpServers. */
  readonly mcpGateway: McpGateway | undefined;
  readonly log: Logger;
  /** Graceful stop: health NOT_SERVING, drain streams, close listeners (bounded by the grace period). */
  close(): Promise<void>;
}

export interface AppOptions {
  readonly logger?: Logger;
  /** Defaults to reading stats.json from settings.otelConfigDirs. */
  readonly stats?: StatsConfig;
  /** Tests swap in a scripted exchange to drive the stream engine through the real transport. */
  readonly newExchange?: ExchangeFactory;
  /** Where standalone configs read their {env: NAME} secrets (default: process.env). */
  readonly secretsEnv?: NodeJS.ProcessEnv;
}

export async function startApp(settings: ServerSettings, opts: AppOptions = {}): Promise<App> {
  const log = opts.logger ?? createLogger(settings.logLevel);
  const stats = opts.stats ?? loadStats(settings, log);
  const standalone = settings.configPath
    ? loadStandalone(settings.configPath, opts.secretsEnv ?? process.env, log)
    : undefined;
  if (standalone) publishXds(settings, standalone.current, log);
  const tracing = startTracing(settings, log, standalone?.current.tracing);
  const metrics = new AiMetrics({
    customLabelNames: stats.customLabels.map((l) => l.name),
    maxModelLabels: settings.maxModelLabels,
    maxCustomLabelValues: settings.maxCustomLabelValues,
  });
  warmTokenizer();

  const codecs = loadCodecs();
  const debug = log.isLevelEnabled('debug');
  const grpc = new GrpcHttp2Server({
    maxReceiveMessageBytes: settings.maxReceiveMessageBytes,
    maxBufferedBytesPerConnection: settings.maxBufferedBytesPerConnection,
    onStreamError: (err) => log.debug({ err: err.message }, 'http2 stream error'),
    onBufferLimit: () => metrics.grpcBufferLimit(),
  });
  const health = new HealthService(codecs.health);
  health.register(grpc);
  const policies = new KgatewayPolicySource();
  const http = new NodeHttpClient();
  const guardServices: GuardServices = {
    http,
    moderation: new ModerationClient(http, {
      baseUrl: settings.openaiBaseUrl,
      envApiKey: settings.openaiApiKey,
    }),
    observer: metrics,
    log,
    deadlineMs: settings.guardDeadlineMs,
    webhookScheme: settings.webhookScheme,
    // kgateway mode: the original called its webhook over https without verifying the certificate.
    webhookInsecureSkipVerify: true,
    maxCustomMatchChars: settings.maxCustomMatchChars,
    phoneCheckBudget: settings.guardPhoneCheckBudget,
  };
  const observer = new DeferredCompletionObserver(metrics, (err) =>
    log.error({ err: err instanceof Error ? err.message : String(err) }, 'recording metrics failed'),
  );
  // Pool backends: one scraper per pool, kept across reloads while the pool is unchanged.
  const pools = standalone ? new PoolRegistry(metrics.registry) : undefined;
  if (standalone) pools?.sync(standalone.current);
  const guardCache = new GuardCache(guardServices);
  const guards = new GuardRunner(guardServices, guardCache);
  const parts = {
    guards,
    observer,
    log,
    maxBodyBytes: settings.maxBodyBytes,
    exactCountChars: settings.tokenCountExactChars,
  };
  const budgets = standalone ? budgetStores(() => standalone.current, log) : undefined;
  await budgets?.ready();
  const cache = standalone
    ? cacheWiring({
        config: () => standalone.current,
        http,
        observer: new CacheMetrics(metrics.registry),
        log,
      })
    : undefined;
  // Failover: cooldowns, and requests held for their upstream attempts (shared by both filters).
  const failover = new FailoverState();
  const attempts = new HeldRequests();
  const mode: Mode = standalone
    ? standaloneMode({
        ...parts,
        failover,
        attempts,
        config: () => standalone.current,
        budget: { store: budgets!.handle, observer: new BudgetMetrics(metrics.registry) },
        ...(pools ? { pools } : {}),
        ...(cache ? { cache: cache.deps } : {}),
      })
    : kgatewayMode({ ...parts, policies });
  const exchangeDeps: ExchangeDeps = {
    mode,
    customLabels: stats.customLabels,
    observer,
    log,
    maxBodyBytes: settings.maxBodyBytes,
    tracer: tracing?.tracer ?? NOOP_TRACER,
  };
  // Standalone: MCP routes (tried first) get the MCP guard, everything else the AI exchange.
  const mcpDeps = {
    guards,
    observer: new McpMetrics(metrics.registry, settings.maxModelLabels),
    log,
    tracer: exchangeDeps.tracer,
  };
  const newAiExchange: ExchangeFactory = standalone
    ? withAttemptStreams(
        (info) =>
          new RoutedExchange(
            (h) => standalone.current.matchMcpRoute(h),
            (route) => new McpExchange(route, mcpDeps),
            () => new AiExchange(info, exchangeDeps),
          ),
        {
          held: attempts,
          failover,
          log,
          upstreamAttempt: (route, target, result) => observer.upstreamAttempt(route, target, result),
          droppedParam: (provider, param) => observer.droppedParam?.(provider, param),
        },
      )
    : (info) => new AiExchange(info, exchangeDeps);
  registerExtProc(grpc, {
    codec: codecs.extProc,
    newExchange: opts.newExchange ?? newAiExchange,
    session: {
      defaultModes: settings.defaultModes,
      maxHeldBodyBytes: settings.maxBodyBytes,
      envoyBufferLimitBytes: settings.envoyBufferLimitBytes,
      tooLarge: (dir) => ({
        status: dir === 'request' ? 413 : 500,
        body: dir === 'request' ? 'Request body too large' : 'Response body too large',
        details: 'ai_extproc_body_too_large',
      }),
    },
    hooks: {
      streamOpened: () => metrics.streamOpened(),
      streamClosed: (outcome) => metrics.streamClosed(outcome),
      messageProcessed: (phase, seconds) => {
        metrics.messageProcessed(phase, seconds);
        if (debug) log.debug({ phase, ms: Math.round(seconds * 1e6) / 1e3 }, 'ext_proc message');
      },
      streamError: (err) =>
        log.error({ err: err instanceof Error ? err.stack : String(err) }, 'ext_proc stream failed'),
    },
  });

  metrics.configReload('ok');
  const stopWatching = standalone
    ? watchConfig(
        standalone.current.path,
        opts.secretsEnv ?? process.env,
        (r) => {
          if (r.ok) {
            standalone.current = r.config;
            publishXds(settings, r.config, log);
            // Compiled guards of unchanged routes stay; those the new config removed go.
            guardCache.retain(guardKeysOf(r.config));
            pools?.sync(r.config);
            metrics.configReload('ok');
            log.info({ path: r.config.path, routes: r.config.routes.length }, 'config reloaded');
          } else {
            // A bad file never replaces a good one.
            metrics.configReload('rejected');
            log.error(
              { errors: r.errors.map(formatIssue) },
              'config rejected; the previous config stays live',
            );
          }
        },
        {
          intervalMs: settings.configPollMs,
          since: standalone.current.sourceHash,
          secretFiles: standalone.current.secretFiles,
        },
      )
    : undefined;

  let ready = false;
  const where = await grpc.listen(settings.listen);
  const metricsServer = await startMetricsServer(
    metrics,
    settings.metricsHost,
    settings.metricsPort,
    () => ready,
  );
  // The MCP gateway endpoint: on when the config at start lists mcpServers; reloads change its servers and rules.
  const mcpGateway = standalone?.current.mcpGateway
    ? new McpGateway({
        config: () => standalone.current.mcpGateway,
        observer: new McpGatewayMetrics(metrics.registry, settings.maxModelLabels),
        tracer: exchangeDeps.tracer,
        log,
        guards,
      })
    : undefined;
  const mcpBound = await mcpGateway?.listen(settings.mcpListen);
  ready = true;
  log.info(
    {
      listen: formatListenAddress(settings.listen),
      bound: where.replace('\0', '@'),
      metrics: `${settings.metricsHost}:${(metricsServer.address() as { port: number }).port}`,
      node: process.version,
      ...(mcpBound ? { mcpGateway: mcpBound } : {}),
    },
    'ai-extproc started',
  );

  return {
    grpc,
    metrics,
    metricsServer,
    mcpGateway,
    log,
    async close() {
      ready = false;
      stopWatching?.();
      pools?.close();
      health.setServing(false);
      await grpc.close(settings.shutdownGraceMs);
      await mcpGateway?.close();
      await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
      metricsServer.closeAllConnections();
      http.close();
      await budgets?.close();
      await cache?.close();
      await tracing
        ?.shutdown()
        .catch((err: unknown) => log.warn({ err: String(err) }, 'tracing shutdown failed'));
    },
  };
}

/** Every guard cache key a standalone config uses. */
function guardKeysOf(config: RuntimeConfig): string[] {
  return [
    ...config.routes.map((r) => r.policy.guards),
    ...config.mcpRoutes.map((r) => r.guards),
    ...(config.mcpGateway ? [config.mcpGateway.guards] : []),
  ].flatMap((g) => [g.requestKey, g.responseKey].filter((k): k is string => k !== undefined));
}

function loadStats(settings: ServerSettings, log: Logger): StatsConfig {
  const r = loadStatsConfig(settings.otelConfigDirs);
  if (r.kind === 'ok') {
    log.info({ path: r.path, customLabels: r.value.customLabels.map((l) => l.name) }, 'loaded stats config');
    return r.value;
  }
  if (r.kind === 'invalid') log.warn({ path: r.path, error: r.error }, 'ignoring invalid stats config');
  return { customLabels: [] };
}

/** Envoy follows our reloads: its clusters and routes, rewritten for the live config (ENVOY_XDS_DIR). */
function publishXds(settings: ServerSettings, config: RuntimeConfig, log: Logger): void {
  // On every load: FailOpen pool routes that still fail closed while our server is down.
  for (const w of failOpenWarnings(config))
    log.warn(w, 'FailOpen pool route covers picking failures only: it needs ai-extproc up');
  const dir = settings.envoyXdsDir;
  if (!dir) return;
  try {
    const changed = writeXdsFiles(dir, config);
    if (changed.length > 0) log.info({ dir, files: changed }, 'wrote Envoy clusters and routes');
  } catch (err) {
    log.error(
      { dir, err: err instanceof Error ? err.message : String(err) },
      'writing Envoy xDS files failed',
    );
  }
}

/** Standalone mode: the config must be valid at start (fail fast); later bad edits are rejected. */
function loadStandalone(path: string, env: NodeJS.ProcessEnv, log: Logger): { current: RuntimeConfig } {
  const r = loadStandaloneConfig(path, env);
  if (!r.ok) throw new Error(`invalid config ${path}:\n  ${r.errors.map(formatIssue).join('\n  ')}`);
  log.info(
    { path: r.config.path, backends: r.config.backends.length, routes: r.config.routes.length },
    'standalone mode',
  );
  return { current: r.config };
}

/** OTLP export when tracing.json (or the standalone config) names an endpoint; empty means off. */
function startTracing(
  settings: ServerSettings,
  log: Logger,
  fromConfig?: TracingConfig,
): OtelTracing | undefined {
  if (fromConfig?.endpoint) {
    log.info(
      { endpoint: fromConfig.endpoint, protocol: fromConfig.protocol ?? 'grpc' },
      'exporting OTLP traces',
    );
    return createOtelTracing(fromConfig, {
      serviceName: 'ai-extproc',
      includeContent: settings.traceIncludeContent,
      batchDelayMs: settings.traceBatchDelayMs,
    });
  }
  const r = loadTracingConfig(settings.otelConfigDirs);
  if (r.kind === 'invalid') log.warn({ path: r.path, error: r.error }, 'ignoring invalid tracing config');
  if (r.kind !== 'ok' || !r.value.endpoint) return undefined;
  log.info(
    { path: r.path, endpoint: r.value.endpoint, protocol: r.value.protocol ?? 'grpc' },
    'exporting OTLP traces',
  );
  return createOtelTracing(r.value, {
    serviceName: 'kgateway-ai-extension',
    includeContent: settings.traceIncludeContent,
    batchDelayMs: settings.traceBatchDelayMs,
  });
}

/**
 * Records a finished exchange: metrics through the observer (the ai_* counters and gen_ai_*
 * histograms, same labels in both modes, custom labels included) when the response ends, and one
 * summary log line per request when the exchange closes, however it ended. No content, no secrets.
 */
import type { ExchangeObserver } from '../observer.js';
import { errorTypeFor } from '../observer.js';
import type { LogSink } from '../log.js';
import type { ExchangeOutcome, ExchangeScope, ResponseScope, Stage, StageNeeds } from '../stage.js';

const NOTHING: StageNeeds = Object.freeze({});

export class RecordStage implements Stage {
  readonly name = 'record';
  constructor(
    private readonly observer: ExchangeObserver,
    private readonly log: LogSink,
  ) {}

  needs(): StageNeeds {
    return NOTHING;
  }

  onResponseEnd(s: ResponseScope): void {
    const x = s.x;
    const facts = x.facts ?? { finishReasons: [], isToolCall: false };
    const responseModel = facts.responseModel ?? '';
    const ttft =
      x.responseStreaming && x.firstByteAt !== undefined ? (x.firstByteAt - x.startedAt) / 1000 : undefined;
    this.observer.exchangeCompleted?.({
      labels: { llm: x.provider || 'unknown', model: x.model || responseModel, custom: x.custom },
      requestId: x.requestId,
      operation: x.operation,
      requestModel: x.model,
      promptTokens: facts.usage?.promptTokens ?? 0,
      completionTokens: facts.usage?.completionTokens ?? 0,
      cachedInputTokens: facts.usage?.cachedInputTokens,
      cacheCreationInputTokens: facts.usage?.cacheCreationInputTokens,
      reasoningTokens: facts.usage?.reasoningTokens,
      rateLimitedTokens: x.estimate,
      responseModel,
      streaming: x.responseStreaming,
      status: x.status,
      durationSeconds: (performance.now() - x.startedAt) / 1000,
      timeToFirstTokenSeconds: ttft,
      errorType: errorTypeFor(x.status),
    });
  }

  onClose(s: ExchangeScope, how: ExchangeOutcome): void {
    // The summary line is a dozen fields and spreads: not built when info is off (LOG_LEVEL=warn…).
    if (this.log.isLevelEnabled?.('info') === false) return;
    const x = s.x;
    const outcome =
      x.outcome !== 'incomplete'
        ? x.outcome
        : how === 'local-reply'
          ? 'rejected'
          : how === 'completed'
            ? 'incomplete'
            : how;
    const f = x.facts;
    this.log.info(
      {
        requestId: x.requestId,
        ...(s.route.name !== undefined ? { route: s.route.name } : {}),
        ...(x.backend !== undefined ? { backend: x.backend } : {}),
        // The identity, never the key.
        ...(x.client ? { client: x.client.name, ...(x.client.team ? { team: x.client.team } : {}) } : {}),
        provider: x.provider,
        path: x.path,
        model: x.model,
        status: x.status,
        outcome,
        ...(x.dropped.length > 0 ? { dropped: x.dropped } : {}),
        guards: x.decisions,
        ...(x.pick ? { pick: x.pick } : {}),
        ...(x.failover ? { failover: x.failover } : {}),
        latencyMs: Math.round(performance.now() - x.startedAt),
        ...(f
          ? {
              responseModel: f.responseModel ?? '',
              streaming: x.responseStreaming,
              promptTokens: f.usage?.promptTokens ?? 0,
              completionTokens: f.usage?.completionTokens ?? 0,
              rateLimitedTokens: x.estimate,
              ...(x.responseStreaming && x.firstByteAt !== undefined
                ? { ttftMs: Math.round(x.firstByteAt - x.startedAt) }
                : {}),
            }
          : {}),
      },
      'request summary',
    );
  }
}

/**
 * Records completed exchanges right after the current reply has gone out, not before it: the
 * metric updates (a few counters and histograms per request) then stay off the critical path.
 * Node flushes HTTP/2 writes in the check phase before running JS immediates, so the reply is on the
 * wire first, and a scrape that arrives later still sees the update.
 */
import type {
  ExchangeLabels,
  ExchangeObserver,
  ExchangeSummary,
  GuardAction,
  GuardName,
  GuardPhase,
} from '../pipeline/observer.js';

/** The observers this wraps: the exchange observer, plus standalone mode's dropped-parameter count. */
type Inner = ExchangeObserver & {
  droppedParam?(provider: string, param: string): void;
  upstreamAttempt?(route: string, target: string, result: string): void;
};

export class DeferredCompletionObserver implements ExchangeObserver {
  /** onError: a throw in a deferred call has no caller to catch it; it must not kill the process. */
  constructor(
    private readonly inner: Inner,
    private readonly onError: (err: unknown) => void,
  ) {}

  exchangeCompleted(summary: ExchangeSummary): void {
    setImmediate(() => {
      try {
        this.inner.exchangeCompleted?.(summary);
      } catch (err) {
        this.onError(err);
      }
    });
  }

  exceptionRaised(labels: ExchangeLabels, where: string, err: unknown): void {
    this.inner.exceptionRaised?.(labels, where, err);
  }

  guardAction(phase: GuardPhase, guard: GuardName, action: GuardAction): void {
    this.inner.guardAction?.(phase, guard, action);
  }

  webhookCall(phase: GuardPhase, seconds: number, ok: boolean): void {
    this.inner.webhookCall?.(phase, seconds, ok);
  }

  upstreamAttempt(route: string, target: string, result: string): void {
    this.inner.upstreamAttempt?.(route, target, result);
  }

  droppedParam(provider: string, param: string): void {
    this.inner.droppedParam?.(provider, param);
  }
}

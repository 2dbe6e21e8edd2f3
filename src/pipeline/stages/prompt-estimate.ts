/**
 * The prompt-token estimate (kgateway's cl100k count, contract §3.2), on the canonical body as the
 * client sent it, before any guard.
 *
 * Counting is the dearest step, and in kgateway mode nothing needs its result before the request
 * goes upstream (Envoy drops envoy.ratelimit with kgateway's receivingNamespaces, and in STREAMED
 * mode the rate-limit filter has seen the headers long before). So the request-body reply goes
 * out first, the count runs right after it, and hits_addend rides on the next reply. A guarded
 * body may be masked, so its original is counted now when it is small enough, or copied first.
 * In standalone mode the count is always made now: its reply carries rate_limited_tokens.
 */
import { estimatePromptTokens } from '../../tokens/prompt-estimate.js';
import type { ExchangeScope, Json, RequestScope, Stage, StageNeeds } from '../stage.js';

export const RATELIMIT_NS = 'envoy.ratelimit';

export interface PromptEstimateOptions {
  /** Guarded bodies up to this size are counted before the guards run; others after the reply. */
  readonly syncMaxBytes: number;
  /** kgateway: publish envoy.ratelimit hits_addend; standalone counts synchronously instead. */
  readonly hitsAddend: boolean;
  /**
   * Characters counted exactly per request (default EXACT_COUNT_CHARS); past them one token per byte,
   * an upper bound, so that no prompt can hold the event loop for long.
   */
  readonly exactCountChars?: number;
}

const READ: StageNeeds = Object.freeze({ request: 'read' });

export class PromptEstimateStage implements Stage {
  readonly name = 'prompt-estimate';
  constructor(private readonly opts: PromptEstimateOptions) {}

  needs(): StageNeeds {
    return READ;
  }

  onRequest(s: RequestScope): void {
    const guarded = s.route.policy.requestGuards !== undefined;
    if (!this.opts.hitsAddend) {
      s.x.estimate = this.count(s, s.body);
      return;
    }
    if (guarded && s.bodyBytes <= this.opts.syncMaxBytes) {
      s.x.estimate = this.count(s, s.body);
      s.metadata({ [RATELIMIT_NS]: { hits_addend: s.x.estimate } });
      return;
    }
    // A guard may rewrite the body in place: count a private copy of a guarded body.
    let pending: Json | undefined = guarded ? structuredClone<Json>(s.body) : s.body;
    const settle = (): number => {
      if (pending) {
        const body = pending;
        pending = undefined;
        s.x.estimate = this.count(s, body);
      }
      return s.x.estimate;
    };
    s.owe(() => ({ [RATELIMIT_NS]: { hits_addend: settle() } }));
    setImmediate(settle);
  }

  private count(s: ExchangeScope, body: Json): number {
    try {
      // The body is in x.family's form, whatever the provider behind it.
      return estimatePromptTokens(body, s.x.family, this.opts.exactCountChars);
    } catch (err) {
      // Counted in both modes (ai_extproc exceptions), never silently swallowed.
      s.exception('token-estimate', err);
      return 0;
    }
  }
}

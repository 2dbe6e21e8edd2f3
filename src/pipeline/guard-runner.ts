/**
 * Runs the configured guards on a parsed body, in the contract's order (docs/reference/kgateway-contract.md
 * §3.2–3.6, §5): request webhook → regex → moderation; response webhook → regex. The guards are
 * pure code in src/guards; this stage adds the deadline, spans, metrics and the error rules.
 */
import type { ProviderFamily } from '../providers/usage.js';
import type { RegexGuard, RequestGuardConfig, ResponseGuardConfig, WebhookGuard } from '../guards/config.js';
import type { CompiledRegexGuard } from '../guards/regex/index.js';
import { GuardBudgetError, compileRegexGuard, withGuardBudget } from '../guards/regex/index.js';
import {
  applyWebhookRequestMask,
  applyWebhookResponseMask,
  moderationInput,
  requestTextSlots,
  responseTextSlots,
  webhookRequestMessages,
  webhookResponseChoices,
} from '../guards/text/index.js';
import type { TextSlot } from '../guards/text/index.js';
import { WebhookGuardClient } from '../guards/webhook/index.js';
import type { WebhookCallOptions } from '../guards/webhook/index.js';
import type { ModerationClient } from '../guards/moderation/index.js';
import type { HttpClient } from '../guards/http-client.js';
import { StreamingResponseGuard } from '../guards/streaming/stream-guard.js';
import type { WindowWebhook } from '../guards/streaming/stream-guard.js';
import type { ExchangeObserver, GuardAction, GuardName, GuardPhase } from './observer.js';
import type { HeaderView } from './types.js';
import type { Refusal } from './reply.js';
import type { PhaseSpan } from './tracer.js';
import type { LogSink } from './log.js';

export const RESPONSE_GUARD_FAILURE_MESSAGE = 'The request was rejected due to inappropriate content';

export interface GuardServices {
  readonly http: HttpClient;
  readonly moderation: ModerationClient;
  readonly observer: ExchangeObserver;
  readonly log: LogSink;
  /** Webhook + moderation share this budget per phase (under Envoy's 5 s message timeout). */
  readonly deadlineMs: number;
  readonly webhookScheme: 'https' | 'http';
  readonly webhookInsecureSkipVerify: boolean;
  readonly maxCustomMatchChars: number;
  /** Phone-number work (digits × regions) allowed per guard phase before it fails closed (withGuardBudget). */
  readonly phoneCheckBudget: number;
}

interface Releasable {
  release(): void;
}

/** Compiled guards are cached by the config's -hash key (or its JSON). */
export class GuardCache {
  private readonly regexes = new Map<string, CompiledRegexGuard>();
  private readonly webhooks = new Map<string, WebhookGuardClient>();
  constructor(
    private readonly services: GuardServices,
    private readonly max = 1024,
  ) {}

  regex(cfg: RegexGuard, key: string): CompiledRegexGuard {
    return this.cached(this.regexes, key, () =>
      compileRegexGuard(cfg, { maxCustomMatchChars: this.services.maxCustomMatchChars }),
    );
  }

  webhook(cfg: WebhookGuard, key: string): WebhookGuardClient {
    return this.cached(this.webhooks, key, () => new WebhookGuardClient(this.services.http, cfg));
  }

  /** Compiled guards still cached (regex and webhook entries). */
  get size(): number {
    return this.regexes.size + this.webhooks.size;
  }

  /**
   * After a config reload: keep what the new config still uses (its guard keys, unchanged
   * configs keep their compiled guards) and drop what it removed.
   */
  retain(guardKeys: Iterable<string>): void {
    const keep = new Set<string>();
    for (const k of guardKeys) keep.add(`req:${k}`).add(`resp:${k}`);
    for (const map of [this.regexes, this.webhooks] as Map<string, Releasable>[])
      for (const [key, v] of map) {
        if (keep.has(key)) continue;
        map.delete(key);
        // Its RE2 patterns go back to the shared pool (freed when no other guard uses them).
        v.release();
      }
  }

  private cached<V extends Releasable>(map: Map<string, V>, key: string, make: () => V): V {
    let v = map.get(key);
    if (!v) {
      v = make();
      if (map.size >= this.max) {
        const [oldest, old] = map.entries().next().value!;
        map.delete(oldest);
        old.release();
      }
      map.set(key, v);
    }
    return v;
  }
}

export interface GuardContext {
  readonly family: ProviderFamily;
  readonly headers: HeaderView;
  readonly traceparent: string | undefined;
  readonly tracestate: string | undefined;
  readonly span: PhaseSpan;
  /** Cache keys for this route's compiled guards. */
  readonly cacheKey: string;
  readonly requestId: string | undefined;
  /** Decisions are appended here ("request:regex:mask") for the exchange's summary log line. */
  readonly decisions: string[];
  /** Per-route webhook transport (standalone config); the services' default otherwise. */
  readonly webhookTransport?:
    { readonly scheme: 'https' | 'http'; readonly insecureSkipVerify: boolean } | undefined;
}

export type RequestGuardResult =
  | { readonly kind: 'pass'; readonly changed: boolean }
  | { readonly kind: 'reject'; readonly refusal: Refusal };
export type ResponseGuardResult =
  { readonly kind: 'pass'; readonly changed: boolean } | { readonly kind: 'fail'; readonly refusal: Refusal };

type Obj = Record<string, unknown>;

function rejectReply(cfg: RequestGuardConfig, fallbackMessage: string, details: string): Refusal {
  // A reject is never 200 (the original answered 200 without customResponse); 403 by default.
  return {
    status: cfg.customResponse?.statusCode ?? 403,
    message: cfg.customResponse?.message ?? fallbackMessage,
    code: details,
  };
}

export class GuardRunner {
  constructor(
    private readonly services: GuardServices,
    private readonly cache: GuardCache,
  ) {}

  private record(
    phase: GuardPhase,
    guard: GuardName,
    action: GuardAction,
    ctx: GuardContext,
    extra: object = {},
  ): void {
    this.services.observer.guardAction?.(phase, guard, action);
    ctx.decisions.push(`${phase}:${guard}:${action}`);
    this.services.log.debug({ requestId: ctx.requestId, phase, guard, action, ...extra }, 'guard decision');
  }

  private webhookOptions(ctx: GuardContext, deadline: AbortSignal, deadlineAt: number): WebhookCallOptions {
    return {
      headers: ctx.headers,
      traceparent: ctx.traceparent,
      tracestate: ctx.tracestate,
      deadline,
      timeoutMs: Math.max(1, deadlineAt - Date.now()),
      scheme: ctx.webhookTransport?.scheme ?? this.services.webhookScheme,
      insecureSkipVerify: ctx.webhookTransport?.insecureSkipVerify ?? this.services.webhookInsecureSkipVerify,
    };
  }

  private async timedWebhook<T>(phase: GuardPhase, call: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      const r = await call();
      this.services.observer.webhookCall?.(phase, (performance.now() - t0) / 1000, true);
      return r;
    } catch (err) {
      this.services.observer.webhookCall?.(phase, (performance.now() - t0) / 1000, false);
      throw err;
    }
  }

  async request(body: Obj, cfg: RequestGuardConfig, ctx: GuardContext): Promise<RequestGuardResult> {
    const deadlineAt = Date.now() + this.services.deadlineMs;
    const deadline = AbortSignal.timeout(this.services.deadlineMs);
    let changed = false;

    if (cfg.webhook) {
      const client = this.cache.webhook(cfg.webhook, `req:${ctx.cacheKey}`);
      const span = ctx.span.child('handle_request_body_req_webhook', 'client');
      span.setAttributes({ 'ai.webhook.endpoint': client.endpoint('request', this.services.webhookScheme) });
      try {
        const verdict = await this.timedWebhook('request', () =>
          client.checkRequest(
            webhookRequestMessages(ctx.family, body),
            this.webhookOptions(ctx, deadline, deadlineAt),
          ),
        );
        switch (verdict.kind) {
          case 'pass':
            span.setAttributes({ 'ai.webhook.result': 'passed' });
            this.record('request', 'webhook', 'pass', ctx);
            break;
          case 'mask':
            applyWebhookRequestMask(ctx.family, body, verdict.contents);
            changed = true;
            span.setAttributes({ 'ai.webhook.result': 'modified' });
            this.record('request', 'webhook', 'mask', ctx);
            break;
          case 'reject':
            span.setAttributes({
              'ai.webhook.result': 'rejected',
              'ai.webhook.reject_reason': verdict.reason,
            });
            this.record('request', 'webhook', 'reject', ctx, { status: verdict.status });
            span.end();
            return {
              kind: 'reject',
              refusal: {
                status: verdict.status,
                message: verdict.body,
                code: verdict.reason ?? 'rejected by guardrails webhook',
              },
            };
        }
        span.end();
      } catch (err) {
        span.end(err);
        this.record('request', 'webhook', 'error', ctx, { err: errorText(err) });
        return {
          kind: 'reject',
          refusal: rejectReply(cfg, 'Error with guardrails webhook', 'guardrails webhook error'),
        };
      }
    }

    if (cfg.regex) {
      const regexCfg = cfg.regex;
      let outcome: RequestGuardResult;
      try {
        outcome = withGuardBudget(this.services.phoneCheckBudget, () =>
          this.requestRegex(body, regexCfg, cfg, ctx),
        );
      } catch (err) {
        if (!(err instanceof GuardBudgetError)) throw err;
        // Too expensive to check exactly: fail closed rather than block the event loop for seconds.
        this.record('request', 'regex', 'error', ctx, { err: err.message });
        return {
          kind: 'reject',
          refusal: {
            status: 413,
            message: 'The request is too large to be checked by its guardrails',
            code: 'guardrails_budget_exceeded',
          },
        };
      }
      if (outcome.kind === 'reject') return outcome;
      if (outcome.changed) changed = true;
    }

    const mod = cfg.moderation;
    if (mod) {
      const span = ctx.span.child('handle_request_body_req_moderation', 'client');
      span.setAttributes({ 'ai.moderation.model': mod.model });
      try {
        const verdict = await this.services.moderation.check(moderationInput(ctx.family, body), mod, {
          passthroughAuthorization: ctx.headers.get('authorization'),
          deadline,
          timeoutMs: Math.max(1, deadlineAt - Date.now()),
        });
        span.setAttributes({ 'ai.moderation.flagged': verdict.flagged });
        span.end();
        this.record('request', 'moderation', verdict.flagged ? 'reject' : 'pass', ctx, {
          categories: verdict.categories,
        });
        if (verdict.flagged) {
          return {
            kind: 'reject',
            refusal: rejectReply(
              cfg,
              'Rejected by guardrails moderation',
              'rejected by guardrails moderation',
            ),
          };
        }
      } catch (err) {
        // Moderation API errors fail open (docs/reference/kgateway-contract.md §3.2): counted and logged.
        span.end(err);
        this.record('request', 'moderation', 'error', ctx, { err: errorText(err) });
      }
    }
    return { kind: 'pass', changed };
  }

  /** The request regex stage: synchronous, so that a work budget can bound it. */
  private requestRegex(
    body: Obj,
    regexCfg: RegexGuard,
    cfg: RequestGuardConfig,
    ctx: GuardContext,
  ): RequestGuardResult {
    const guard = this.cache.regex(regexCfg, `req:${ctx.cacheKey}`);
    const span = ctx.span.child('handle_request_body_req_regex');
    span.setAttributes({ 'ai.regex.action': guard.action });
    try {
      const slots = requestTextSlots(ctx.family, body);
      if (guard.action === 'REJECT') {
        const hit = slots.some((s) => guard.test(s.get()));
        span.setAttributes({ 'ai.regex.result': hit ? 'rejected' : 'passed' });
        this.record('request', 'regex', hit ? 'reject' : 'pass', ctx);
        if (!hit) return { kind: 'pass', changed: false };
        return {
          kind: 'reject',
          refusal: rejectReply(cfg, 'Rejected by guardrails regex', 'rejected by guardrails regex'),
        };
      }
      const entities = maskSlots(guard, slots);
      span.setAttributes({ 'ai.regex.result': entities.length > 0 ? 'masked' : 'passed' });
      this.record('request', 'regex', entities.length > 0 ? 'mask' : 'pass', ctx, { entities });
      return { kind: 'pass', changed: entities.length > 0 };
    } finally {
      span.end();
    }
  }

  async response(body: Obj, cfg: ResponseGuardConfig, ctx: GuardContext): Promise<ResponseGuardResult> {
    let changed = false;
    if (cfg.webhook) {
      const deadlineAt = Date.now() + this.services.deadlineMs;
      const deadline = AbortSignal.timeout(this.services.deadlineMs);
      const client = this.cache.webhook(cfg.webhook, `resp:${ctx.cacheKey}`);
      const span = ctx.span.child('handle_response_body_resp_webhook', 'client');
      span.setAttributes({ 'ai.webhook.endpoint': client.endpoint('response', this.services.webhookScheme) });
      try {
        const verdict = await this.timedWebhook('response', () =>
          client.checkResponse(
            webhookResponseChoices(ctx.family, body),
            this.webhookOptions(ctx, deadline, deadlineAt),
          ),
        );
        if (verdict.kind === 'mask') {
          applyWebhookResponseMask(ctx.family, body, verdict.contents);
          changed = true;
        }
        span.setAttributes({ 'ai.webhook.result': verdict.kind === 'mask' ? 'modified' : 'passed' });
        span.end();
        this.record('response', 'webhook', verdict.kind, ctx);
      } catch (err) {
        span.end(err);
        this.record('response', 'webhook', 'error', ctx, { err: errorText(err) });
        return {
          kind: 'fail',
          refusal: { status: 500, message: RESPONSE_GUARD_FAILURE_MESSAGE, code: 'guardrails webhook error' },
        };
      }
    }
    if (cfg.regex) {
      // Responses are always masked, whatever the configured action (a response cannot be rejected).
      const guard = this.cache.regex(cfg.regex, `resp:${ctx.cacheKey}`);
      const span = ctx.span.child('handle_response_body_resp_regex');
      try {
        const entities = withGuardBudget(this.services.phoneCheckBudget, () =>
          maskSlots(guard, responseTextSlots(ctx.family, body)),
        );
        if (entities.length > 0) changed = true;
        span.setAttributes({
          'ai.regex.action': 'MASK',
          'ai.regex.result': entities.length > 0 ? 'masked' : 'passed',
        });
        this.record('response', 'regex', entities.length > 0 ? 'mask' : 'pass', ctx, { entities });
      } catch (err) {
        if (!(err instanceof GuardBudgetError)) throw err;
        this.record('response', 'regex', 'error', ctx, { err: err.message });
        return {
          kind: 'fail',
          refusal: {
            status: 500,
            message: RESPONSE_GUARD_FAILURE_MESSAGE,
            code: 'guardrails_budget_exceeded',
          },
        };
      } finally {
        span.end();
      }
    }
    return { kind: 'pass', changed };
  }

  recordStream(ctx: GuardContext, maskedWindows: number): void {
    this.record('response', 'regex', maskedWindows > 0 ? 'mask' : 'pass', ctx, { maskedWindows });
  }

  /** A streaming guard for one SSE response. */
  streaming(cfg: ResponseGuardConfig, ctx: GuardContext): StreamingResponseGuard {
    const regex = cfg.regex ? this.cache.regex(cfg.regex, `resp:${ctx.cacheKey}`) : undefined;
    let webhook: WindowWebhook | undefined;
    if (cfg.webhook) {
      const client = this.cache.webhook(cfg.webhook, `resp:${ctx.cacheKey}`);
      webhook = async (windows) => {
        const deadlineAt = Date.now() + this.services.deadlineMs;
        const deadline = AbortSignal.timeout(this.services.deadlineMs);
        const span = ctx.span.child('handle_response_body_webhook', 'client');
        try {
          const verdict = await this.timedWebhook('response', () =>
            client.checkResponse(
              windows.map((w) => ({ role: '', content: w.text })),
              this.webhookOptions(ctx, deadline, deadlineAt),
            ),
          );
          span.setAttributes({ 'ai.webhook.result': verdict.kind === 'mask' ? 'modified' : 'passed' });
          span.end();
          this.record('response', 'webhook', verdict.kind, ctx);
          return verdict.kind === 'mask' ? verdict.contents : undefined;
        } catch (err) {
          span.end(err);
          this.record('response', 'webhook', 'error', ctx, { err: errorText(err) });
          throw err;
        }
      };
    }
    return new StreamingResponseGuard(ctx.family, regex, webhook);
  }
}

/** Masks every slot in place; returns the entities found. */
function maskSlots(guard: CompiledRegexGuard, slots: readonly TextSlot[]): string[] {
  const entities: string[] = [];
  for (const slot of slots) {
    const before = slot.get();
    const r = guard.mask(before);
    if (r.text !== before) {
      slot.set(r.text);
      entities.push(...r.entities);
    }
  }
  return entities;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

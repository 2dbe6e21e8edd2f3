/**
 * Response guards on the canonical response: a held JSON completion (webhook → regex), or a stream,
 * window by window (stream-guard.ts). A guard that cannot do its work fails closed with a 500; on a
 * stream whose headers are already out, Envoy then resets it.
 */
import type { GuardRunner } from '../guard-runner.js';
import { RESPONSE_GUARD_FAILURE_MESSAGE } from '../guard-runner.js';
import type { StreamingResponseGuard } from '../../guards/streaming/stream-guard.js';
import type { StreamEvent } from '../../streaming/stream-event.js';
import { RefusalError } from '../reply.js';
import type { Json, ResponseEnd, ResponseScope, RouteView, Stage, StageNeeds, Verdict } from '../stage.js';
import { guardContext } from './guard-context.js';
import { responseTextSlots } from '../../guards/text/index.js';

interface StreamState {
  guard: StreamingResponseGuard | undefined;
  maskedWindows: number;
}

const webhookFailure = (): RefusalError =>
  new RefusalError({
    status: 500,
    message: RESPONSE_GUARD_FAILURE_MESSAGE,
    code: 'guardrails_webhook_error',
  });

const REWRITE: StageNeeds = Object.freeze({ response: 'rewrite' });

export class ResponseGuardsStage implements Stage {
  readonly name = 'response-guards';
  constructor(private readonly guards: GuardRunner) {}

  needs(route: RouteView): StageNeeds | undefined {
    return route.policy.responseGuards ? REWRITE : undefined;
  }

  private stream(s: ResponseScope): StreamState {
    const state = s.slot<StreamState>(this, () => ({ guard: undefined, maskedWindows: 0 }));
    const cfg = s.route.policy.responseGuards;
    // Its webhook spans hang off the stream's own span (handle_response_stream).
    if (!state.guard && cfg) state.guard = this.guards.streaming(cfg, guardContext(s, s.span, 'response'));
    return state;
  }

  async onResponseEvents(s: ResponseScope, events: readonly StreamEvent[]): Promise<readonly StreamEvent[]> {
    const state = this.stream(s);
    if (!state.guard) return events;
    try {
      const r = await state.guard.push(events);
      state.maskedWindows += r.maskedWindows;
      return r.events;
    } catch {
      throw webhookFailure();
    }
  }

  async onStreamEnd(s: ResponseScope): Promise<readonly StreamEvent[]> {
    const state = this.stream(s);
    if (!state.guard) return [];
    let r;
    try {
      r = await state.guard.end();
    } catch {
      throw webhookFailure();
    }
    state.maskedWindows += r.maskedWindows;
    this.guards.recordStream(guardContext(s, s.span, 'response'), state.maskedWindows);
    return r.events;
  }

  private async arrayStream(
    s: ResponseScope,
    cfg: NonNullable<RouteView['policy']['responseGuards']>,
    chunks: readonly Json[],
    changed: () => void,
  ): Promise<Verdict> {
    const ctx = guardContext(s, s.span, 'response');
    const guard = this.guards.streaming(cfg, ctx);
    let masked = 0;
    try {
      masked += (await guard.push(chunks.map((json) => ({ data: '', json })))).maskedWindows;
      masked += (await guard.end()).maskedWindows;
    } catch {
      return { refuse: webhookFailure().refusal };
    }
    this.guards.recordStream(ctx, masked);
    if (masked > 0) changed();
  }

  async onResponseEnd(s: ResponseScope, end: ResponseEnd): Promise<Verdict> {
    const cfg = s.route.policy.responseGuards;
    if (!cfg || end.kind !== 'completion' || !end.rewritable || !end.completion) return;
    // A whole stream in one JSON array: guarded as the stream it is (a secret split across chunks
    // is found), its chunks rewritten in place.
    if (end.chunks) return this.arrayStream(s, cfg, end.chunks, () => end.changed());
    // Every text of every choice is guarded, next to tool calls too; only a response that holds
    // no text at all (a pure tool call) has nothing to guard.
    if (responseTextSlots(s.x.family, end.completion).length === 0) return;
    const r = await this.guards.response(end.completion, cfg, guardContext(s, s.span, 'response'));
    if (r.kind === 'fail') return { refuse: r.refusal };
    if (r.changed) end.changed();
  }
}

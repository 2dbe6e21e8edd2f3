/**
 * Runs one exchange's stages in order (stage.ts) and keeps their per-exchange state. A stage that
 * throws fails closed: the exception is counted and logged, and the client gets a 500 from the
 * route's mode (a guard that cannot do its work never lets content through). onClose runs once
 * per stage, and a throwing onClose does not stop the others.
 */
import type { StreamEvent } from '../streaming/stream-event.js';
import type { Refusal } from './reply.js';
import { RefusalError } from './reply.js';
import type { Route } from './route.js';
import type {
  ExchangeFacts,
  ExchangeOutcome,
  Json,
  RequestScope,
  ResponseEnd,
  ResponseScope,
  RouteView,
  Stage,
  StageNeeds,
  StagePlan,
} from './stage.js';
import type { PhaseSpan } from './tracer.js';
import { NOOP_SPAN } from './tracer.js';
import type { DynamicMetadata, HeadersOutcome, LocalReply } from './types.js';
import { mergeMetadata } from './metadata.js';
import { GuardConfigError } from '../guards/config.js';

const RANK = { read: 1, hold: 2, rewrite: 3 } as const;
const max = <T extends keyof typeof RANK>(a: T | undefined, b: T | undefined): T | undefined =>
  a === undefined ? b : b === undefined ? a : RANK[a] >= RANK[b] ? a : b;

export const STAGE_FAILED: Omit<Refusal, 'code'> = { status: 500, message: 'Internal gateway error' };

/** A guard config that cannot run (a pattern RE2 rejects, …): the same reply as one that cannot be parsed. */
export const INVALID_POLICY: Refusal = {
  status: 500,
  message: 'Invalid AI policy configuration',
  code: 'ai_extproc_invalid_policy',
};

/** A body too deeply nested to be walked (the guards could not check it). */
export const BODY_TOO_DEEP: Refusal = {
  status: 400,
  message: 'The request body is nested too deeply',
  code: 'ai_extproc_invalid_body',
  type: 'invalid_request_error',
};

/** Guard config errors already logged: each distinct one once (bounded: forgotten wholesale past 1,024). */
const loggedConfigErrors = new Set<string>();

function isStackOverflow(err: unknown): boolean {
  return err instanceof RangeError && /call stack/i.test(err.message);
}

export type RequestRun =
  | { readonly refuse: Refusal }
  | { readonly answer: LocalReply }
  | {
      readonly changed: boolean;
      readonly metadata: DynamicMetadata | undefined;
      readonly headers: readonly (readonly [string, string])[] | undefined;
    };

const NO_BODY: Json = Object.freeze({});

/**
 * Asks each stage what it needs on this route: a stage with nothing to do (no budget, no cache, no
 * picking configured) is left out and costs the exchange nothing. Modes whose routes outlive a
 * request compile this once per route (Route.plan); the result depends on the route's policy only.
 */
export function planStages(route: RouteView, stages: readonly Stage[]): StagePlan {
  const active: Stage[] = [];
  let request: StageNeeds['request'];
  let response: StageNeeds['response'];
  for (const stage of stages) {
    const n = stage.needs(route);
    if (!n) continue;
    active.push(stage);
    request = max(request, n.request);
    response = max(response, n.response);
  }
  return Object.freeze({
    stages: Object.freeze(active),
    needs: Object.freeze({ ...(request ? { request } : {}), ...(response ? { response } : {}) }),
  });
}

export class StageRunner implements RequestScope, ResponseScope {
  readonly needs: StageNeeds;
  private readonly stages: readonly Stage[];
  private slots: Map<Stage, unknown> | undefined;
  private owed: (() => DynamicMetadata | undefined)[] = [];
  private closed = false;

  constructor(
    readonly route: Route,
    readonly x: ExchangeFacts,
    readonly exception: (where: string, err: unknown) => void,
  ) {
    const plan = route.plan ?? planStages(route, route.stages);
    this.stages = plan.stages;
    this.needs = plan.needs;
  }

  slot<T>(stage: Stage, init: () => T): T {
    const slots = (this.slots ??= new Map());
    if (!slots.has(stage)) slots.set(stage, init());
    return slots.get(stage) as T;
  }

  owe(metadata: () => DynamicMetadata | undefined): void {
    this.owed.push(metadata);
  }

  /** Everything owed so far, computed now, once. */
  takeOwed(): DynamicMetadata | undefined {
    const owed = this.owed;
    this.owed = [];
    let out: DynamicMetadata | undefined;
    for (const f of owed) out = mergeMetadata(out, f());
    return out;
  }

  dropOwed(): void {
    this.owed = [];
  }

  withOwed(out: HeadersOutcome): HeadersOutcome {
    const owed = this.takeOwed();
    return owed ? { ...out, metadata: mergeMetadata(out.metadata, owed) ?? owed } : out;
  }

  private failed(stage: Stage, err: unknown): Refusal {
    if (err instanceof RefusalError) return err.refusal;
    if (err instanceof GuardConfigError) {
      // The same config fails every request on the route: say so once, not once per request.
      if (!loggedConfigErrors.has(err.message)) {
        if (loggedConfigErrors.size >= 1024) loggedConfigErrors.clear();
        loggedConfigErrors.add(err.message);
        this.exception(`stage:${stage.name}:config`, err);
      }
      return INVALID_POLICY;
    }
    this.exception(`stage:${stage.name}`, err);
    if (isStackOverflow(err)) return BODY_TOO_DEEP;
    return { ...STAGE_FAILED, code: `ai_extproc_stage_failed:${stage.name}` };
  }

  // The runner is the scope every stage gets (one object per exchange, no closures per call);
  // `body`, `bodyBytes` and `span` hold the values of the phase that runs.
  body: Json = NO_BODY;
  bodyBytes = 0;
  span: PhaseSpan = NOOP_SPAN;
  private changedBody = false;
  private replyMetadata: DynamicMetadata | undefined;
  private replyHeaders: [string, string][] | undefined;

  header(name: string, value: string): void {
    (this.replyHeaders ??= []).push([name.toLowerCase(), value]);
  }

  changed(): void {
    this.changedBody = true;
  }

  metadata(md: DynamicMetadata): void {
    this.replyMetadata = mergeMetadata(this.replyMetadata, md);
  }

  async request(body: Json, bodyBytes: number, span: PhaseSpan): Promise<RequestRun> {
    this.body = body;
    this.bodyBytes = bodyBytes;
    this.span = span;
    for (const stage of this.stages) {
      if (!stage.onRequest) continue;
      try {
        const v = await stage.onRequest(this);
        if (v) return 'answer' in v ? { answer: v.answer } : { refuse: v.refuse };
      } catch (err) {
        return { refuse: this.failed(stage, err) };
      }
    }
    return { changed: this.changedBody, metadata: this.replyMetadata, headers: this.replyHeaders };
  }

  /** Response headers the stages add (a stage that throws adds none: it is counted, not fatal). */
  responseHeaders(): [string, string][] | undefined {
    let out: [string, string][] | undefined;
    for (const stage of this.stages) {
      if (!stage.responseHeaders) continue;
      try {
        const h = stage.responseHeaders(this);
        if (h) for (const [k, v] of h) (out ??= []).push([k, v]);
      } catch (err) {
        this.exception(`stage:${stage.name}:headers`, err);
      }
    }
    return out;
  }

  private responseScope(span: PhaseSpan): ResponseScope {
    this.span = span;
    return this;
  }

  /** Events through every stage in order; a stage's output is the next one's input. */
  async events(events: readonly StreamEvent[], span: PhaseSpan, from = 0): Promise<readonly StreamEvent[]> {
    const scope = this.responseScope(span);
    let out = events;
    for (let i = from; i < this.stages.length; i++) {
      const stage = this.stages[i]!;
      if (!stage.onResponseEvents) continue;
      try {
        out = await stage.onResponseEvents(scope, out);
      } catch (err) {
        throw new RefusalError(this.failed(stage, err));
      }
    }
    return out;
  }

  /** The stream ended: each stage releases what it holds, through the stages after it. */
  async streamEnd(span: PhaseSpan): Promise<readonly StreamEvent[]> {
    const scope = this.responseScope(span);
    const out: StreamEvent[] = [];
    for (let i = 0; i < this.stages.length; i++) {
      const stage = this.stages[i]!;
      if (!stage.onStreamEnd) continue;
      let held: readonly StreamEvent[];
      try {
        held = await stage.onStreamEnd(scope);
      } catch (err) {
        throw new RefusalError(this.failed(stage, err));
      }
      if (held.length > 0) out.push(...(await this.events(held, span, i + 1)));
    }
    return out;
  }

  async responseEnd(end: ResponseEnd, span: PhaseSpan): Promise<Refusal | undefined> {
    const scope = this.responseScope(span);
    for (const stage of this.stages) {
      if (!stage.onResponseEnd) continue;
      try {
        const v = await stage.onResponseEnd(scope, end);
        if (v) return v.refuse;
      } catch (err) {
        return this.failed(stage, err);
      }
    }
    return undefined;
  }

  close(outcome: ExchangeOutcome): void {
    if (this.closed) return;
    this.closed = true;
    const scope = this.responseScope(NOOP_SPAN);
    for (const stage of this.stages) {
      try {
        stage.onClose?.(scope, outcome);
      } catch (err) {
        this.exception(`stage:${stage.name}:close`, err);
      }
    }
  }
}

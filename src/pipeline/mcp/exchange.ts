/**
 * One MCP exchange (JSON-RPC over Streamable HTTP) on an MCP route: the request is read as one
 * JSON-RPC message and checked against the route's rules and guards; the response is read only
 * when a rule needs it (a list answer to filter, a tool result to guard), as JSON or as the
 * POST-scoped SSE stream, event by event. GET (the server's stream) and DELETE (session end) pass
 * as they are, and so does everything no rule is about.
 */
import { BACKEND_HEADER } from '../../config/internal-headers.js';
import type { McpRoute } from '../../config/standalone/types.js';
import { isObj } from '../../json.js';
import type { JsonObject } from '../../json.js';
import {
  HEADER_MISMATCH,
  INTERNAL_ERROR,
  INVALID_PARAMS,
  INVALID_REQUEST,
  errorResponse,
  parseMessage,
} from '../../mcp/jsonrpc.js';
import type { RpcError, RpcId } from '../../mcp/jsonrpc.js';
import { headerMismatch } from '../../mcp/headers.js';
import type { ListKind } from '../../mcp/rules.js';
import type { McpIdentity } from '../../mcp/policy.js';
import { identifyClient } from '../../config/identify-client.js';
import { SseSplitter, withData } from '../../mcp/sse-split.js';
import { WalkLimitError, argumentSlots, resultSlots } from '../../mcp/strings.js';
import type { GuardContext, GuardRunner } from '../guard-runner.js';
import type { LogSink } from '../log.js';
import { errorSummary } from '../log.js';
import type { ExchangeTracer, PhaseSpan } from '../tracer.js';
import type {
  BodyEndOutcome,
  ChunkOutcome,
  Direction,
  Exchange,
  HeaderView,
  HeadersOutcome,
  LocalReply,
} from '../types.js';
import { guardArguments, guardResult } from './guards.js';
import type { McpObserver, McpResult } from './observer.js';

export interface McpExchangeDeps {
  readonly guards: GuardRunner;
  readonly observer: McpObserver;
  readonly log: LogSink;
  readonly tracer: ExchangeTracer;
}

/** Client-chosen names go into labels, logs and span names: cut to a bounded length. */
const MAX_NAME_CHARS = 128;
const bounded = (name: string): string =>
  name.length > MAX_NAME_CHARS ? `${name.slice(0, MAX_NAME_CHARS)}…` : name;

const JSON_HEADERS: ReadonlyArray<readonly [string, string]> = [['content-type', 'application/json']];
const EMPTY: ChunkOutcome = {};

/** What the response needs, decided with the request. */
interface Pending {
  readonly id: string | number;
  readonly method: string;
  /** The list answer to filter. */
  readonly list: ListKind | undefined;
  /** Guard the tools/call result. */
  readonly guardResult: boolean;
}

export class McpExchange implements Exchange {
  private readonly startedAt = performance.now();
  private headers_: HeaderView = new Map();
  private method = '';
  private tool = '';
  private result: McpResult | undefined;
  private readonly decisions: string[] = [];
  private pending: Pending | undefined;
  private sse: SseSplitter | undefined;
  private respPlan: 'observe' | 'buffer' | 'transform' = 'observe';
  private status: number | undefined;
  private toolSpan: PhaseSpan | undefined;
  /** The span of a rewritten SSE answer. */
  private streamSpan: PhaseSpan | undefined;
  /** The answer to our request went by (later events pass unread). */
  private answered = false;
  private closed = false;
  private identity: McpIdentity | undefined;

  constructor(
    private readonly route: McpRoute,
    private readonly deps: McpExchangeDeps,
  ) {}

  private trace(name: string): PhaseSpan {
    const h = this.headers_;
    return this.deps.tracer.phase(name, {
      traceparent: h.get('traceparent'),
      tracestate: h.get('tracestate'),
    });
  }

  /** A JSON-RPC error as a local reply: 200 (as the server would answer), or the route's denyStatus. */
  private rpcReply(id: RpcId, error: RpcError, status: number, details: string): LocalReply {
    return { status, body: errorResponse(id, error), headers: JSON_HEADERS, details };
  }

  headers(dir: Direction, headers: HeaderView, eos: boolean): HeadersOutcome {
    if (dir === 'response') return this.responseHeaders(headers);
    this.headers_ = headers;
    // Who is calling picks the rules (clientRules). Only the identity header Envoy vouches for:
    // a virtual key would pass on to the MCP server here, which never sees one on our watch.
    const clients = this.route.clients;
    if (clients) this.identity = { client: identifyClient(headers, clients, false).client?.name };
    const backend = this.route.backend;
    const set: [string, string][] = [
      [':authority', backend.baseUrl.authority],
      [BACKEND_HEADER, backend.cluster],
    ];
    const post = headers.get(':method') === 'POST' && !eos;
    // A POST is one JSON-RPC message, read whole; the upstream must not compress what a rule reads.
    return {
      bodyPlan: post ? 'buffer' : 'observe',
      headers: { set, ...(post ? { remove: ['accept-encoding'] } : {}) },
      clearRouteCache: true,
    };
  }

  chunk(dir: Direction, chunk: Buffer): ChunkOutcome | Promise<ChunkOutcome> {
    if (dir === 'request' || this.respPlan !== 'transform') return EMPTY;
    return this.sseChunk(chunk);
  }

  end(dir: Direction, body: Buffer | undefined, complete: boolean): BodyEndOutcome | Promise<BodyEndOutcome> {
    if (dir === 'request') {
      if (this.headers_.get(':method') !== 'POST') return {};
      const span = this.trace('handle_request_body');
      return this.requestEnd(body, complete, span).finally(() => span.end());
    }
    if (this.respPlan === 'observe') return {};
    const span = this.trace('handle_response_body');
    return this.responseEnd(body, span).finally(() => span.end());
  }

  trailers(): { readonly headers?: never } {
    return {};
  }

  tooLarge(dir: Direction): LocalReply | undefined {
    this.result = dir === 'request' ? 'invalid' : 'error';
    return dir === 'request'
      ? this.rpcReply(
          null,
          { code: INVALID_REQUEST, message: 'Request body too large' },
          413,
          'ai_extproc_body_too_large',
        )
      : this.rpcReply(
          this.pending?.id ?? null,
          { code: INTERNAL_ERROR, message: 'Response too large' },
          502,
          'ai_extproc_body_too_large',
        );
  }

  // ---- request ----------------------------------------------------------------------------

  private async requestEnd(
    body: Buffer | undefined,
    complete: boolean,
    span: PhaseSpan,
  ): Promise<BodyEndOutcome> {
    const route = this.route;
    if (!complete || (body?.length ?? 0) > route.maxBodyBytes) {
      this.result = 'invalid';
      return {
        reply: this.rpcReply(
          null,
          { code: INVALID_REQUEST, message: 'Request body too large' },
          413,
          'mcp_body_too_large',
        ),
      };
    }
    const parsed = parseMessage(body ?? '');
    if (!parsed.ok) {
      this.result = 'invalid';
      return {
        reply: this.rpcReply(
          parsed.id,
          { code: parsed.code, message: parsed.reason },
          400,
          'mcp_invalid_message',
        ),
      };
    }
    const msg = parsed.message;
    if (msg.kind !== 'response') this.method = bounded(msg.method);
    const mismatch = headerMismatch((n) => this.headers_.get(n), msg);
    if (mismatch !== undefined) {
      this.result = 'invalid';
      const id = msg.kind === 'notification' ? null : msg.id;
      return {
        reply: this.rpcReply(id, { code: HEADER_MISMATCH, message: mismatch }, 400, 'mcp_header_mismatch'),
      };
    }
    // Answers to the server's own requests, and notifications, carry nothing the rules are about.
    if (msg.kind !== 'request') {
      this.result = 'allowed';
      return {};
    }
    const named = typeof msg.params?.name === 'string' ? msg.params.name : '';
    if (msg.method === 'tools/call') {
      this.tool = bounded(named);
      // One span per tool call, from its request to the end of its answer (closed in close()).
      this.toolSpan = this.trace(`mcp tools/call ${this.tool}`.trimEnd());
      this.toolSpan.setAttributes({
        'mcp.method': this.method,
        'mcp.tool': this.tool,
        'mcp.route': route.name,
      });
    }
    const deny = route.denyStatus ?? 200;
    const decision = route.rules.decide(msg.method, msg.params, this.identity);
    if (!decision.allow) {
      this.result = 'denied';
      this.decisions.push(`request:rules:${decision.reason}`);
      return { reply: this.rpcReply(msg.id, decision.error, deny, `mcp_denied_${decision.reason}`) };
    }
    let changed = false;
    const cfg = route.guards.request;
    if (cfg && (msg.method === 'tools/call' || msg.method === 'prompts/get')) {
      // Guard spans hang off the tool call's span (prompts/get: off a span of its own).
      const parent = this.toolSpan ?? span.child(`mcp ${this.method} ${bounded(named)}`.trimEnd());
      let failure: unknown;
      try {
        const slots = argumentSlots(msg.params);
        const r = await guardArguments(this.deps.guards, slots, cfg, this.guardContext(parent, 'request'));
        if (r.kind === 'reject') {
          this.result = 'rejected';
          return {
            reply: this.rpcReply(
              msg.id,
              { code: INVALID_PARAMS, message: r.refusal.message },
              deny,
              'mcp_guard_rejected',
            ),
          };
        }
        changed = r.changed;
      } catch (err) {
        failure = err;
        this.result = 'error';
        if (!(err instanceof WalkLimitError)) this.exception('mcp request guards', err);
        return {
          reply: this.rpcReply(
            msg.id,
            { code: INTERNAL_ERROR, message: 'The request could not be checked' },
            500,
            'mcp_guard_error',
          ),
        };
      } finally {
        if (parent !== this.toolSpan) parent.end(failure);
      }
    }
    this.result = changed ? 'masked' : 'allowed';
    const list = route.rules.filters(msg.method, this.identity);
    const guardRes = msg.method === 'tools/call' && route.guards.response !== undefined;
    if (list !== undefined || guardRes)
      this.pending = { id: msg.id, method: msg.method, list, guardResult: guardRes };
    return changed ? { body: Buffer.from(JSON.stringify(parsed.value)) } : {};
  }

  private guardContext(span: PhaseSpan, phase: 'request' | 'response'): GuardContext {
    const g = this.route.guards;
    const transport = phase === 'request' ? g.requestWebhook : g.responseWebhook;
    return {
      family: 'openai',
      headers: this.headers_,
      traceparent: this.headers_.get('traceparent'),
      tracestate: this.headers_.get('tracestate'),
      span,
      cacheKey: (phase === 'request' ? g.requestKey : g.responseKey) ?? '',
      requestId: this.headers_.get('x-request-id'),
      decisions: this.decisions,
      // Standalone webhooks verify TLS unless the route's config says otherwise.
      webhookTransport: transport ?? { scheme: 'https', insecureSkipVerify: false },
    };
  }

  // ---- response ---------------------------------------------------------------------------

  private responseHeaders(headers: HeaderView): HeadersOutcome {
    this.status = Number(headers.get(':status')) || undefined;
    const p = this.pending;
    // Nothing reads this body: Envoy need not send it here.
    if (!p || this.status !== 200) return { bodyPlan: 'observe', skipResponseBody: true };
    const type = (headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const coding = (headers.get('content-encoding') ?? 'identity').trim().toLowerCase();
    if (type !== 'application/json' && type !== 'text/event-stream')
      return { bodyPlan: 'observe', skipResponseBody: true };
    if (coding !== 'identity')
      return { bodyPlan: 'observe', reply: this.failClosed(502, 'mcp_response_encoded') };
    this.respPlan = type === 'application/json' ? 'buffer' : 'transform';
    if (this.respPlan === 'transform') {
      this.sse = new SseSplitter(this.route.maxBodyBytes);
      this.streamSpan = this.trace('handle_response_stream');
    }
    // The body may change length: Envoy must not send the upstream's content-length.
    return { bodyPlan: this.respPlan, headers: { remove: ['content-length'] } };
  }

  private failClosed(status: number, details: string): LocalReply {
    this.result = 'error';
    return this.rpcReply(
      this.pending?.id ?? null,
      { code: INTERNAL_ERROR, message: 'The response could not be checked' },
      status,
      details,
    );
  }

  private async sseChunk(chunk: Buffer): Promise<ChunkOutcome> {
    try {
      let out = '';
      for (const ev of this.sse!.push(chunk)) {
        const next =
          ev.data === '' || this.answered ? undefined : await this.rewrite(ev.data, this.streamSpan!, false);
        out += next === undefined ? ev.raw : withData(ev, next);
      }
      return { body: Buffer.from(out) };
    } catch (err) {
      this.exception('mcp response stream', err);
      return { reply: this.failClosed(502, 'mcp_response_guard_error') };
    }
  }

  /**
   * The answer to our request, filtered or guarded; undefined: unchanged. `whole`: the text is the
   * whole body (JSON), so text that cannot be read fails closed; an SSE event that is not JSON is
   * just not the answer.
   */
  private async rewrite(text: string, span: PhaseSpan, whole: boolean): Promise<string | undefined> {
    const p = this.pending!;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      if (whole) throw err;
      return undefined;
    }
    if (!isObj(value) || value.id !== p.id || !('result' in value || 'error' in value)) return undefined;
    this.answered = true;
    if (!isObj(value.result)) return undefined;
    const result: JsonObject = value.result;
    let changed = false;
    if (p.list !== undefined) {
      const removed = this.route.rules.filterResult(p.method, result, this.identity);
      if (removed > 0) {
        changed = true;
        this.decisions.push(`response:rules:filtered:${removed}`);
      }
    }
    if (p.guardResult && this.route.guards.response) {
      const r = await guardResult(
        this.deps.guards,
        resultSlots(result),
        this.route.guards.response,
        this.guardContext(this.toolSpan ?? span, 'response'),
      );
      if (r.kind === 'reject') {
        this.result = 'rejected';
        return errorResponse(p.id, { code: INTERNAL_ERROR, message: r.refusal.message });
      }
      if (r.changed) {
        changed = true;
        this.result = 'masked';
      }
    }
    return changed ? JSON.stringify(value) : undefined;
  }

  private async responseEnd(body: Buffer | undefined, span: PhaseSpan): Promise<BodyEndOutcome> {
    try {
      if (this.respPlan === 'buffer') {
        const out = await this.rewrite((body ?? Buffer.alloc(0)).toString('utf8'), span, true);
        return out === undefined ? {} : { body: Buffer.from(out) };
      }
      const rest = this.sse!.end();
      return rest === '' ? {} : { body: Buffer.from(rest) };
    } catch (err) {
      this.exception('mcp response', err);
      return { reply: this.failClosed(502, 'mcp_response_guard_error') };
    }
  }

  private exception(where: string, err: unknown): void {
    this.deps.log.warn({ where, route: this.route.name, err: errorSummary(err) }, 'mcp guard failed');
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.toolSpan?.setAttributes({ 'mcp.decision': this.result ?? 'none' });
    this.toolSpan?.end(this.result === 'error' ? new Error('mcp guard failed') : undefined);
    this.streamSpan?.end();
    if (this.result === undefined) return; // GET, DELETE, or nothing read: not a JSON-RPC request
    const seconds = (performance.now() - this.startedAt) / 1000;
    this.deps.observer.mcpRequest({
      route: this.route.name,
      method: this.method,
      tool: this.tool,
      result: this.result,
      seconds,
    });
    this.deps.log.info(
      {
        requestId: this.headers_.get('x-request-id'),
        route: this.route.name,
        backend: this.route.backend.name,
        method: this.method,
        ...(this.tool ? { tool: this.tool } : {}),
        ...(this.identity?.client ? { client: this.identity.client } : {}),
        decision: this.result,
        status: this.status,
        guards: this.decisions,
        latencyMs: Math.round(seconds * 1000),
      },
      'mcp request summary',
    );
  }
}

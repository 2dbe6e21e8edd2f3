/**
 * The one exchange and its stage runner, driven through the Exchange interface (what server/
 * calls): every error branch, onClose exactly once, body plans from what stages declare.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AiExchange } from '../../../src/pipeline/exchange.js';
import type { ExchangeDeps } from '../../../src/pipeline/exchange.js';
import { StandaloneMode } from '../../../src/pipeline/modes/standalone.js';
import { KgatewayMode } from '../../../src/pipeline/modes/kgateway.js';
import { KgatewayPolicySource } from '../../../src/config/kgateway-policy.js';
import { formatIssue, loadStandaloneConfigText } from '../../../src/config/standalone/index.js';
import type { RuntimeConfig } from '../../../src/config/standalone/index.js';
import type {
  ExchangeFacts,
  ExchangeOutcome,
  RequestScope,
  Stage,
  StageNeeds,
} from '../../../src/pipeline/stage.js';
import { PromptEstimateStage } from '../../../src/pipeline/stages/prompt-estimate.js';
import { RecordStage } from '../../../src/pipeline/stages/record.js';
import type { ExchangeTracer, PhaseSpan } from '../../../src/pipeline/tracer.js';
import type {
  BodyEndOutcome,
  Exchange,
  HeaderView,
  LocalReply,
  MessageContext,
} from '../../../src/pipeline/types.js';
import type { StreamEvent } from '../../../src/streaming/stream-event.js';

// \`oa\` is an OpenAI-compatible backend on the translated path (Mistral), so these tests drive the
// translating codec; same-API (lossless) exchanges are tested in test/unit/pipeline/codecs/.
const CONFIG = `
version: 1
backends:
  oa: { provider: mistral, baseUrl: http://127.0.0.1:1, auth: { none: true }, defaultModel: gpt-4o-mini }
  an: { provider: anthropic, baseUrl: http://127.0.0.1:1, auth: { none: true }, defaultModel: claude-x }
routes:
  - name: chat
    match: { pathPrefix: /v1/chat/completions }
    models:
      fast: { backend: oa, model: gpt-4o-mini }
      claude: { backend: an, model: claude-x }
`;

function config(): RuntimeConfig {
  const r = loadStandaloneConfigText(CONFIG, { env: {} });
  assert.ok(r.ok, r.ok ? '' : r.errors.map(formatIssue).join('\n'));
  return r.config;
}

/** Counts onClose calls; optionally throws in one hook. */
class Probe implements Stage {
  readonly closes: ExchangeOutcome[] = [];
  constructor(
    readonly name: string,
    private readonly throwIn?: 'request' | 'events' | 'end' | 'close',
    private readonly spanNames: string[] = [],
  ) {}
  needs(): StageNeeds {
    return this.throwIn === 'events' || this.spanNames.length > 0 ? { response: 'rewrite' } : {};
  }
  onRequest(): void {
    if (this.throwIn === 'request') throw new Error('boom');
  }
  onResponseEvents(s: { span: PhaseSpan }, events: readonly StreamEvent[]): readonly StreamEvent[] {
    if (this.throwIn === 'events') throw new Error('boom');
    s.span.child('probe-work').end();
    return events;
  }
  onResponseEnd(): void {
    if (this.throwIn === 'end') throw new Error('boom');
  }
  onClose(_s: unknown, outcome: ExchangeOutcome): void {
    this.closes.push(outcome);
    if (this.throwIn === 'close') throw new Error('boom');
  }
}

interface Harness {
  deps: ExchangeDeps;
  exceptions: string[];
  logs: Record<string, unknown>[];
  spans: { name: string; parent: string | undefined }[];
}

function recordingTracer(spans: Harness['spans']): ExchangeTracer {
  const make = (name: string, parent: string | undefined): PhaseSpan => ({
    setAttributes: () => undefined,
    child: (n) => make(n, name),
    end: () => void spans.push({ name, parent }),
  });
  return { phase: (name) => make(name, undefined), includeContent: false };
}

function harness(stages: readonly Stage[], mode: 'standalone' | 'kgateway' = 'standalone'): Harness {
  const exceptions: string[] = [];
  const logs: Record<string, unknown>[] = [];
  const spans: Harness['spans'] = [];
  const log = {
    debug: () => undefined,
    info: (o: object) => void logs.push(o as Record<string, unknown>),
    warn: () => undefined,
    error: () => undefined,
  };
  const observer = { exceptionRaised: (_l: unknown, where: string) => void exceptions.push(where) };
  const cfg = config();
  const all = [...stages, new RecordStage(observer, log)];
  const m =
    mode === 'standalone'
      ? new StandaloneMode({ config: () => cfg, stages: all, maxBodyBytes: 1 << 20, log })
      : new KgatewayMode({ policies: new KgatewayPolicySource(), stages: all, maxBodyBytes: 1 << 20 });
  const deps: ExchangeDeps = {
    mode: m,
    customLabels: [],
    observer,
    log,
    maxBodyBytes: 1 << 20,
    tracer: recordingTracer(spans),
  };
  return { deps, exceptions, logs, spans };
}

const CTX: MessageContext = { filterMetadata: {}, observability: false };
const req = (h: Record<string, string>): HeaderView =>
  new Map(Object.entries({ ':method': 'POST', ':path': '/v1/chat/completions', ':authority': 'gw', ...h }));
const json = (o: unknown): Buffer => Buffer.from(JSON.stringify(o));
const chatBody = (extra: object = {}) =>
  json({ model: 'fast', messages: [{ role: 'user', content: 'hello there' }], ...extra });
const OPENAI_OK = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
};
const replyJson = (r: LocalReply | undefined): { error?: { type?: string; message?: string } } =>
  JSON.parse(String(r?.body)) as { error?: { type?: string; message?: string } };

function open(h: Harness, md: Record<string, string> = {}): Exchange {
  return new AiExchange({ grpcMetadata: new Map(Object.entries(md)) }, h.deps);
}

async function request(ex: Exchange, body: Buffer): Promise<BodyEndOutcome> {
  const head = await ex.headers('request', req({}), false, CTX);
  assert.equal(head.bodyPlan, 'buffer');
  return ex.end('request', body, true);
}

describe('exchange: request', () => {
  it('no body: a 400 in the client format, one summary line, onClose once', async () => {
    const probe = new Probe('probe');
    const h = harness([probe]);
    const ex = open(h);
    const out = await ex.headers('request', req({}), true, CTX);
    assert.equal(out.reply?.status, 400);
    assert.equal(out.reply?.details, 'ai_extproc_no_body');
    assert.equal(replyJson(out.reply).error?.message, 'A JSON request body is required');
    ex.close('local-reply');
    ex.close('local-reply');
    assert.deepEqual(probe.closes, ['local-reply']);
    assert.equal(h.logs.filter((l) => l.outcome === 'rejected').length, 1);
  });

  it('completes: translated body, route headers, final metadata, onClose once with completed', async () => {
    const probe = new Probe('probe');
    const h = harness([new PromptEstimateStage({ syncMaxBytes: Infinity, hitsAddend: false }), probe]);
    const ex = open(h);
    const r = await request(ex, chatBody());
    assert.ok(r.body && r.clearRouteCache);
    assert.deepEqual(r.metadata?.ai_extproc, { backend: 'oa', route: 'chat', rate_limited_tokens: 11 });
    const resp = await ex.headers(
      'response',
      new Map([
        [':status', '200'],
        ['content-type', 'application/json'],
      ]),
      false,
      CTX,
    );
    assert.equal(resp.bodyPlan, 'buffer');
    const end = await ex.end('response', json(OPENAI_OK), true);
    assert.equal((JSON.parse(String(end.body)) as { id: string }).id, 'chatcmpl-1');
    assert.equal(end.metadata?.ai_extproc?.total_tokens, 6);
    ex.close('completed');
    assert.deepEqual(probe.closes, ['completed']);
    assert.equal(h.logs.at(-1)?.outcome, 'completed');
  });

  it('a stage that throws fails closed: 500 in the client format, counted, every stage still closes once', async () => {
    const boom = new Probe('boom', 'request');
    const later = new Probe('later');
    const h = harness([boom, later]);
    const ex = open(h);
    const r = await request(ex, chatBody());
    assert.equal(r.reply?.status, 500);
    assert.equal(r.reply?.details, 'ai_extproc_stage_failed:boom');
    assert.equal(replyJson(r.reply).error?.type, 'api_error');
    assert.deepEqual(h.exceptions, ['stage:boom']);
    ex.close('local-reply');
    assert.deepEqual([boom.closes, later.closes], [['local-reply'], ['local-reply']]);
  });

  it('a throwing onClose does not stop the other stages', async () => {
    const a = new Probe('a', 'close');
    const b = new Probe('b');
    const h = harness([a, b]);
    const ex = open(h);
    await request(ex, chatBody());
    ex.close('cancelled');
    assert.deepEqual([a.closes, b.closes], [['cancelled'], ['cancelled']]);
    assert.deepEqual(h.exceptions, ['stage:a:close']);
  });

  it('malformed JSON, a non-object and an unknown model get their 400/404 in the client format', async () => {
    for (const [body, status, type] of [
      [Buffer.from('{oops'), 400, 'invalid_request_error'],
      [json([1, 2]), 400, 'invalid_request_error'],
      [json({ model: 'nope', messages: [] }), 404, 'not_found_error'],
    ] as const) {
      const ex = open(harness([]));
      const r = await request(ex, body);
      assert.equal(r.reply?.status, status);
      assert.equal(replyJson(r.reply).error?.type, type);
      ex.close('local-reply');
    }
  });

  it('cancel before any response: onClose once with cancelled, summary says cancelled', async () => {
    const probe = new Probe('probe');
    const h = harness([probe]);
    const ex = open(h);
    await request(ex, chatBody());
    ex.close('cancelled');
    ex.close('completed');
    assert.deepEqual(probe.closes, ['cancelled']);
    assert.equal(h.logs.at(-1)?.outcome, 'cancelled');
  });

  it('no route: observe only, no stages, no summary line', async () => {
    const probe = new Probe('probe');
    const h = harness([probe]);
    const ex = open(h);
    const out = await ex.headers('request', req({ ':path': '/other' }), false, CTX);
    assert.equal(out.bodyPlan, 'observe');
    ex.close('completed');
    assert.deepEqual(probe.closes, []);
    assert.equal(h.logs.length, 0);
  });
});

describe('exchange: response', () => {
  it('upstream 200 that is not JSON: a 502 in the client format', async () => {
    const ex = open(harness([]));
    await request(ex, chatBody());
    await ex.headers('response', new Map([[':status', '200']]), false, CTX);
    const end = await ex.end('response', Buffer.from('<html>'), true);
    assert.equal(end.reply?.status, 502);
    assert.equal(replyJson(end.reply).error?.type, 'api_error');
  });

  it('mid-stream failure: one error event for the client, then the stream ends; outcome upstream-error', async () => {
    const h = harness([]);
    const ex = open(h);
    await request(ex, chatBody({ model: 'claude', stream: true }));
    const head = await ex.headers(
      'response',
      new Map([
        [':status', '200'],
        ['content-type', 'text/event-stream'],
      ]),
      false,
      CTX,
    );
    assert.equal(head.bodyPlan, 'transform');
    const sse =
      'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n';
    const c = await ex.chunk('response', Buffer.from(sse));
    assert.match(String(c.body), /^data: \{"error":\{"message":"Overloaded"/);
    const more = await ex.chunk('response', Buffer.from('event: ping\ndata: {}\n\n'));
    assert.equal(String(more.body), '');
    const end = await ex.end('response', undefined, true);
    assert.equal(String(end.body ?? ''), '', 'no [DONE] after a failure');
    ex.close('completed');
    assert.equal(h.logs.at(-1)?.outcome, 'upstream-error');
  });

  it('a rewriting stage sees stream events in its own exported span (handle_response_stream)', async () => {
    const h = harness([new Probe('probe', undefined, ['x'])]);
    const ex = open(h);
    await request(ex, chatBody({ stream: true }));
    await ex.headers(
      'response',
      new Map([
        [':status', '200'],
        ['content-type', 'text/event-stream'],
      ]),
      false,
      CTX,
    );
    const chunk = {
      id: 'c',
      object: 'chat.completion.chunk',
      model: 'gpt-4o-mini',
      choices: [{ index: 0, delta: { content: 'hi' } }],
    };
    const c = await ex.chunk('response', Buffer.from(`data: ${JSON.stringify(chunk)}\n\n`));
    assert.equal(String(c.body), `data: ${JSON.stringify(chunk)}\n\n`);
    const end = await ex.end('response', undefined, true);
    assert.equal(String(end.body), 'data: [DONE]\n\n');
    assert.ok(h.spans.some((s) => s.name === 'probe-work' && s.parent === 'handle_response_stream'));
    assert.ok(h.spans.some((s) => s.name === 'handle_response_stream' && s.parent === undefined));
  });

  it('a stage that throws on stream events fails closed with a local reply', async () => {
    const h = harness([new Probe('boom', 'events')]);
    const ex = open(h);
    await request(ex, chatBody({ stream: true }));
    await ex.headers(
      'response',
      new Map([
        [':status', '200'],
        ['content-type', 'text/event-stream'],
      ]),
      false,
      CTX,
    );
    const c = await ex.chunk('response', Buffer.from('data: {"choices":[]}\n\n'));
    assert.equal(c.reply?.status, 500);
    assert.deepEqual(h.exceptions, ['stage:boom']);
  });

  it('a stage that throws at the response end fails closed', async () => {
    const ex = open(harness([new Probe('boom', 'end')]));
    await request(ex, chatBody());
    await ex.headers('response', new Map([[':status', '200']]), false, CTX);
    const end = await ex.end('response', json(OPENAI_OK), true);
    assert.equal(end.reply?.status, 500);
  });
});

describe('exchange: body plans come from what the stages declare (kgateway mode)', () => {
  const md = { 'x-llm-provider': 'openai' };
  it('no stage holds the body: observe only, so bytes pass byte-identical', async () => {
    const ex = open(
      harness([new PromptEstimateStage({ syncMaxBytes: 0, hitsAddend: true })], 'kgateway'),
      md,
    );
    const out = await ex.headers('request', req({}), false, CTX);
    assert.equal(out.bodyPlan, 'observe');
    assert.equal(out.headers, undefined);
  });
  it('a stage that rewrites the response: accept-encoding is removed so the body is readable', async () => {
    const ex = open(harness([new Probe('rw', undefined, ['x'])], 'kgateway'), md);
    const out = await ex.headers('request', req({}), false, CTX);
    assert.deepEqual(out.headers, { remove: ['accept-encoding'] });
  });
});

describe('prompt estimate', () => {
  it('a failed count is counted as an exception and the estimate is 0 (both modes share it)', () => {
    const exceptions: string[] = [];
    const stage = new PromptEstimateStage({ syncMaxBytes: Infinity, hitsAddend: false });
    const x = {
      family: 'openai',
      estimate: -1,
    } as unknown as ExchangeFacts;
    const body = {
      get messages(): unknown {
        throw new Error('unreadable');
      },
    };
    stage.onRequest({
      route: { policy: {} },
      x,
      body,
      bodyBytes: 10,
      exception: (where: string) => void exceptions.push(where),
    } as unknown as RequestScope);
    assert.equal(x.estimate, 0);
    assert.deepEqual(exceptions, ['token-estimate']);
  });
});

describe('exchange: a held body over the limit', () => {
  it('is refused in the route’s own format: JSON for a standalone client, text/plain in kgateway mode', async () => {
    const sa = open(harness([]));
    await sa.headers('request', req({}), false, CTX);
    const r = sa.tooLarge?.('request');
    assert.equal(r?.status, 413);
    assert.equal(r?.details, 'ai_extproc_body_too_large');
    assert.equal(replyJson(r).error?.message, 'Request body too large');
    const kg = open(harness([], 'kgateway'), { 'x-llm-provider': 'openai' });
    await kg.headers('request', req({}), false, CTX);
    const k = kg.tooLarge?.('response');
    assert.deepEqual(k, {
      status: 500,
      body: 'Response body too large',
      headers: [['content-type', 'text/plain']],
      details: 'ai_extproc_body_too_large',
    });
    const none = open(harness([]));
    await none.headers('request', req({ ':path': '/elsewhere' }), false, CTX);
    assert.equal(none.tooLarge?.('request'), undefined, 'not our route: the transport’s default');
  });
});

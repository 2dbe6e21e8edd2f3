/**
 * The endpoint-pick stage through a real exchange (standalone mode, no Envoy): the header and the
 * envoy.lb metadata agree; FailOpen without a ready server lets the request through unpicked and
 * FailClose answers 503; a shed is a 429 in the client's format; a client's own destination header
 * is removed; the served header feeds the prefix index only for pool members; in-flight counts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AiExchange } from '../../../../src/pipeline/exchange.js';
import { StandaloneMode } from '../../../../src/pipeline/modes/standalone.js';
import { EndpointPickStage } from '../../../../src/pipeline/stages/endpoint-pick.js';
import { RecordStage } from '../../../../src/pipeline/stages/record.js';
import { NOOP_TRACER } from '../../../../src/pipeline/tracer.js';
import type { LivePool, PoolDirectory } from '../../../../src/pipeline/pools.js';
import type { CompiledPool, RuntimeConfig } from '../../../../src/config/standalone/index.js';
import { formatIssue, loadStandaloneConfigText } from '../../../../src/config/standalone/index.js';
import type { EndpointView } from '../../../../src/picking/picker.js';
import { MAX_PREFIX_CHARS, PrefixIndex, prefixHashes } from '../../../../src/picking/prefix-cache.js';
import { promptText } from '../../../../src/picking/picker.js';
import type { BodyEndOutcome, HeaderView, MessageContext } from '../../../../src/pipeline/types.js';

const CONFIG = (mode: string) => `version: 1
backends:
  p:
    kind: pool
    provider: openai
    auth: { none: true }
    pool:
      servers: ['10.0.0.1:8000', '10.0.0.2:8000', '10.0.0.3:8000']
      failureMode: ${mode}
      objectives: { cheap: { priority: -1 } }
routes:
  - name: r
    match: { pathPrefix: /p }
    backend: p
`;

class ScriptedPool implements LivePool {
  readonly name = 'p';
  readonly prefix = new PrefixIndex();
  readonly picks: string[] = [];
  readonly inflight = new Map<string, number>();
  constructor(
    readonly pool: CompiledPool,
    public endpoints: EndpointView[],
  ) {}
  views(): readonly EndpointView[] {
    return this.endpoints;
  }
  isMember(e: string): boolean {
    return this.endpoints.some((v) => v.endpoint === e);
  }
  picked(e: string, reason: string): void {
    this.picks.push(`${e}:${reason}`);
    if (e) this.inflight.set(e, (this.inflight.get(e) ?? 0) + 1);
  }
  finished(e: string): void {
    this.inflight.set(e, (this.inflight.get(e) ?? 0) - 1);
  }
}

const view = (endpoint: string, waiting: number, kvCache = 0.1): EndpointView => ({
  endpoint,
  metrics: { waiting, running: 1, kvCache, lora: undefined },
  excluded: false,
});

function setup(mode: 'FailOpen' | 'FailClose') {
  const r = loadStandaloneConfigText(CONFIG(mode), { env: {} });
  assert.ok(r.ok, r.ok ? '' : r.errors.map(formatIssue).join('\n'));
  const cfg: RuntimeConfig = r.config;
  const live = new ScriptedPool(cfg.backend('p')!.pool!, [
    view('10.0.0.1:8000', 4),
    view('10.0.0.2:8000', 0),
    view('10.0.0.3:8000', 8),
  ]);
  const pools: PoolDirectory = { get: () => live };
  const logs: Record<string, unknown>[] = [];
  const log = {
    debug: () => undefined,
    info: (o: object) => void logs.push(o as Record<string, unknown>),
    warn: () => undefined,
    error: () => undefined,
  };
  const mode_ = new StandaloneMode({
    config: () => cfg,
    stages: [new EndpointPickStage(() => cfg, pools), new RecordStage({}, log)],
    maxBodyBytes: 1 << 20,
    log,
  });
  const deps = {
    mode: mode_,
    customLabels: [],
    observer: {},
    log,
    maxBodyBytes: 1 << 20,
    tracer: NOOP_TRACER,
  };
  return { live, logs, ex: () => new AiExchange({ grpcMetadata: new Map() }, deps) };
}

const CTX: MessageContext = { filterMetadata: {}, observability: false };
const headers = (h: Record<string, string> = {}, path = '/p/v1/chat/completions'): HeaderView =>
  new Map(Object.entries({ ':method': 'POST', ':path': path, ':authority': 'gw', ...h }));
const body = (model = 'llama', content = 'hello') =>
  Buffer.from(JSON.stringify({ model, messages: [{ role: 'user', content }] }));

async function send(
  ex: AiExchange,
  h: Record<string, string> = {},
  b = body(),
  path?: string,
): Promise<BodyEndOutcome> {
  ex.headers('request', headers(h, path), false, CTX);
  return ex.end('request', b, true);
}

const prefixOf = (content: string): number[] =>
  prefixHashes(promptText({ messages: [{ role: 'user', content }] }, MAX_PREFIX_CHARS));

const setOf = (o: BodyEndOutcome) => new Map(o.headers?.set ?? []);

describe('endpoint-pick stage in an exchange', () => {
  it('names the best server then the fallbacks, in the header and envoy.lb alike; removes a client copy', async () => {
    const { live, ex } = setup('FailOpen');
    const out = await send(ex(), { 'x-gateway-destination-endpoint': '127.0.0.1:22' });
    const list = '10.0.0.2:8000,10.0.0.1:8000,10.0.0.3:8000';
    assert.equal(setOf(out).get('x-gateway-destination-endpoint'), list);
    assert.equal(out.metadata?.['envoy.lb']?.['x-gateway-destination-endpoint'], list);
    assert.ok(!(out.headers?.remove ?? []).includes('x-gateway-destination-endpoint'));
    assert.deepEqual(live.picks, ['10.0.0.2:8000:scored']);
  });

  it('FailClose sends only the primary (ORIGINAL_DST takes one address)', async () => {
    const { ex } = setup('FailClose');
    const out = await send(ex());
    assert.equal(setOf(out).get('x-gateway-destination-endpoint'), '10.0.0.2:8000');
  });

  it('no ready server: FailOpen goes on unpicked (and removes a client copy), FailClose is a 503', async () => {
    const open = setup('FailOpen');
    open.live.endpoints = open.live.endpoints.map((v) => ({ ...v, excluded: true }));
    const o = await send(open.ex(), { 'x-gateway-destination-endpoint': '10.0.0.3:8000' });
    assert.equal(o.reply, undefined);
    assert.equal(setOf(o).get('x-gateway-destination-endpoint'), undefined);
    assert.ok(o.headers?.remove?.includes('x-gateway-destination-endpoint'));
    assert.deepEqual(open.live.picks, [':fail-open']);
    const closed = setup('FailClose');
    closed.live.endpoints = [];
    const c = await send(closed.ex());
    assert.equal(c.reply?.status, 503);
  });

  it('sheds a sheddable model with a 429 in the client format when every server is saturated', async () => {
    const { live, ex } = setup('FailOpen');
    live.endpoints = live.endpoints.map((v) => ({
      ...v,
      metrics: { waiting: 9, running: 4, kvCache: 0.95, lora: undefined },
    }));
    const openai = await send(ex(), {}, body('cheap'));
    assert.equal(openai.reply?.status, 429);
    assert.equal(
      (JSON.parse(String(openai.reply?.body)) as { error: { type: string } }).error.type,
      'rate_limit_error',
    );
    const normal = await send(ex(), {}, body('llama'));
    assert.equal(normal.reply, undefined);
  });

  it('the served header feeds the prefix index (pool members only); in-flight counts go back down', async () => {
    const { live, ex, logs } = setup('FailOpen');
    const prompt = 'shared system prompt '.repeat(20);
    const served = async (endpoint: string) => {
      const e = ex();
      await send(e, { 'x-request-id': endpoint }, body('llama', prompt));
      e.headers(
        'response',
        new Map([
          [':status', '200'],
          ['x-gateway-destination-endpoint-served', endpoint],
        ]),
        false,
        CTX,
      );
      await e.end('response', Buffer.from('{"id":"x","object":"chat.completion","choices":[]}'), true);
      e.close('completed');
    };
    await served('10.0.0.3:8000');
    // The primary (10.0.0.2) got the prefix at pick time; the server that served it too.
    assert.equal(live.prefix.score('10.0.0.3:8000', [...prefixOf(prompt)]), 1);
    assert.equal(live.inflight.get('10.0.0.2:8000'), 0);
    await served('192.168.9.9:1');
    assert.equal(live.prefix.score('192.168.9.9:1', [...prefixOf(prompt)]), 0);
    const line = logs.find((l) => l.requestId === '10.0.0.3:8000');
    assert.deepEqual((line?.pick as { served: string }).served, '10.0.0.3:8000');
  });
});

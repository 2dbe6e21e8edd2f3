/**
 * Stage 6: the cache. Two stage objects share one per-exchange state: the lookup runs after the
 * guards and the budget reserve (so a hit never skips a rejection), the store after the response
 * guards (what is stored is what the client received). L1 is the hash of the canonical request;
 * L2 the last user message's embedding, compared only within its partition (request-key.ts). A
 * hit is the client's whole answer (JSON, or a complete SSE body), with x-ai-cache and
 * x-ai-cache-similarity; the budget settles it as one request and zero tokens. A failing or slow
 * embedder or store is a miss: counted, logged at most once a second, never an error.
 */
import { cacheKeys, numbersOf } from '../../cache/request-key.js';
import type { CacheKeys } from '../../cache/request-key.js';
import { anthropicAnswer, openaiAnswer, toEntry } from '../../cache/answer.js';
import type { Answer } from '../../cache/answer.js';
import { StreamRecorder } from '../../cache/stream-recorder.js';
import { synthesizeHit } from '../../cache/synthesize.js';
import type { CacheEntry, CachePolicy, CacheStore, Embedder, SemanticPolicy } from '../../cache/types.js';
import { costMicros, priceFor } from '../../limits/plan.js';
import { clientApiForPath } from '../../providers/translate/registry.js';
import type { StreamEvent } from '../../streaming/stream-event.js';
import type { CacheFailure, CacheObserver, CacheResult } from '../cache-observer.js';
import type { LogSink } from '../log.js';
import type {
  ExchangeScope,
  RequestScope,
  RequestVerdict,
  ResponseEnd,
  ResponseScope,
  RouteView,
  Stage,
  StageNeeds,
  Verdict,
} from '../stage.js';

export interface CacheDeps {
  /** The store a route's policy names (undefined: not configured, every lookup is a miss). */
  readonly store: (policy: CachePolicy) => CacheStore | undefined;
  /** The embedder of a semantic policy (undefined: L1 only). */
  readonly embedder: (policy: SemanticPolicy) => Embedder | undefined;
  readonly observer: CacheObserver | undefined;
  readonly log: LogSink;
}

interface CacheState {
  readonly policy: CachePolicy;
  readonly store: CacheStore | undefined;
  keys: CacheKeys | undefined;
  vector: Float32Array | undefined;
  result: CacheResult;
  /** The answer may be stored (no bypass, no no-store, n == 1, cacheable request). */
  writable: boolean;
  recorder: StreamRecorder | undefined;
}

class Timeout extends Error {}

/** The promise, or a Timeout after ms (the work goes on, its result is dropped). */
function bounded<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Timeout()), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

const LOOKUP: StageNeeds = Object.freeze({ request: 'hold' });
const NOTHING: StageNeeds = Object.freeze({});

/**
 * Runs first on a cached route: notes whether the client itself asked for the stream's usage chunk
 * (request defaults add stream_options.include_usage for the gateway's own count, and a live
 * stream hides that chunk from a client that did not ask; a synthesized hit must too).
 */
export class CacheIntakeStage implements Stage {
  readonly name = 'cache-intake';
  needs(route: RouteView): StageNeeds | undefined {
    return route.policy.cache ? NOTHING : undefined;
  }
  onRequest(s: RequestScope): RequestVerdict {
    const so = s.body.stream_options;
    const asked =
      typeof so === 'object' && so !== null && (so as { include_usage?: unknown }).include_usage === true;
    s.slot(this, () => ({ asked }));
  }
  askedUsage(s: ExchangeScope): boolean {
    return s.slot(this, () => ({ asked: false })).asked;
  }
}
const STORE: StageNeeds = Object.freeze({ response: 'rewrite' });

export class CacheLookupStage implements Stage {
  readonly name = 'cache';
  private lastWarning = 0;

  constructor(
    readonly deps: CacheDeps,
    private readonly intake?: CacheIntakeStage,
  ) {}

  needs(route: RouteView): StageNeeds | undefined {
    // The request is held: a hit must answer before any byte reaches the upstream.
    return route.policy.cache ? LOOKUP : undefined;
  }

  state(s: ExchangeScope): CacheState | undefined {
    return s.slot<CacheState | undefined>(this, () => undefined);
  }

  async onRequest(s: RequestScope): Promise<RequestVerdict> {
    const policy = s.route.policy.cache;
    if (!policy) return;
    const route = s.route.name ?? '';
    const h = s.x.headers;
    const cc = (h.get('cache-control') ?? '').toLowerCase();
    const bypass = (h.get('x-ai-cache') ?? '').toLowerCase() === 'bypass';
    const st: CacheState = {
      policy,
      store: this.deps.store(policy),
      keys: undefined,
      vector: undefined,
      result: 'miss',
      writable: !bypass && !/\bno-store\b/.test(cc),
      recorder: undefined,
    };
    s.slot<CacheState | undefined>(this, () => st);
    const n = s.body.n;
    if ((n !== undefined && n !== 1) || s.x.uncacheable !== undefined) st.writable = false;
    if (bypass || /\bno-cache\b/.test(cc) || !st.writable) {
      st.result = bypass || /\bno-cache\b/.test(cc) ? 'bypass' : 'miss';
      this.deps.observer?.cacheRequest(route, st.result);
      return;
    }
    try {
      st.keys = cacheKeys(s.body, {
        route,
        model: s.x.model,
        client: policy.shareAcrossClients ? undefined : s.x.client?.name,
        version: policy.version,
        family: s.x.family,
      });
    } catch {
      st.keys = undefined; // too deep to key: not cached
    }
    if (!st.keys) {
      st.writable = false;
      this.deps.observer?.cacheRequest(route, 'miss');
      return;
    }
    if (s.x.streaming) st.recorder = new StreamRecorder(s.x.family);
    const hit = await this.lookup(s, st, st.keys, route);
    this.deps.observer?.cacheRequest(route, st.result);
    if (!hit) return;
    return this.answer(s, st, hit.entry, hit.similarity, route);
  }

  private async lookup(
    s: RequestScope,
    st: CacheState,
    keys: CacheKeys,
    route: string,
  ): Promise<{ entry: CacheEntry; similarity: number | undefined } | undefined> {
    const { policy, store } = st;
    if (!store) return undefined;
    if (policy.exact) {
      try {
        const entry = await bounded(store.exact(keys.partition, keys.exact), policy.timeoutMs);
        if (entry) {
          st.result = 'hit';
          return { entry, similarity: undefined };
        }
      } catch (err) {
        this.failed(route, err instanceof Timeout ? 'store_timeout' : 'store_error', err, s);
        return undefined;
      }
    }
    const sem = policy.semantic;
    const embedder = sem && keys.text !== undefined ? this.deps.embedder(sem) : undefined;
    if (!sem || !embedder || keys.text === undefined) return undefined;
    try {
      st.vector = await bounded(
        embedder.embed(keys.text, AbortSignal.timeout(policy.timeoutMs)),
        policy.timeoutMs,
      );
    } catch (err) {
      this.failed(route, err instanceof Timeout ? 'embedder_timeout' : 'embedder_error', err, s);
      return undefined;
    }
    let match;
    try {
      match = await bounded(store.nearest(keys.partition, st.vector), policy.timeoutMs);
    } catch (err) {
      this.failed(route, err instanceof Timeout ? 'store_timeout' : 'store_error', err, s);
      return undefined;
    }
    if (!match) return undefined;
    this.deps.observer?.cacheSimilarity(route, match.similarity);
    const sim = match.similarity.toFixed(4);
    if (match.similarity < sem.threshold) {
      s.x.decisions.push(`cache:miss:${sim}`);
      return undefined;
    }
    if (match.entry.numbers !== undefined && match.entry.numbers !== numbersOf(keys.text)) {
      s.x.decisions.push(`cache:miss:${sim}:numbers`);
      return undefined;
    }
    st.result = 'semantic-hit';
    return { entry: match.entry, similarity: match.similarity };
  }

  private answer(
    s: RequestScope,
    st: CacheState,
    entry: CacheEntry,
    similarity: number | undefined,
    route: string,
  ): RequestVerdict {
    const so = s.body.stream_options;
    const hit = synthesizeHit(entry, {
      api: clientApiForPath(s.x.path),
      path: s.x.path,
      stream: s.x.streaming,
      includeUsage: this.intake
        ? this.intake.askedUsage(s)
        : typeof so === 'object' && so !== null && (so as { include_usage?: unknown }).include_usage === true,
    });
    const sim = similarity === undefined ? '1.0000' : similarity.toFixed(4);
    s.x.decisions.push(`cache:${st.result}:${sim}`);
    st.writable = false;
    const tokens = entry.promptTokens + entry.completionTokens;
    const pricing = s.route.policy.access?.pricing;
    const price = pricing && pricing.size > 0 ? priceFor(pricing, entry.model) : undefined;
    const cost = price && costMicros(price.price, entry.promptTokens, 0, entry.completionTokens) / 1e6;
    this.deps.observer?.cacheSaved(route, tokens, cost);
    return {
      answer: {
        status: 200,
        body: hit.body,
        headers: [
          ['content-type', hit.contentType],
          ['x-ai-cache', st.result],
          ['x-ai-cache-similarity', sim],
          ...(s.x.streaming ? ([['cache-control', 'no-cache']] as const) : []),
        ],
        details: `ai_extproc_cache_${st.result.replace('-', '_')}`,
      },
    };
  }

  responseHeaders(s: ExchangeScope): ReadonlyArray<readonly [string, string]> | undefined {
    return this.state(s) ? [['x-ai-cache', 'miss']] : undefined;
  }

  failed(route: string, failure: CacheFailure, err: unknown, s: ExchangeScope): void {
    this.deps.observer?.cacheFailure(route, failure);
    s.x.decisions.push(`cache:${failure}`);
    const now = Date.now();
    if (now - this.lastWarning < 1000) return;
    this.lastWarning = now;
    this.deps.log.warn(
      {
        route,
        failure,
        requestId: s.x.requestId,
        err: err instanceof Timeout ? 'timeout' : err instanceof Error ? err.message : String(err),
      },
      'cache lookup failed open (a miss)',
    );
  }
}

/** The write half: placed after the response guards, it stores what the client received. */
export class CacheStoreStage implements Stage {
  readonly name = 'cache-store';

  constructor(private readonly lookup: CacheLookupStage) {}

  needs(route: RouteView): StageNeeds | undefined {
    // rewrite: the stage must see the stream's events (they pass unchanged).
    return route.policy.cache ? STORE : undefined;
  }

  onResponseEvents(s: ResponseScope, events: readonly StreamEvent[]): readonly StreamEvent[] {
    const st = this.lookup.state(s);
    if (st?.writable && st.recorder && s.x.status === 200) st.recorder.push(events);
    return events;
  }

  onResponseEnd(s: ResponseScope, end: ResponseEnd): Verdict {
    const st = this.lookup.state(s);
    if (!st?.writable || !st.keys || !st.store || s.x.status !== 200) return;
    st.writable = false;
    const route = s.route.name ?? '';
    let answer: Answer | undefined;
    if (end.kind === 'stream') answer = st.recorder?.answer();
    else if (end.kind === 'completion' && end.completion && !end.chunks)
      answer = s.x.family === 'anthropic' ? anthropicAnswer(end.completion) : openaiAnswer(end.completion);
    const stored = answer && toEntry(answer, st.policy.cacheToolCalls);
    const entry =
      stored && st.keys.text !== undefined ? { ...stored, numbers: numbersOf(st.keys.text) } : stored;
    if (!entry) return void this.lookup.deps.observer?.cacheWrite(route, 'skipped');
    const { partition, exact, text } = st.keys;
    const { policy, store } = st;
    const sem = policy.semantic;
    // The lookup's vector; when the lookup had none (the embedder was loading or slow), the
    // write embeds it, off the client's path.
    const embedder = sem && !st.vector && text !== undefined ? this.lookup.deps.embedder(sem) : undefined;
    const vector = async (): Promise<Float32Array | undefined> =>
      !sem ? undefined : (st.vector ?? (await embedder?.embed(text!, AbortSignal.timeout(10_000))));
    // The client does not wait for the write; a failing store is counted and logged.
    void vector()
      .catch(() => undefined) // no vector: the entry is still an L1 entry
      .then((v) =>
        bounded(store.put(partition, exact, v, entry, policy.ttlMs, policy.maxEntries), policy.timeoutMs),
      )
      .then(
        () => this.lookup.deps.observer?.cacheWrite(route, 'stored'),
        (err: unknown) => {
          this.lookup.deps.observer?.cacheWrite(route, 'failed');
          this.lookup.failed(route, err instanceof Timeout ? 'store_timeout' : 'store_error', err, s);
        },
      );
  }
}

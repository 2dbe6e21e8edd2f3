/**
 * Standalone mode: the route comes from the YAML config (the live snapshot when the request
 * started; a reload never changes a request in flight); bodies are translated (TranslatingCodec);
 * local replies are JSON errors in the client's API format; metadata goes to ai_extproc.
 */
import type { CompiledRoute, ModelListing, RuntimeConfig } from '../../config/standalone/index.js';
import { listModels, toRoutePolicy } from '../../config/standalone/index.js';
import type { RoutePolicy } from '../../config/route-policy.js';
import type { ResponseFacts } from '../../providers/usage.js';
import { clientAdapter, clientApiForPath } from '../../providers/translate/registry.js';
import { modelList, modelObject } from '../../providers/translate/model-list.js';
import type { ClientAdapter } from '../../providers/translate/types.js';
import { STANDALONE_NS, TranslatingCodec } from '../codecs/translating.js';
import { INTERNAL_REQUEST_HEADERS, PICKER_REQUEST_HEADERS } from '../../config/internal-headers.js';
import { EmbeddingsCodec, isEmbeddingsPath } from '../codecs/embeddings.js';
import type { TranslatingDeps } from '../codecs/translating.js';
import { CountTokensCodec, isCountTokensPath } from '../codecs/count-tokens.js';
import {
  geminiCall,
  geminiClientFor,
  geminiQueryKey,
  withoutQueryKey,
} from '../../providers/gemini-client/index.js';
import type { FactsSeed, Mode, Opened } from '../exchange.js';
import { errorTypeForStatus } from '../../providers/translate/errors.js';
import type { Refusal } from '../reply.js';
import type { Route } from '../route.js';
import type { ExchangeFacts, Stage, StagePlan } from '../stage.js';
import { planStages } from '../stage-runner.js';
import type { DynamicMetadata, HeaderView, LocalReply } from '../types.js';

export interface StandaloneModeDeps extends TranslatingDeps {
  /** The live config snapshot (hot reload swaps it). */
  readonly config: () => RuntimeConfig;
  readonly stages: readonly Stage[];
}

/** A refusal as a JSON error in the client's API format. */
export function renderJson(client: ClientAdapter, r: Refusal): LocalReply {
  const body = client.error({
    status: r.status,
    message: r.message,
    type: r.type ?? errorTypeForStatus(r.status),
  });
  return {
    status: r.status,
    body: JSON.stringify(body),
    headers: [['content-type', 'application/json'], ...(r.headers ?? [])],
    details: r.code,
  };
}

function finalMetadata(x: ExchangeFacts, facts: ResponseFacts): DynamicMetadata {
  const prompt = facts.usage?.promptTokens ?? 0;
  const completion = facts.usage?.completionTokens ?? 0;
  return {
    [STANDALONE_NS]: {
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
      // An apply_on_stream_done rate limit charges this on top of the request-time estimate.
      rate_limit_correction: Math.max(0, prompt + completion - x.estimate),
      model: x.model,
      provider: x.provider,
      provider_model: facts.responseModel ?? '',
      backend: x.backend ?? '',
      streaming: x.responseStreaming,
      // Failover inside the request: the target that served, after how many attempts.
      ...(x.failover ? { failover_target: x.failover.target, failover_attempts: x.failover.attempts } : {}),
    },
  };
}

interface CompiledParts {
  readonly policy: RoutePolicy;
  /** Keyed by stage list (the full one, embeddings', count_tokens'): at most three entries. */
  readonly plans: Map<readonly Stage[], StagePlan>;
}

const COUNT_TOKENS_STAGES: ReadonlySet<string> = new Set(['client-identity', 'prompt-estimate', 'record']);

export class StandaloneMode implements Mode {
  /**
   * Per compiled route, kept across reloads while the route object lives: its RoutePolicy, and the
   * plan of each stage list (which stages have work on it), compiled on its first request.
   */
  private readonly compiled = new WeakMap<CompiledRoute, CompiledParts>();
  /** count_tokens counts, it does not generate: identity, the estimate and the summary line only. */
  private readonly countStages: readonly Stage[];

  /** Embeddings routes skip the response guards: a vector has no text to guard. */
  private readonly embeddingStages: readonly Stage[];

  constructor(private readonly deps: StandaloneModeDeps) {
    this.embeddingStages = deps.stages.filter((s) => s.name !== 'response-guards');
    this.countStages = deps.stages.filter((s) => COUNT_TOKENS_STAGES.has(s.name));
  }

  private parts(route: CompiledRoute): CompiledParts {
    let p = this.compiled.get(route);
    if (!p) {
      p = { policy: toRoutePolicy(route), plans: new Map() };
      this.compiled.set(route, p);
    }
    return p;
  }

  private plan(route: CompiledRoute, parts: CompiledParts, stages: readonly Stage[]): StagePlan {
    let plan = parts.plans.get(stages);
    if (!plan) {
      plan = planStages({ name: route.name, policy: parts.policy }, stages);
      parts.plans.set(stages, plan);
    }
    return plan;
  }

  open(_info: unknown, headers: HeaderView, eos: boolean, seed: FactsSeed): Opened {
    const config = this.deps.config();
    if (eos) {
      const listing = listModels(config, headers);
      if (listing) return { kind: 'reply', reply: modelsReply(listing) };
    }
    const compiled = config.matchRoute(headers);
    // No route: not LLM traffic for this gateway; Envoy's catch-all answers it.
    if (!compiled) {
      // A client never steers Envoy: its copies of our internal headers go (the generated Envoy
      // config has removed them already; a hand-written one may not have).
      const forged = [...INTERNAL_REQUEST_HEADERS, ...PICKER_REQUEST_HEADERS].filter((h) => headers.has(h));
      return forged.length > 0 ? { kind: 'pass', headers: { remove: forged } } : { kind: 'pass' };
    }
    const path = headers.get(':path') ?? '';
    const embeddings = isEmbeddingsPath(path);
    const api = clientApiForPath(path);
    const gemini = api === 'gemini' ? geminiCall(path) : undefined;
    const client = gemini ? geminiClientFor(gemini) : clientAdapter(api);
    const render = (r: Refusal): LocalReply => renderJson(client, r);
    const parts = this.parts(compiled);
    const policy = parts.policy;
    seed.family = 'openai'; // the canonical form, whatever the client and the provider speak
    seed.provider = policy.provider;
    const counting = gemini ? gemini.method === 'countTokens' : isCountTokensPath(path);
    const stages = counting ? this.countStages : embeddings ? this.embeddingStages : this.deps.stages;
    const route: Route = {
      name: compiled.name,
      policy,
      stages,
      plan: this.plan(compiled, parts, stages),
      codec: counting
        ? new CountTokensCodec(compiled, gemini)
        : embeddings
          ? new EmbeddingsCodec(compiled, this.deps)
          : new TranslatingCodec(compiled, api, client, this.deps),
      render,
      finalMetadata,
      ...(embeddings ? { operation: 'embeddings' } : {}),
    };
    // Gemini's `?key=` is a credential: the stages see it as x-goog-api-key, and the path they log
    // (and any path sent upstream, always the codec's own) no longer carries it.
    const view = gemini ? geminiView(headers, path) : undefined;
    const opened = view ? { kind: 'route' as const, route, view } : { kind: 'route' as const, route };
    if (eos)
      return {
        ...opened,
        refuse: { status: 400, message: 'A JSON request body is required', code: 'ai_extproc_no_body' },
      };
    return opened;
  }
}

/** The headers the stages see for a Gemini call whose path carries `?key=` (else undefined). */
function geminiView(headers: HeaderView, path: string): HeaderView | undefined {
  const key = geminiQueryKey(path);
  const clean = withoutQueryKey(path);
  if (key === undefined && clean === path) return undefined;
  const view = new Map(headers);
  view.set(':path', clean);
  if (key !== undefined && !headers.has('x-goog-api-key')) view.set('x-goog-api-key', key);
  return view;
}

/** GET …/models: the config's model names in the client API's list format. */
function modelsReply(listing: ModelListing): LocalReply {
  const client = clientAdapter(listing.api);
  const entries = listing.models.map((m) => ({ id: m.id, ownedBy: m.provider }));
  const headers: [string, string][] = [['content-type', 'application/json']];
  if (listing.id === undefined)
    return {
      status: 200,
      body: JSON.stringify(modelList(listing.api, entries)),
      headers,
      details: 'ai_extproc_models',
    };
  const one = entries.find((m) => m.id === listing.id);
  if (!one)
    return renderJson(client, {
      status: 404,
      message: `unknown model ${JSON.stringify(listing.id)}`,
      code: 'ai_extproc_models',
      type: 'not_found_error',
    });
  return {
    status: 200,
    body: JSON.stringify(modelObject(listing.api, one)),
    headers,
    details: 'ai_extproc_models',
  };
}

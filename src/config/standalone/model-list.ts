/**
 * GET /v1/models (and /v1/models/{id}) answered from the config, as OpenAI-compatible clients and
 * tools expect. Which routes are listed:
 *  1. a route whose own match covers the request (e.g. `pathPrefix: /openai` serves
 *     GET /openai/models, the path an SDK with baseURL http://gateway/openai calls);
 *  2. otherwise every route under the listing's base path (GET /v1/models lists the routes on
 *     /v1/chat/completions and /v1/messages) whose authority and header conditions match.
 * Only routes that speak the client's API are listed (Anthropic clients send anthropic-version).
 * Names: a route's model aliases ('*' stands for any name and is not listed) and, for a
 * single-backend route, its backend's defaultModel.
 */
import type { ProviderKind } from '../../providers/translate/types.js';
import type { CompiledRoute, RuntimeConfig } from './types.js';

export type ListingApi = 'openai' | 'anthropic';

export interface ListedModel {
  readonly id: string;
  readonly provider: ProviderKind;
}

export interface ModelListing {
  readonly api: ListingApi;
  readonly models: readonly ListedModel[];
  /** GET …/models/{id}: the id asked for (decoded). */
  readonly id: string | undefined;
}

const LISTING = /^(.*)\/models(?:\/([^/]+))?\/?$/;

const routeApi = (r: CompiledRoute): ListingApi =>
  /\/messages\/?$/.test(r.match.pathPrefix) ? 'anthropic' : 'openai';

function modelsOf(route: CompiledRoute, config: RuntimeConfig): ListedModel[] {
  if (route.backend !== undefined) {
    const m = route.backend.defaultModel;
    return m === undefined ? [] : [{ id: m, provider: route.backend.provider }];
  }
  const out: ListedModel[] = [];
  for (const [alias, entry] of Object.entries(route.models ?? {})) {
    const backend = config.backend(entry.backend);
    if (alias !== '*' && backend !== undefined) out.push({ id: alias, provider: backend.provider });
  }
  return out;
}

function decode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** The listing a bodyless GET asks for, or undefined when it is not a model listing we serve. */
export function listModels(
  config: RuntimeConfig,
  headers: ReadonlyMap<string, string>,
): ModelListing | undefined {
  if (headers.get(':method') !== 'GET') return undefined;
  const path = (headers.get(':path') ?? '').split('?')[0] ?? '';
  const m = LISTING.exec(path);
  if (!m) return undefined;
  const base = m[1] ?? '';
  const id = m[2] === undefined ? undefined : decode(m[2]);
  if (m[2] !== undefined && id === undefined) return undefined;
  const api: ListingApi = headers.has('anthropic-version') ? 'anthropic' : 'openai';
  const direct = config.matchRoute(headers);
  let routes: CompiledRoute[];
  if (direct !== undefined) routes = [direct];
  else {
    routes = config.routes.filter((r) => {
      if (!r.match.pathPrefix.startsWith(`${base}/`) || routeApi(r) !== api) return false;
      // The route's other conditions (authority, headers) must hold too: test it at its own path.
      return r.matches(new Map([...headers, [':path', r.match.pathPrefix]]));
    });
    if (routes.length === 0) return undefined;
  }
  const seen = new Set<string>();
  const models: ListedModel[] = [];
  for (const r of routes)
    for (const model of modelsOf(r, config))
      if (!seen.has(model.id)) {
        seen.add(model.id);
        models.push(model);
      }
  return { api, models, id };
}

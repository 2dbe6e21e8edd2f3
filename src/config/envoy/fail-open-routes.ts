/**
 * FailOpen pools while ai-extproc itself is down. A route whose backend is a FailOpen pool and that
 * needs nothing from our filter that must fail closed (no guards, no client identity or budgets, no
 * model aliases, no prompt enrichment or field defaults, no upstream credentials, no authority
 * condition) gets a static Envoy route entry, matched by the route's own conditions, that goes
 * straight to the pool's override_host cluster, with our ext_proc filter's `failure_mode_allow`
 * overridden to true for it alone (ExtProcPerRoute.overrides, Envoy 1.40). Our server up: it routes
 * the request as always (the backend header re-selects the header route, same cluster), picks and
 * records. Our server down: Envoy goes on without it and the cluster's round-robin fallback lands
 * the request on a pool server, as the client sent it.
 *
 * Every other route (and every MCP route, matched first by our server) gets a shadow entry in file
 * order before them that answers 503, so a request our server would give to an earlier, guarded
 * route can never slip into a later fail-open entry. With the server up the shadow is never used:
 * the server's backend header re-selects the route.
 */
import type { CompiledRoute, HeaderCondition, RouteMatch, RuntimeConfig } from '../standalone/types.js';

type Obj = Record<string, unknown>;

/** Why a FailOpen pool route cannot fail open while our server is down (empty: it can). */
export function failOpenBlockers(route: CompiledRoute): string[] {
  const out: string[] = [];
  const g = route.policy.guards;
  if (g.request !== undefined || g.response !== undefined) out.push('guards');
  if (route.access !== undefined) out.push('client identity or budgets');
  if (route.models !== undefined) out.push('model aliases');
  if (route.policy.promptEnrichment !== undefined || route.policy.defaults.length > 0)
    out.push('prompt enrichment or field defaults');
  if (route.backend?.auth.kind !== 'none') out.push('upstream credentials (auth other than none)');
  if (route.match.authority !== undefined) out.push('an authority condition');
  return out;
}

const isFailOpenPool = (route: CompiledRoute): boolean => route.backend?.pool?.failureMode === 'FailOpen';

/** The routes that fail open while our server is down. */
export function staticFailOpenRoutes(config: RuntimeConfig): CompiledRoute[] {
  return config.routes.filter((r) => isFailOpenPool(r) && failOpenBlockers(r).length === 0);
}

/** One warning per FailOpen pool route that stays fail-closed while our server is down. */
export function failOpenWarnings(config: RuntimeConfig): { route: string; reasons: string[] }[] {
  return config.routes
    .filter(isFailOpenPool)
    .map((r) => ({ route: r.name, reasons: failOpenBlockers(r) }))
    .filter((w) => w.reasons.length > 0);
}

function headerMatcher(h: HeaderCondition): Obj {
  if (h.value !== undefined) return { name: h.name, string_match: { exact: h.value } };
  if (h.regex !== undefined) return { name: h.name, string_match: { safe_regex: { regex: h.regex } } };
  return { name: h.name, present_match: true };
}

/**
 * Envoy's match for our conditions: a path prefix on segment boundaries, as match.ts does. The
 * authority is left out (a fail-open route has none; a shadow that matches more is only safer).
 */
export function envoyMatch(m: RouteMatch): Obj {
  const path = m.pathPrefix.endsWith('/') ? { prefix: m.pathPrefix } : { path_separated_prefix: m.pathPrefix };
  return { ...path, headers: m.headers.map(headerMatcher) };
}

const shadow = (m: RouteMatch): Obj => ({
  match: envoyMatch(m),
  direct_response: { status: 503, body: { inline_string: 'ai-extproc is unavailable\n' } },
});

/**
 * The entries after the backend-header routes: shadows in our server's order (MCP routes, then
 * AI routes up to the last fail-open one) and the fail-open entries themselves. `filterName` is
 * our ext_proc filter's name; `poolEntry` builds the route action and entry extras of a pool.
 */
export function failOpenEntries(
  config: RuntimeConfig,
  filterName: string,
  poolEntry: (route: CompiledRoute) => Obj,
): Obj[] {
  const open = new Set(staticFailOpenRoutes(config));
  if (open.size === 0) return [];
  const out: Obj[] = config.mcpRoutes.map((r) => shadow(r.match));
  const last = Math.max(...config.routes.map((r, i) => (open.has(r) ? i : -1)));
  for (const r of config.routes.slice(0, last + 1)) {
    if (!open.has(r)) {
      out.push(shadow(r.match));
      continue;
    }
    out.push({
      match: envoyMatch(r.match),
      ...poolEntry(r),
      typed_per_filter_config: {
        [filterName]: {
          '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute',
          overrides: { failure_mode_allow: true },
        },
      },
    });
  }
  return out;
}

/** mcp: → MCP backends and routes (matchers, compiled rules, guards). */
import { asString as optStr, isObj } from '../../json.js';
import type { JsonObject } from '../../json.js';
import type { McpRuleSpec, NamePattern, NameRuleSpec } from '../../mcp/rules.js';
import type { ClientDirectory } from '../client-identity.js';
import { McpPolicy } from '../../mcp/policy.js';
import type { ClientRuleSpec } from '../../mcp/policy.js';
import { McpRuleError } from '../../mcp/rules.js';
import { parseBaseUrl } from './backends.js';
import type { LoadContext } from './context.js';
import { compileGuards } from './guards.js';
import type { PathSegment } from './issues.js';
import { compileMatch } from './routes.js';
import type { McpBackend, McpRoute } from './types.js';

/** A POST body is one JSON-RPC message: 4 MiB is plenty (Envoy AI Gateway's MCP proxy uses the same). */
export const DEFAULT_MCP_MAX_BODY_BYTES = 4 * 1024 * 1024;
/** MCP clusters get their own names, apart from the AI backends' clusters. */
export const mcpCluster = (name: string): string => `mcp.${name}`;

export interface CompiledMcp {
  readonly backends: readonly McpBackend[];
  readonly routes: readonly McpRoute[];
  /** Every route and backend compiled. */
  readonly complete: boolean;
}

function patterns(v: unknown): NamePattern[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.flatMap((p): NamePattern[] =>
    typeof p === 'string' ? [p] : isObj(p) && typeof p.regex === 'string' ? [{ regex: p.regex }] : [],
  );
}

function nameRule(v: unknown): NameRuleSpec | undefined {
  if (!isObj(v)) return undefined;
  const allow = patterns(v.allow);
  const deny = patterns(v.deny);
  return { ...(allow ? { allow } : {}), ...(deny ? { deny } : {}) };
}

/** The YAML rules block as the engine's plain-data spec. */
export function ruleSpec(raw: unknown): McpRuleSpec {
  const r: JsonObject = isObj(raw) ? raw : {};
  const methods = Array.isArray(r.methods)
    ? r.methods.filter((m): m is string => typeof m === 'string')
    : undefined;
  const tools = nameRule(r.tools);
  const prompts = nameRule(r.prompts);
  const resources = nameRule(r.resources);
  return {
    ...(methods ? { methods } : {}),
    ...(tools ? { tools } : {}),
    ...(prompts ? { prompts } : {}),
    ...(resources ? { resources } : {}),
  };
}

/** The YAML clientRules list as the engine's spec. */
export function clientRuleSpecs(raw: unknown): ClientRuleSpec[] {
  if (!Array.isArray(raw)) return [];
  return raw.filter(isObj).map((e) => ({
    ...ruleSpec(e),
    clients: Array.isArray(e.clients) ? e.clients.filter((c): c is string => typeof c === 'string') : [],
  }));
}

/** Compiles rules plus clientRules, reporting a bad pattern at `at`; undefined when one is bad. */
export function compilePolicy(
  rules: unknown,
  clientRules: unknown,
  at: readonly (string | number)[],
  ctx: LoadContext,
): McpPolicy | undefined {
  try {
    return new McpPolicy({ ...ruleSpec(rules), clientRules: clientRuleSpecs(clientRules) });
  } catch (err) {
    if (!(err instanceof McpRuleError)) throw err;
    const where = err.at[0] === 'clientRules' ? [...at.slice(0, -1), ...err.at] : [...at, ...err.at];
    ctx.issues.add(where, err.message);
    return undefined;
  }
}

function compileRoute(
  raw: unknown,
  index: number,
  backends: ReadonlyMap<string, McpBackend>,
  declared: ReadonlySet<string>,
  clients: ClientDirectory | undefined,
  ctx: LoadContext,
): McpRoute | undefined {
  const at: PathSegment[] = ['mcp', 'routes', index];
  if (!isObj(raw)) return undefined;
  const name = optStr(raw.name);
  const match = compileMatch(raw.match, [...at, 'match'], ctx);
  const backendName = optStr(raw.backend);
  const backend = backendName === undefined ? undefined : backends.get(backendName);
  if (backendName !== undefined && !declared.has(backendName))
    ctx.issues.add(
      [...at, 'backend'],
      `unknown MCP backend ${JSON.stringify(backendName)}; defined MCP backends: ${[...declared].join(', ') || 'none'}`,
    );
  const rules = compilePolicy(raw.rules, raw.clientRules, [...at, 'rules'], ctx);
  const guards = compileGuards(raw.guards, [...at, 'guards'], ctx);
  if (name === undefined || match === undefined || backend === undefined || rules === undefined) {
    rules?.release();
    return undefined;
  }
  const test = match.test;
  return Object.freeze({
    name,
    index,
    match: Object.freeze({
      ...match.match,
      headers: Object.freeze(match.match.headers.map((h) => Object.freeze(h))),
    }),
    backend,
    rules,
    clients,
    guards,
    maxBodyBytes: typeof raw.maxBodyBytes === 'number' ? raw.maxBodyBytes : DEFAULT_MCP_MAX_BODY_BYTES,
    denyStatus: raw.denyStatus === 400 || raw.denyStatus === 403 ? raw.denyStatus : undefined,
    matches: (headers: ReadonlyMap<string, string>) => test(headers),
  });
}

/** Compiles the mcp: section; `aiClusters` are the AI backends' cluster names (they must not clash). */
export function compileMcp(
  raw: unknown,
  aiClusters: ReadonlySet<string>,
  ctx: LoadContext,
  clients?: ClientDirectory,
): CompiledMcp {
  if (!isObj(raw)) return { backends: [], routes: [], complete: raw === undefined };
  const rawBackends = isObj(raw.backends) ? raw.backends : {};
  const backends = new Map<string, McpBackend>();
  for (const [name, b] of Object.entries(rawBackends)) {
    if (!isObj(b) || typeof b.baseUrl !== 'string') continue;
    const url = parseBaseUrl(b.baseUrl);
    if (typeof url === 'string') {
      ctx.issues.add(['mcp', 'backends', name, 'baseUrl'], url);
      continue;
    }
    const cluster = mcpCluster(name);
    if (aiClusters.has(cluster)) {
      ctx.issues.add(
        ['mcp', 'backends', name],
        `its Envoy cluster ${cluster} is also an AI backend's cluster`,
      );
      continue;
    }
    backends.set(name, Object.freeze({ name, cluster, baseUrl: url }));
  }
  const rawRoutes = Array.isArray(raw.routes) ? (raw.routes as unknown[]) : [];
  const seen = new Map<string, number>();
  rawRoutes.forEach((r, i) => {
    if (!isObj(r) || typeof r.name !== 'string') return;
    const prev = seen.get(r.name);
    if (prev === undefined) seen.set(r.name, i);
    else
      ctx.issues.add(
        ['mcp', 'routes', i, 'name'],
        `duplicate MCP route name ${JSON.stringify(r.name)} (first used by mcp.routes[${prev}])`,
      );
  });
  const declared = new Set(Object.keys(rawBackends));
  const routes = rawRoutes.map((r, i) => compileRoute(r, i, backends, declared, clients, ctx));
  const done = routes.filter((r): r is McpRoute => r !== undefined);
  return {
    backends: [...backends.values()],
    routes: done,
    complete: done.length === rawRoutes.length && backends.size === declared.size,
  };
}

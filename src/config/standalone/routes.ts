/** routes[i] → CompiledRoute: matchers, model resolution, policy. */
import type { LoadContext } from './context.js';
import { asString as optStr, isObj } from '../../json.js';
import type { PathSegment } from './issues.js';
import { authorityMatcher, fullMatcher, pathOnly, prefixMatcher } from './match.js';
import { compilePolicy } from './policy.js';
import { compileFailover } from './failover.js';
import type {
  CompiledBackend,
  CompiledRoute,
  HeaderCondition,
  ModelAlias,
  ModelResolution,
  RouteMatch,
} from './types.js';

export interface BackendTable {
  /** Every name under backends:, compiled or not. */
  readonly declared: ReadonlySet<string>;
  readonly compiled: ReadonlyMap<string, CompiledBackend>;
}

type HeaderTest = { readonly name: string; readonly test: (v: string) => boolean };

const quote = (s: string): string => JSON.stringify(s.length > 100 ? `${s.slice(0, 100)}…` : s);

function checkBackend(name: unknown, at: readonly PathSegment[], t: BackendTable, ctx: LoadContext): boolean {
  if (typeof name !== 'string' || name === '') return false;
  if (t.declared.has(name)) return true;
  ctx.issues.add(
    at,
    `unknown backend ${quote(name)}; defined backends: ${[...t.declared].join(', ') || 'none'}`,
  );
  return false;
}

export function compileMatch(
  raw: unknown,
  at: readonly PathSegment[],
  ctx: LoadContext,
): { match: RouteMatch; test: (h: ReadonlyMap<string, string>) => boolean } | undefined {
  const m = isObj(raw) ? raw : {};
  const pathPrefix = optStr(m.pathPrefix) ?? '/';
  const authority = optStr(m.authority);
  const conditions: HeaderCondition[] = [];
  const tests: HeaderTest[] = [];
  let ok = true;
  (Array.isArray(m.headers) ? m.headers : []).forEach((h, j) => {
    if (!isObj(h) || typeof h.name !== 'string') return;
    const name = h.name.toLowerCase();
    if (typeof h.value === 'string' && h.regex === undefined) {
      const value = h.value;
      conditions.push({ name, value });
      tests.push({ name, test: (v) => v === value });
    } else if (typeof h.regex === 'string' && h.value === undefined) {
      const matcher = fullMatcher(h.regex);
      if (typeof matcher === 'string') {
        ctx.issues.add([...at, 'headers', j, 'regex'], matcher);
        ok = false;
      } else {
        conditions.push({ name, regex: h.regex });
        tests.push({ name, test: matcher });
      }
    }
  });
  if (!ok) return undefined;
  const prefix = prefixMatcher(pathPrefix);
  const host = authority === undefined ? undefined : authorityMatcher(authority);
  const test = (headers: ReadonlyMap<string, string>): boolean => {
    if (!prefix(pathOnly(headers.get(':path') ?? '/'))) return false;
    if (host !== undefined && !host(headers.get(':authority') ?? headers.get('host') ?? '')) return false;
    for (const t of tests) {
      const v = headers.get(t.name);
      if (v === undefined || !t.test(v)) return false;
    }
    return true;
  };
  return { match: { pathPrefix, authority, headers: conditions }, test };
}

function singleResolver(backend: CompiledBackend): (model: string | undefined) => ModelResolution {
  return (model) => {
    const m = model ?? backend.defaultModel;
    return m === undefined
      ? { error: `the request names no model, and backend ${backend.name} has no defaultModel` }
      : { backend, model: m };
  };
}

function aliasResolver(
  table: ReadonlyMap<string, ModelAlias>,
  backends: ReadonlyMap<string, CompiledBackend>,
): (model: string | undefined) => ModelResolution {
  const names = [...table.keys()].filter((k) => k !== '*');
  const wildcard = table.get('*');
  const listing =
    names.length > 0 ? `this route serves: ${names.join(', ')}` : 'this route serves any model name';
  return (model) => {
    const alias = (model === undefined ? undefined : table.get(model)) ?? wildcard;
    const backend = alias === undefined ? undefined : backends.get(alias.backend);
    // No model in the request: the wildcard's model, else its backend's defaultModel.
    const target = alias?.model ?? model ?? backend?.defaultModel;
    if (alias === undefined || backend === undefined)
      return {
        error:
          model === undefined
            ? `the request names no model; ${listing}`
            : `unknown model ${quote(model)}; ${listing}`,
      };
    if (target === undefined) return { error: `the request names no model; ${listing}` };
    return alias.failover ? { backend, model: target, failover: alias.failover } : { backend, model: target };
  };
}

export function compileRoute(
  raw: unknown,
  index: number,
  t: BackendTable,
  ctx: LoadContext,
): CompiledRoute | undefined {
  const at: PathSegment[] = ['routes', index];
  if (!isObj(raw)) return undefined;
  const match = compileMatch(raw.match, [...at, 'match'], ctx);
  const policy = compilePolicy(raw.policy, [...at, 'policy'], ctx);
  const name = optStr(raw.name);

  let resolve: ((model: string | undefined) => ModelResolution) | undefined;
  let single: CompiledBackend | undefined;
  let models: Record<string, ModelAlias> | undefined;
  if (raw.backend !== undefined && raw.models === undefined) {
    if (checkBackend(raw.backend, [...at, 'backend'], t, ctx)) {
      single = t.compiled.get(raw.backend as string);
      if (single !== undefined) resolve = singleResolver(single);
    }
  } else if (isObj(raw.models) && raw.backend === undefined) {
    const table = new Map<string, ModelAlias>();
    let ok = true;
    for (const [alias, entry] of Object.entries(raw.models)) {
      if (isObj(entry) && entry.targets !== undefined && entry.backend === undefined) {
        const where = [...at, 'models', alias];
        const failover = compileFailover(
          entry,
          `${optStr(raw.name) ?? index}/${alias}`,
          where,
          t.compiled,
          t.declared,
          ctx,
        );
        const first = failover?.targets[0];
        if (failover === undefined || first === undefined) ok = false;
        else table.set(alias, Object.freeze({ backend: first.backend.name, model: first.model, failover }));
        continue;
      }
      if (!isObj(entry) || !checkBackend(entry.backend, [...at, 'models', alias, 'backend'], t, ctx)) {
        ok = false;
        continue;
      }
      table.set(alias, Object.freeze({ backend: entry.backend as string, model: optStr(entry.model) }));
      if (!t.compiled.has(entry.backend as string)) ok = false;
    }
    if (ok) {
      models = Object.freeze(Object.fromEntries(table));
      resolve = aliasResolver(table, t.compiled);
    }
  }
  if (name === undefined || match === undefined || resolve === undefined) return undefined;
  const resolveModel = resolve;
  const test = match.test;
  return Object.freeze({
    name,
    index,
    match: Object.freeze({
      ...match.match,
      headers: Object.freeze(match.match.headers.map((h) => Object.freeze(h))),
    }),
    backend: single,
    models,
    policy,
    matches: (headers: ReadonlyMap<string, string>) => test(headers),
    resolveModel: (requestModel: string | undefined) =>
      resolveModel(requestModel === '' ? undefined : requestModel),
  });
}

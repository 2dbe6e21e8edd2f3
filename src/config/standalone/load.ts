/**
 * loadStandaloneConfig: read → YAML → JSON Schema → semantic checks → frozen RuntimeConfig, or every
 * problem found, each with its path and position. Problems never quote secret values.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Document } from 'yaml';
import { LineCounter, parseDocument } from 'yaml';
import { compileAccess, routeAccess } from './access.js';
import { compileBackend } from './backends.js';
import type { LoadContext } from './context.js';
import { isObj } from '../../json.js';
import type { ConfigIssue, RawIssue } from './issues.js';
import { IssueCollector, formatPath, isPrefix } from './issues.js';
import { locate, pathAt } from './locate.js';
import { prefixMatcher } from './match.js';
import type { BackendTable } from './routes.js';
import { compileRoute } from './routes.js';
import { buildRuntimeConfig } from './runtime.js';
import { sourceHash } from './source-hash.js';
import { compileTracing } from './tracing.js';
import { compileMcp } from './mcp.js';
import { compileMcpGateway } from './mcp-gateway.js';
import type { CompiledBackend, CompiledRoute, LoadResult, RuntimeConfig } from './types.js';
import { schemaIssues } from './validate-schema.js';

export type { ConfigIssue } from './issues.js';
export type { LoadResult } from './types.js';

export interface LoadTextOptions {
  readonly env: NodeJS.ProcessEnv;
  /** Absolute path of the file: RuntimeConfig.path, and relative secret files resolve against its
   * directory (the working directory without it). */
  readonly path?: string;
  /**
   * placeholder: check the secret references but read none (generating Envoy's config needs no
   * provider keys); every secret then holds a fixed placeholder. Default: resolve.
   */
  readonly secrets?: 'resolve' | 'placeholder';
}

const YAML_MESSAGES: Readonly<Record<string, string>> = {
  DUPLICATE_KEY: 'duplicate key',
  MULTIPLE_DOCS: 'the file holds more than one YAML document',
};

export function loadStandaloneConfig(
  file: string,
  env: NodeJS.ProcessEnv,
  opts: Pick<LoadTextOptions, 'secrets'> = {},
): LoadResult {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return { ok: false, errors: [{ path: '', message: `cannot read config file ${abs}: ${code}` }] };
  }
  return loadStandaloneConfigText(text, { ...opts, env, path: abs });
}

export function loadStandaloneConfigText(text: string, opts: LoadTextOptions): LoadResult {
  const lc = new LineCounter();
  // Merge keys (<<: *anchor) let a file share blocks between backends or routes.
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true, merge: true });
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) {
    return fail(
      problems.map((e) => {
        const p = lc.linePos(e.pos[0]);
        // After a syntax error the tree is a guess: only a duplicate key or a warning gets a path.
        const trusted = e.code === 'DUPLICATE_KEY' || e.name === 'YAMLWarning';
        return {
          path: trusted ? formatPath(pathAt(doc, e.pos[0])) : '',
          message: YAML_MESSAGES[e.code] ?? e.message,
          line: p.line,
          column: p.col,
        };
      }),
    );
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return fail([{ path: '', message: err instanceof Error ? err.message : String(err) }]);
  }
  if (data === null || data === undefined) return fail([{ path: '', message: 'the file is empty' }]);

  const fromSchema = schemaIssues(data);
  const ctx: LoadContext = {
    env: opts.env,
    baseDir: opts.path === undefined ? process.cwd() : path.dirname(opts.path),
    issues: new IssueCollector(),
    secretFiles: new Map(),
    secrets: opts.secrets ?? 'resolve',
  };
  const config = compile(data, ctx, text, opts.path ?? '');
  // A semantic issue at or above a schema issue restates it (the guard parsers, a broken match…).
  const semantic = ctx.issues.issues.filter((s) => !fromSchema.some((f) => isPrefix(s.segments, f.segments)));
  const all = [...fromSchema, ...semantic];
  if (all.length > 0 || config === undefined) {
    if (all.length === 0) all.push({ segments: [], message: 'invalid configuration' });
    return fail(located(all, doc, lc));
  }
  return { ok: true, config };
}

function fail(errors: ConfigIssue[]): LoadResult {
  return { ok: false, errors: Object.freeze(errors) };
}

function located(issues: readonly RawIssue[], doc: Document, lc: LineCounter): ConfigIssue[] {
  return issues
    .map((i) => {
      const pos = locate(doc, lc, i.segments);
      const issue: ConfigIssue = { path: formatPath(i.segments), message: i.message };
      return pos === undefined ? issue : { ...issue, line: pos.line, column: pos.column };
    })
    .sort(
      (a, b) =>
        (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0) || a.path.localeCompare(b.path),
    );
}

function checkRouteNames(rawRoutes: readonly unknown[], ctx: LoadContext): void {
  const first = new Map<string, number>();
  rawRoutes.forEach((r, i) => {
    if (!isObj(r) || typeof r.name !== 'string') return;
    const prev = first.get(r.name);
    if (prev === undefined) first.set(r.name, i);
    else
      ctx.issues.add(
        ['routes', i, 'name'],
        `duplicate route name ${JSON.stringify(r.name)} (first used by routes[${prev}])`,
      );
  });
}

/** A route after a catch-all for its paths can never match: almost always a mistake in the order. */
function checkReachable(routes: readonly CompiledRoute[], ctx: LoadContext): void {
  routes.forEach((late, i) => {
    const shadow = routes
      .slice(0, i)
      .find(
        (e) =>
          e.match.authority === undefined &&
          e.match.headers.length === 0 &&
          prefixMatcher(e.match.pathPrefix)(late.match.pathPrefix),
      );
    if (shadow !== undefined)
      ctx.issues.add(
        ['routes', late.index],
        `can never match: routes[${shadow.index}] (${shadow.name}) comes first and matches every request under ${shadow.match.pathPrefix}`,
      );
  });
}

function compile(data: unknown, ctx: LoadContext, text: string, file: string): RuntimeConfig | undefined {
  if (!isObj(data)) return undefined;
  const rawBackends = isObj(data.backends) ? data.backends : {};
  const compiled = new Map<string, CompiledBackend>();
  for (const [name, raw] of Object.entries(rawBackends)) {
    const b = compileBackend(name, raw, ctx);
    if (b !== undefined) compiled.set(name, b);
  }
  const table: BackendTable = { declared: new Set(Object.keys(rawBackends)), compiled };
  const rawRoutes = Array.isArray(data.routes) ? (data.routes as unknown[]) : [];
  checkRouteNames(rawRoutes, ctx);
  const access = compileAccess(data, ctx);
  const routes = rawRoutes.map((r, i) => {
    const route = compileRoute(r, i, table, ctx);
    const a = route && routeAccess(route, isObj(r) ? r.policy : undefined, access, compiled, ctx);
    return a ? Object.freeze({ ...route, access: a }) : route;
  });
  const complete = routes.filter((r): r is CompiledRoute => r !== undefined);
  checkReachable(complete, ctx);
  const tracing = data.tracing === undefined ? undefined : compileTracing(data.tracing, ctx);
  const mcpGateway = compileMcpGateway(data, access.clients, ctx);
  const mcp = compileMcp(
    data.mcp,
    new Set([...compiled.values()].map((b) => b.cluster)),
    ctx,
    access.clients,
  );
  if (ctx.issues.count > 0 || complete.length !== rawRoutes.length || !mcp.complete) return undefined;
  if (compiled.size !== table.declared.size || (data.tracing !== undefined && tracing === undefined))
    return undefined;
  return buildRuntimeConfig({
    path: file,
    sourceHash: sourceHash(text, ctx.secretFiles),
    secretFiles: [...ctx.secretFiles.keys()].sort(),
    backends: [...compiled.values()],
    routes: complete,
    tracing,
    mcpBackends: mcp.backends,
    mcpRoutes: mcp.routes,
    stores: access.stores,
    mcpGateway,
    identityHeaders: [access.clients.identityHeader, access.clients.teamHeader].filter(
      (h): h is string => h !== undefined,
    ),
  });
}

/**
 * One MCP server (official v2 SDK, low-level Server) per downstream request that answers from the
 * federated upstreams: lists are asked of every server at once and merged (a server that fails is
 * left out, logged and counted), names shown as FederationNames says, filtered by the caller's MCP
 * rules; a call is checked by the same rules, sent to its server with the prefix removed, and the
 * server's progress and log notifications for it are relayed.
 *
 * Server-to-client requests (sampling, elicitation): the gateway declares neither capability to its
 * upstreams, so a server that asks anyway gets the SDK's method-not-found error.
 */
import {
  INTERNAL_ERROR,
  INVALID_PARAMS,
  LOG_LEVEL_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  ProtocolError,
  Server,
} from '@modelcontextprotocol/server';
import type { ServerContext } from '@modelcontextprotocol/server';
import type { Client, Notification } from '@modelcontextprotocol/client';
import type { McpGatewayConfig } from '../config/standalone/mcp-gateway.js';
import type { JsonObject } from '../json.js';
import { FederationNames } from '../mcp/federation.js';
import type { ListKind, McpIdentity } from '../mcp/index.js';
import type { PhaseSpan } from '../pipeline/tracer.js';
import type { UpstreamPool } from './upstream.js';
import { isRpcError } from './upstream.js';

/** Largest merged list (per kind) the gateway returns: bounds memory per request. */
export const MAX_LIST_ITEMS = 10_000;

export interface GatewayCallRecord {
  readonly server: string;
  readonly method: string;
  /** The tool as the server names it ('' for other methods). */
  readonly tool: string;
  /** ok, error (a JSON-RPC error from the server), unavailable (transport, timeout), denied. */
  readonly result: 'ok' | 'error' | 'unavailable' | 'denied';
  readonly seconds: number;
}

/** Metrics port of the gateway (metrics/mcp-gateway-metrics.ts implements it). */
export interface GatewayObserver {
  upstreamCall(r: GatewayCallRecord): void;
  /** A server left out of a merged list. */
  serverLeftOut(server: string, method: string): void;
}

/** What a request handler learned, for the summary line. */
export interface RequestFacts {
  method: string;
  server: string;
  tool: string;
  result: GatewayCallRecord['result'] | '';
  leftOut: string[];
}

export interface FederationRequest {
  readonly config: McpGatewayConfig;
  readonly pool: UpstreamPool;
  readonly observer: GatewayObserver;
  readonly identity: McpIdentity;
  readonly headers: ReadonlyMap<string, string>;
  readonly span: PhaseSpan;
  readonly facts: RequestFacts;
  readonly warn: (obj: Record<string, unknown>, msg: string) => void;
}

interface ListSpec {
  readonly method: 'tools/list' | 'prompts/list' | 'resources/list' | 'resources/templates/list';
  readonly kind: ListKind;
  readonly field: 'tools' | 'prompts' | 'resources' | 'resourceTemplates';
  readonly key: 'name' | 'uri' | 'uriTemplate';
  readonly fetch: (c: Client, timeout: number, signal: AbortSignal) => Promise<JsonObject[]>;
}

const byTimeout = (timeout: number, signal: AbortSignal) =>
  ({ timeout, signal, cacheMode: 'bypass' }) as const;

const LISTS: readonly ListSpec[] = [
  {
    method: 'tools/list',
    kind: 'tools',
    field: 'tools',
    key: 'name',
    fetch: async (c, t, s) => (await c.listTools(undefined, byTimeout(t, s))).tools,
  },
  {
    method: 'prompts/list',
    kind: 'prompts',
    field: 'prompts',
    key: 'name',
    fetch: async (c, t, s) => (await c.listPrompts(undefined, byTimeout(t, s))).prompts,
  },
  {
    method: 'resources/list',
    kind: 'resources',
    field: 'resources',
    key: 'uri',
    fetch: async (c, t, s) => (await c.listResources(undefined, byTimeout(t, s))).resources,
  },
  {
    method: 'resources/templates/list',
    kind: 'resourceTemplates',
    field: 'resourceTemplates',
    key: 'uriTemplate',
    fetch: async (c, t, s) => (await c.listResourceTemplates(undefined, byTimeout(t, s))).resourceTemplates,
  },
];

export function buildFederationServer(r: FederationRequest): Server {
  const { config } = r;
  const names = new FederationNames(
    config.servers.map((s) => s.name),
    config.prefix,
  );
  const timeoutOf = new Map(config.servers.map((s) => [s.name, s.timeoutMs]));
  const server = new Server(
    { name: 'ai-extproc-mcp-gateway', version: '0.1.0' },
    { capabilities: { tools: {}, prompts: {}, resources: {}, logging: {} } },
  );

  /** One upstream call, measured, traced and counted; a rule refusal never gets here. */
  async function call<T>(
    target: string,
    method: string,
    tool: string,
    ctx: ServerContext,
    fn: (c: Client, timeout: number) => Promise<T>,
  ): Promise<T> {
    const span = r.span.child(`mcp.upstream ${method}`, 'client');
    span.setAttributes({ 'mcp.server': target, 'mcp.method': method, ...(tool ? { 'mcp.tool': tool } : {}) });
    const started = process.hrtime.bigint();
    const notify = (n: Notification) => ctx.mcpReq.notify(n);
    let result: GatewayCallRecord['result'] = 'ok';
    try {
      return await r.pool.with(target, { headers: r.headers, notify }, (c) =>
        fn(c, timeoutOf.get(target) ?? config.timeoutMs),
      );
    } catch (err) {
      result = isRpcError(err) ? 'error' : 'unavailable';
      span.end(err);
      if (result === 'error') throw err;
      // Transport failures and timeouts: a plain answer (nothing of the upstream's URL or headers).
      r.facts.result = 'unavailable';
      throw new ProtocolError(INTERNAL_ERROR, `MCP server ${target} did not answer`);
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      r.observer.upstreamCall({ server: target, method, tool, result, seconds });
      if (result === 'ok') span.end();
    }
  }

  function check(method: string, params: JsonObject): void {
    const d = config.policy.decide(method, params, r.identity);
    if (d.allow) return;
    r.facts.result = 'denied';
    throw new ProtocolError(d.error.code, d.error.message);
  }

  /** A call to a name no server has (or a server that is not ours): answered as missing. */
  function missing(word: string, shown: string): never {
    throw new ProtocolError(INVALID_PARAMS, `${word} ${shown.slice(0, 200)} not found`);
  }

  async function merged(spec: ListSpec, ctx: ServerContext): Promise<JsonObject[]> {
    r.facts.method = spec.method;
    check(spec.method, {});
    const parts = await Promise.all(
      config.servers.map(async (s) => {
        try {
          const items = await call(s.name, spec.method, '', ctx, (c, t) =>
            spec.fetch(c, t, ctx.mcpReq.signal),
          );
          return { server: s.name, items };
        } catch (err) {
          // Left out; the others still answer.
          r.facts.leftOut.push(s.name);
          r.observer.serverLeftOut(s.name, spec.method);
          r.warn({ server: s.name, method: spec.method, err: errText(err) }, 'MCP server left out of a list');
          return { server: s.name, items: [] };
        }
      }),
    );
    const out: JsonObject[] = [];
    for (const p of parts)
      for (const item of p.items) {
        const own = item[spec.key];
        if (typeof own !== 'string') continue;
        const shown = spec.key === 'name' ? names.show(p.server, own) : names.showUri(p.server, own);
        if (spec.kind === 'tools' && !FederationNames.validToolName(shown)) continue;
        out.push({ ...item, [spec.key]: shown });
        if (out.length >= MAX_LIST_ITEMS) break;
      }
    return config.policy.filterList(spec.kind, out, r.identity).items as JsonObject[];
  }

  server.setRequestHandler('tools/list', async (_req, ctx) => ({
    tools: (await merged(LISTS[0]!, ctx)) as never,
  }));
  server.setRequestHandler('prompts/list', async (_req, ctx) => ({
    prompts: (await merged(LISTS[1]!, ctx)) as never,
  }));
  server.setRequestHandler('resources/list', async (_req, ctx) => ({
    resources: (await merged(LISTS[2]!, ctx)) as never,
  }));
  server.setRequestHandler('resources/templates/list', async (_req, ctx) => ({
    resourceTemplates: (await merged(LISTS[3]!, ctx)) as never,
  }));

  server.setRequestHandler('tools/call', async (req, ctx) => {
    const shown = req.params.name;
    r.facts.method = 'tools/call';
    check('tools/call', { name: shown });
    const target = names.resolve(shown) ?? missing('Tool', shown);
    r.facts.server = target.server;
    r.facts.tool = target.name;
    const token = req.params._meta?.progressToken;
    // The SDK keeps the request's envelope keys (log level among them) apart from its params.
    // A 2025 client (no envelope) gets every log message, as a 2025 server sends them before any
    // logging/setLevel (which a stateless 2025 exchange cannot remember).
    const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
    const level =
      envelope?.[PROTOCOL_VERSION_META_KEY] === undefined ? 'debug' : envelope[LOG_LEVEL_META_KEY];
    const result = await call(target.server, 'tools/call', target.name, ctx, (c, timeout) =>
      c.callTool(
        {
          name: target.name,
          ...(req.params.arguments ? { arguments: req.params.arguments } : {}),
          // The caller's log level, so the server sends the log messages it asked for (relayed).
          ...(typeof level === 'string' ? { _meta: { [LOG_LEVEL_META_KEY]: level } } : {}),
        },
        {
          timeout,
          signal: ctx.mcpReq.signal,
          ...(token !== undefined
            ? {
                resetTimeoutOnProgress: false,
                onprogress: (p) =>
                  void ctx.mcpReq
                    .notify({ method: 'notifications/progress', params: { ...p, progressToken: token } })
                    .catch(() => undefined),
              }
            : {}),
        },
      ),
    );
    r.facts.result = 'ok';
    return result;
  });

  server.setRequestHandler('prompts/get', async (req, ctx) => {
    const shown = req.params.name;
    r.facts.method = 'prompts/get';
    check('prompts/get', { name: shown });
    const target = names.resolve(shown) ?? missing('Prompt', shown);
    r.facts.server = target.server;
    const result = await call(target.server, 'prompts/get', '', ctx, (c, timeout) =>
      c.getPrompt(
        { name: target.name, ...(req.params.arguments ? { arguments: req.params.arguments } : {}) },
        { timeout, signal: ctx.mcpReq.signal },
      ),
    );
    r.facts.result = 'ok';
    return result;
  });

  server.setRequestHandler('resources/read', async (req, ctx) => {
    const shown = req.params.uri;
    r.facts.method = 'resources/read';
    check('resources/read', { uri: shown });
    const target = names.resolveUri(shown);
    if (!target) throw new ProtocolError(-32002, `Resource ${shown.slice(0, 200)} not found`);
    r.facts.server = target.server;
    const result = await call(target.server, 'resources/read', '', ctx, (c, timeout) =>
      c.readResource({ uri: target.name }, { timeout, signal: ctx.mcpReq.signal, cacheMode: 'bypass' }),
    );
    r.facts.result = 'ok';
    // The contents name the URIs the client knows.
    return {
      ...result,
      contents: result.contents.map((c) => ({ ...c, uri: names.showUri(target.server, c.uri) })),
    };
  });

  return server;
}

export function errText(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.length > 300 ? `${m.slice(0, 300)}…` : m;
}

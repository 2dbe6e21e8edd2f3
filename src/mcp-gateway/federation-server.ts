/**
 * The MCP server (official v2 SDK, low-level Server) that answers from the federated upstreams: one
 * per request for stateless clients, one per session for 2025 session clients; what it needs of the
 * request in progress (caller, headers, span, the live config) comes from `scope()`. Lists are asked
 * of every server at once and merged (a server that fails is left out, logged and counted), names
 * shown as FederationNames says, filtered by the caller's MCP rules; a call is checked by the same
 * rules and the MCP guard's prompt guards (arguments, then the result), sent to its server with the
 * prefix removed, and the server's progress and log notifications for it are relayed.
 *
 * Resource subscriptions (session clients): `resources/subscribe` and `unsubscribe` go to the URI's
 * server (subscriptions.ts says how); `resources.subscribe` is advertised only when a server has it.
 *
 * Server-to-client requests (sampling, elicitation): relayed on the call's stream when the session
 * client declared the capability (session-upstreams.ts declares it upstream for it); otherwise the
 * gateway declares nothing upstream, so a server that asks anyway gets method-not-found.
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
import type { GuardRunner } from '../pipeline/guard-runner.js';
import { guardToolArguments, guardToolResult } from './tool-guards.js';
import type { SessionSubscriptions } from './subscriptions.js';
import type { McpGatewayConfig } from '../config/standalone/mcp-gateway.js';
import type { JsonObject } from '../json.js';
import { FederationNames } from '../mcp/federation.js';
import type { ListKind, McpIdentity } from '../mcp/index.js';
import type { PhaseSpan } from '../pipeline/tracer.js';
import type { CallContext } from './upstream.js';
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
  result: GatewayCallRecord['result'] | 'masked' | '';
  leftOut: string[];
  /** Guard decisions ("request:regex:mask"), for the summary line. */
  guards: string[];
}

/** The request in progress, as the server's handlers see it. */
export interface RequestScope {
  readonly config: McpGatewayConfig;
  readonly identity: McpIdentity;
  readonly headers: ReadonlyMap<string, string>;
  readonly span: PhaseSpan;
  readonly facts: RequestFacts;
}

/** Where calls to a server go: the shared pool, or a session's own upstream sessions. */
export interface Upstreams {
  with<T>(server: string, ctx: CallContext, fn: (c: Client) => Promise<T>): Promise<T>;
}

export interface FederationRequest {
  readonly scope: () => RequestScope;
  readonly upstreams: Upstreams;
  readonly observer: GatewayObserver;
  readonly guards: GuardRunner;
  readonly warn: (obj: Record<string, unknown>, msg: string) => void;
  /** What the (session) client declared it can answer: relayed server requests. */
  readonly relay?: { readonly sampling: boolean; readonly elicitation: boolean };
  /** Advertise `resources.subscribe` (at least one server supports it). */
  readonly subscribe?: boolean;
  /** A session's subscriptions (2026-07-28 clients subscribe on their listen stream instead). */
  readonly subscriptions?: SessionSubscriptions;
}

const namesByConfig = new WeakMap<McpGatewayConfig, FederationNames>();

/** The config's FederationNames, made once per config. */
export function namesOf(config: McpGatewayConfig): FederationNames {
  let n = namesByConfig.get(config);
  if (!n) {
    n = new FederationNames(
      config.servers.map((s) => s.name),
      config.prefix,
    );
    namesByConfig.set(config, n);
  }
  return n;
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
  const server = new Server(
    { name: 'ai-extproc-mcp-gateway', version: '0.1.0' },
    {
      capabilities: {
        tools: { listChanged: true },
        prompts: { listChanged: true },
        resources: { listChanged: true, ...(r.subscribe ? { subscribe: true } : {}) },
        logging: {},
      },
    },
  );

  /** One upstream call, measured, traced and counted; a rule refusal never gets here. */
  async function call<T>(
    target: string,
    method: string,
    tool: string,
    ctx: ServerContext,
    fn: (c: Client, timeout: number) => Promise<T>,
  ): Promise<T> {
    const { config, span: parent, facts, headers } = r.scope();
    const span = parent.child(`mcp.upstream ${method}`, 'client');
    span.setAttributes({ 'mcp.server': target, 'mcp.method': method, ...(tool ? { 'mcp.tool': tool } : {}) });
    const started = process.hrtime.bigint();
    const notify = (n: Notification) => ctx.mcpReq.notify(n);
    const relay = r.relay;
    const callCtx: CallContext = {
      headers,
      notify,
      ...(relay?.sampling ? { sample: (p) => ctx.mcpReq.requestSampling(p) as never } : {}),
      ...(relay?.elicitation ? { elicit: (p) => ctx.mcpReq.elicitInput(p) } : {}),
    };
    const timeout = config.servers.find((s) => s.name === target)?.timeoutMs ?? config.timeoutMs;
    let result: GatewayCallRecord['result'] = 'ok';
    try {
      return await r.upstreams.with(target, callCtx, (c) => fn(c, timeout));
    } catch (err) {
      result = isRpcError(err) ? 'error' : 'unavailable';
      span.end(err);
      if (result === 'error') throw err;
      // Transport failures and timeouts: a plain answer (nothing of the upstream's URL or headers).
      facts.result = 'unavailable';
      throw new ProtocolError(INTERNAL_ERROR, `MCP server ${target} did not answer`);
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      r.observer.upstreamCall({ server: target, method, tool, result, seconds });
      if (result === 'ok') span.end();
    }
  }

  function check(method: string, params: JsonObject): void {
    const { config, identity, facts } = r.scope();
    const d = config.policy.decide(method, params, identity);
    if (d.allow) return;
    facts.result = 'denied';
    throw new ProtocolError(d.error.code, d.error.message);
  }

  /** A call to a name no server has (or a server that is not ours): answered as missing. */
  function missing(word: string, shown: string): never {
    throw new ProtocolError(INVALID_PARAMS, `${word} ${shown.slice(0, 200)} not found`);
  }

  async function merged(spec: ListSpec, ctx: ServerContext): Promise<JsonObject[]> {
    const { config, identity, facts } = r.scope();
    const names = namesOf(config);
    facts.method = spec.method;
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
          facts.leftOut.push(s.name);
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
    return config.policy.filterList(spec.kind, out, identity).items as JsonObject[];
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
    const scope = r.scope();
    const { config, facts } = scope;
    const shown = req.params.name;
    facts.method = 'tools/call';
    check('tools/call', { name: shown });
    const target = namesOf(config).resolve(shown) ?? missing('Tool', shown);
    facts.server = target.server;
    facts.tool = target.name;
    // The MCP guard's prompt guards, on the arguments as the client sent them (masked in place).
    const args = await guardToolArguments(r.guards, config.guards, req.params.arguments, scope);
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
          ...(args ? { arguments: args } : {}),
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
    if (facts.result === '') facts.result = 'ok';
    const guarded = await guardToolResult(r.guards, config.guards, result, scope);
    return guarded as typeof result;
  });

  server.setRequestHandler('prompts/get', async (req, ctx) => {
    const { config, facts } = r.scope();
    const shown = req.params.name;
    facts.method = 'prompts/get';
    check('prompts/get', { name: shown });
    const target = namesOf(config).resolve(shown) ?? missing('Prompt', shown);
    facts.server = target.server;
    const result = await call(target.server, 'prompts/get', '', ctx, (c, timeout) =>
      c.getPrompt(
        { name: target.name, ...(req.params.arguments ? { arguments: req.params.arguments } : {}) },
        { timeout, signal: ctx.mcpReq.signal },
      ),
    );
    facts.result = 'ok';
    return result;
  });

  server.setRequestHandler('resources/read', async (req, ctx) => {
    const { config, facts } = r.scope();
    const names = namesOf(config);
    const shown = req.params.uri;
    facts.method = 'resources/read';
    check('resources/read', { uri: shown });
    const target = names.resolveUri(shown);
    if (!target) throw new ProtocolError(-32002, `Resource ${shown.slice(0, 200)} not found`);
    facts.server = target.server;
    const result = await call(target.server, 'resources/read', '', ctx, (c, timeout) =>
      c.readResource({ uri: target.name }, { timeout, signal: ctx.mcpReq.signal, cacheMode: 'bypass' }),
    );
    facts.result = 'ok';
    // The contents name the URIs the client knows.
    return {
      ...result,
      contents: result.contents.map((c) => ({ ...c, uri: names.showUri(target.server, c.uri) })),
    };
  });

  const subs = r.subscriptions;
  if (r.subscribe && subs) {
    const subscription = (method: 'resources/subscribe' | 'resources/unsubscribe') =>
      server.setRequestHandler(method, async (req, ctx) => {
        const { config, facts } = r.scope();
        const shown = req.params.uri;
        facts.method = method;
        check(method, { uri: shown });
        const target = namesOf(config).resolveUri(shown);
        if (!target) throw new ProtocolError(-32002, `Resource ${shown.slice(0, 200)} not found`);
        facts.server = target.server;
        if (!(await subs.supports(target.server)))
          throw new ProtocolError(
            -32601,
            `MCP server ${target.server} does not support resource subscriptions`,
          );
        await call(target.server, method, '', ctx, (c, timeout) =>
          method === 'resources/subscribe'
            ? subs.subscribe(target.server, target.name, c, timeout)
            : subs.unsubscribe(target.server, target.name, c, timeout),
        );
        facts.result = 'ok';
        return {};
      });
    subscription('resources/subscribe');
    subscription('resources/unsubscribe');
  }

  return server;
}

export function errText(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.length > 300 ? `${m.slice(0, 300)}…` : m;
}

/**
 * mcpServers: and mcpGateway: → the MCP gateway endpoint's config: upstream servers with their
 * credentials (resolved here, never logged), the compiled per-client rules, and its bounds.
 */
import path from 'node:path';
import { isObj } from '../../json.js';
import type { McpPolicy } from '../../mcp/policy.js';
import type { ClientDirectory } from '../client-identity.js';
import type { LoadContext } from './context.js';
import { compilePolicy } from './mcp.js';
import { SECRET_PLACEHOLDER, resolveSecret } from './secrets.js';
import { compileGuards } from './guards.js';
import type { RouteGuards } from './types.js';

export const DEFAULT_GATEWAY_PATH = '/mcp-gateway';
export const DEFAULT_GATEWAY_TIMEOUT_MS = 30_000;
export const DEFAULT_GATEWAY_MAX_BODY = 4 * 1024 * 1024;

/** A server we start and talk to over stdio. */
export interface StdioCommand {
  readonly command: string;
  readonly args: readonly string[];
  /** The child's environment (nothing of ours but PATH and HOME is added). */
  readonly env: readonly (readonly [string, string])[];
  readonly cwd: string | undefined;
}

export interface McpUpstreamServer {
  readonly name: string;
  /** Streamable HTTP servers: their URL; stdio servers: undefined. */
  readonly url: URL | undefined;
  /** Servers we start (stdio): the command, its arguments and its whole environment. */
  readonly stdio: StdioCommand | undefined;
  /** Headers the gateway sends (its own credentials): never shown to clients, never logged. */
  readonly headers: readonly (readonly [string, string])[];
  /** Client headers passed through as they are (lower case). */
  readonly forwardHeaders: readonly string[];
  readonly timeoutMs: number;
  /** Changes when the URL or a credential changes (keyed on values, not shown anywhere). */
  readonly fingerprint: string;
}

export const DEFAULT_SESSION_TTL_SECONDS = 86_400;
export const DEFAULT_MAX_SESSIONS = 10_000;
/** A session key shorter than this is refused (it is the only thing keeping ids unforgeable). */
export const MIN_SESSION_KEY_CHARS = 32;

export interface McpGatewaySessions {
  /** undefined: a random key per process (sessions end with it). Never logged. */
  readonly key: string | undefined;
  readonly ttlSeconds: number;
  readonly maxSessions: number;
}

export interface McpGatewayConfig {
  readonly path: string;
  readonly prefix: boolean;
  readonly timeoutMs: number;
  readonly maxBodyBytes: number;
  readonly requireClient: boolean;
  readonly servers: readonly McpUpstreamServer[];
  readonly policy: McpPolicy;
  readonly clients: ClientDirectory;
  /** The MCP guard's prompt guards on tool arguments and results (as on mcp.routes). */
  readonly guards: RouteGuards;
  readonly sessions: McpGatewaySessions;
}

function sessions(raw: unknown, ctx: LoadContext): McpGatewaySessions | undefined {
  const s = isObj(raw) ? raw : {};
  let key: string | undefined;
  if (s.key !== undefined) {
    key = resolveSecret(s.key, ['mcpGateway', 'sessions', 'key'], ctx);
    if (key === undefined) return undefined;
    if (key.length < MIN_SESSION_KEY_CHARS && key !== SECRET_PLACEHOLDER) {
      ctx.issues.add(
        ['mcpGateway', 'sessions', 'key'],
        `must hold at least ${MIN_SESSION_KEY_CHARS} characters`,
      );
      return undefined;
    }
  }
  return Object.freeze({
    key,
    ttlSeconds: typeof s.ttlSeconds === 'number' ? s.ttlSeconds : DEFAULT_SESSION_TTL_SECONDS,
    maxSessions: typeof s.maxSessions === 'number' ? s.maxSessions : DEFAULT_MAX_SESSIONS,
  });
}

function server(
  name: string,
  raw: unknown,
  fallbackTimeout: number,
  ctx: LoadContext,
): McpUpstreamServer | undefined {
  if (!isObj(raw)) return undefined;
  if (typeof raw.command === 'string') return stdioServer(name, raw, fallbackTimeout, ctx);
  if (typeof raw.url !== 'string') return undefined;
  let url: URL;
  try {
    url = new URL(raw.url);
  } catch {
    ctx.issues.add(['mcpServers', name, 'url'], 'is not a valid URL');
    return undefined;
  }
  const auth = isObj(raw.auth) ? raw.auth : {};
  const headers: [string, string][] = [];
  if (auth.bearer !== undefined) {
    const v = resolveSecret(auth.bearer, ['mcpServers', name, 'auth', 'bearer'], ctx);
    if (v === undefined) return undefined;
    headers.push(['authorization', `Bearer ${v}`]);
  }
  if (isObj(auth.apiKey) && typeof auth.apiKey.header === 'string') {
    const v = resolveSecret(auth.apiKey.value, ['mcpServers', name, 'auth', 'apiKey', 'value'], ctx);
    if (v === undefined) return undefined;
    headers.push([auth.apiKey.header.toLowerCase(), v]);
  }
  const forwardHeaders = Array.isArray(auth.forwardHeaders)
    ? auth.forwardHeaders.filter((h): h is string => typeof h === 'string').map((h) => h.toLowerCase())
    : [];
  return Object.freeze({
    name,
    url,
    stdio: undefined,
    headers: Object.freeze(headers.map((h) => Object.freeze(h))),
    forwardHeaders: Object.freeze(forwardHeaders),
    timeoutMs: typeof raw.timeoutMs === 'number' ? raw.timeoutMs : fallbackTimeout,
    fingerprint: JSON.stringify([url.href, headers, forwardHeaders]),
  });
}

/** A server we start: command, args, env (values may be secrets from env or file), cwd. */
function stdioServer(
  name: string,
  raw: Record<string, unknown>,
  fallbackTimeout: number,
  ctx: LoadContext,
): McpUpstreamServer | undefined {
  const env: [string, string][] = [];
  let ok = true;
  for (const [k, v] of Object.entries(isObj(raw.env) ? raw.env : {})) {
    const value = typeof v === 'string' ? v : resolveSecret(v, ['mcpServers', name, 'env', k], ctx);
    if (value === undefined) ok = false;
    else env.push([k, value]);
  }
  if (!ok) return undefined;
  const args = Array.isArray(raw.args) ? raw.args.filter((a): a is string => typeof a === 'string') : [];
  const command = raw.command as string;
  const cwd = typeof raw.cwd === 'string' ? path.resolve(ctx.baseDir, raw.cwd) : undefined;
  return Object.freeze({
    name,
    url: undefined,
    stdio: Object.freeze({ command, args: Object.freeze(args), env: Object.freeze(env), cwd }),
    headers: Object.freeze([]),
    forwardHeaders: Object.freeze([]),
    timeoutMs: typeof raw.timeoutMs === 'number' ? raw.timeoutMs : fallbackTimeout,
    fingerprint: JSON.stringify(['stdio', command, args, env, cwd]),
  });
}

/** undefined: no mcpServers (the endpoint stays off) or an issue was reported. */
export function compileMcpGateway(
  data: Record<string, unknown>,
  clients: ClientDirectory,
  ctx: LoadContext,
): McpGatewayConfig | undefined {
  const g = isObj(data.mcpGateway) ? data.mcpGateway : {};
  if (!isObj(data.mcpServers)) {
    if (data.mcpGateway !== undefined) ctx.issues.add(['mcpGateway'], 'needs mcpServers to federate');
    return undefined;
  }
  const timeoutMs = typeof g.timeoutMs === 'number' ? g.timeoutMs : DEFAULT_GATEWAY_TIMEOUT_MS;
  const entries = Object.entries(data.mcpServers);
  const servers = entries.map(([n, s]) => server(n, s, timeoutMs, ctx));
  const prefix = g.prefix !== false;
  if (!prefix && entries.length !== 1)
    ctx.issues.add(['mcpGateway', 'prefix'], 'names can be left unprefixed only with exactly one server');
  const policy = compilePolicy(g.rules, g.clientRules, ['mcpGateway', 'rules'], ctx);
  const guards = compileGuards(g.guards, ['mcpGateway', 'guards'], ctx);
  const sess = sessions(g.sessions, ctx);
  const done = servers.filter((s): s is McpUpstreamServer => s !== undefined);
  if (
    policy === undefined ||
    sess === undefined ||
    done.length !== entries.length ||
    (!prefix && entries.length !== 1)
  ) {
    policy?.release();
    return undefined;
  }
  return Object.freeze({
    path: typeof g.path === 'string' ? g.path : DEFAULT_GATEWAY_PATH,
    prefix,
    timeoutMs,
    maxBodyBytes: typeof g.maxBodyBytes === 'number' ? g.maxBodyBytes : DEFAULT_GATEWAY_MAX_BODY,
    requireClient: g.requireClient === true,
    servers: Object.freeze(done),
    policy,
    clients,
    guards,
    sessions: sess,
  });
}

/**
 * mcpServers: and mcpGateway: → the MCP gateway endpoint's config: upstream servers with their
 * credentials (resolved here, never logged), the compiled per-client rules, and its bounds.
 */
import { isObj } from '../../json.js';
import type { McpPolicy } from '../../mcp/policy.js';
import type { ClientDirectory } from '../client-identity.js';
import type { LoadContext } from './context.js';
import { compilePolicy } from './mcp.js';
import { resolveSecret } from './secrets.js';

export const DEFAULT_GATEWAY_PATH = '/mcp-gateway';
export const DEFAULT_GATEWAY_TIMEOUT_MS = 30_000;
export const DEFAULT_GATEWAY_MAX_BODY = 4 * 1024 * 1024;

export interface McpUpstreamServer {
  readonly name: string;
  readonly url: URL;
  /** Headers the gateway sends (its own credentials): never shown to clients, never logged. */
  readonly headers: readonly (readonly [string, string])[];
  /** Client headers passed through as they are (lower case). */
  readonly forwardHeaders: readonly string[];
  readonly timeoutMs: number;
  /** Changes when the URL or a credential changes (keyed on values, not shown anywhere). */
  readonly fingerprint: string;
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
}

function server(
  name: string,
  raw: unknown,
  fallbackTimeout: number,
  ctx: LoadContext,
): McpUpstreamServer | undefined {
  if (!isObj(raw) || typeof raw.url !== 'string') return undefined;
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
    headers: Object.freeze(headers.map((h) => Object.freeze(h))),
    forwardHeaders: Object.freeze(forwardHeaders),
    timeoutMs: typeof raw.timeoutMs === 'number' ? raw.timeoutMs : fallbackTimeout,
    fingerprint: JSON.stringify([url.href, headers, forwardHeaders]),
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
  const done = servers.filter((s): s is McpUpstreamServer => s !== undefined);
  if (policy === undefined || done.length !== entries.length || (!prefix && entries.length !== 1)) {
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
  });
}

/**
 * The MCP guard's prompt guards (webhook, regex, moderation; mcpGateway.guards, the same block as
 * on mcp.routes) on the gateway's tool calls: the strings of the arguments before the call goes to
 * its server, the strings of the result before it goes to the client. One implementation with the
 * ext_proc MCP guard: the same string walkers (src/mcp/strings.ts) and the same GuardRunner bridge
 * (pipeline/mcp/guards.ts). A refusal is a JSON-RPC error; a guard that cannot run fails closed.
 */
import { INTERNAL_ERROR, INVALID_PARAMS, ProtocolError } from '@modelcontextprotocol/server';
import type { RouteGuards } from '../config/standalone/types.js';
import type { JsonObject } from '../json.js';
import { WalkLimitError, argumentSlots, resultSlots } from '../mcp/strings.js';
import type { GuardContext, GuardRunner } from '../pipeline/guard-runner.js';
import { guardArguments, guardResult } from '../pipeline/mcp/guards.js';
import type { RequestScope } from './federation-server.js';

function guardContext(g: RouteGuards, scope: RequestScope, phase: 'request' | 'response'): GuardContext {
  const transport = phase === 'request' ? g.requestWebhook : g.responseWebhook;
  return {
    family: 'openai',
    headers: scope.headers,
    traceparent: scope.headers.get('traceparent'),
    tracestate: scope.headers.get('tracestate'),
    span: scope.span,
    cacheKey: (phase === 'request' ? g.requestKey : g.responseKey) ?? '',
    requestId: scope.headers.get('x-request-id'),
    decisions: scope.facts.guards,
    webhookTransport: transport ?? { scheme: 'https', insecureSkipVerify: false },
  };
}

function failClosed(scope: RequestScope, err: unknown, what: string): never {
  if (err instanceof ProtocolError) throw err;
  scope.facts.result = 'error';
  scope.facts.guards.push(err instanceof WalkLimitError ? `${what}:limits` : `${what}:error`);
  throw new ProtocolError(INTERNAL_ERROR, `The ${what} could not be checked`);
}

/** The arguments to send (masked when a guard masked them); throws a refusal. */
export async function guardToolArguments(
  runner: GuardRunner,
  g: RouteGuards,
  args: Record<string, unknown> | undefined,
  scope: RequestScope,
): Promise<Record<string, unknown> | undefined> {
  const cfg = g.request;
  if (!cfg || args === undefined) return args;
  const params: JsonObject = { arguments: structuredClone(args) };
  try {
    const r = await guardArguments(runner, argumentSlots(params), cfg, guardContext(g, scope, 'request'));
    if (r.kind === 'reject') {
      scope.facts.result = 'denied';
      throw new ProtocolError(INVALID_PARAMS, r.refusal.message);
    }
    if (r.changed) scope.facts.result = 'masked';
  } catch (err) {
    failClosed(scope, err, 'request');
  }
  return params.arguments as Record<string, unknown>;
}

/** The result to return (masked when a guard masked it); throws a refusal. */
export async function guardToolResult(
  runner: GuardRunner,
  g: RouteGuards,
  result: JsonObject,
  scope: RequestScope,
): Promise<JsonObject> {
  const cfg = g.response;
  if (!cfg) return result;
  try {
    const r = await guardResult(runner, resultSlots(result), cfg, guardContext(g, scope, 'response'));
    if (r.kind === 'reject') {
      scope.facts.result = 'denied';
      throw new ProtocolError(INTERNAL_ERROR, r.refusal.message);
    }
    if (r.changed) scope.facts.result = 'masked';
  } catch (err) {
    failClosed(scope, err, 'response');
  }
  return result;
}

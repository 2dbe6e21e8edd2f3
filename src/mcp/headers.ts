/**
 * MCP's standard request headers (SEP-2243, protocol 2026-07-28): `Mcp-Method` names the body's
 * method and `Mcp-Name` the tool, prompt or resource it is about. A policy that reads headers while
 * the server executes the body would be a confused deputy, so a disagreement is refused (HTTP 400,
 * HeaderMismatch). Older clients send neither header; then there is nothing to compare.
 * Values are compared case-sensitively after trimming optional whitespace (RFC 9110 §5.5).
 */
import type { RpcMessage } from './jsonrpc.js';
import { nameParam } from './rules.js';

export const MCP_METHOD_HEADER = 'mcp-method';
export const MCP_NAME_HEADER = 'mcp-name';

/** undefined when the headers agree with the body (or are absent); else what disagrees. */
export function headerMismatch(
  header: (name: string) => string | undefined,
  msg: RpcMessage,
): string | undefined {
  const rawMethod = header(MCP_METHOD_HEADER);
  const rawName = header(MCP_NAME_HEADER);
  if (rawMethod === undefined && rawName === undefined) return undefined;
  const method = msg.kind === 'response' ? undefined : msg.method;
  if (rawMethod !== undefined && rawMethod.trim() !== method)
    return 'Mcp-Method header does not match the body';
  const key = method === undefined ? undefined : nameParam(method);
  // Mcp-Name belongs to tools/call, prompts/get and resources/*; elsewhere it is ignored (as the SDK does).
  if (key === undefined) return undefined;
  const bodyName = msg.kind === 'response' ? undefined : msg.params?.[key];
  if (rawName === undefined) {
    // The standard header set (Mcp-Method sent) must name what the body names.
    return rawMethod !== undefined && typeof bodyName === 'string' ? 'Mcp-Name header is missing' : undefined;
  }
  if (typeof bodyName !== 'string' || rawName.trim() !== bodyName)
    return 'Mcp-Name header does not match the body';
  return undefined;
}

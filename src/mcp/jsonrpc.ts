/**
 * One JSON-RPC 2.0 message of MCP's Streamable HTTP transport, read strictly: a POST carries exactly
 * one message (batches were dropped in 2025-06-18), so an array, non-JSON or a malformed message is
 * answered with a JSON-RPC error. Pure: bytes or values in, plain data out.
 */
import { isObj } from '../json.js';
import type { JsonObject } from '../json.js';

/** JSON-RPC and MCP error codes the guard answers with. */
export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const METHOD_NOT_FOUND = -32601;
export const INVALID_PARAMS = -32602;
export const INTERNAL_ERROR = -32603;
/** MCP: resource not found. */
export const RESOURCE_NOT_FOUND = -32002;
/** MCP SEP-2243 (HeaderMismatch): an Mcp-Method / Mcp-Name header disagrees with the body. */
export const HEADER_MISMATCH = -32020;

export type RpcId = string | number | null;

export type RpcMessage =
  /** A request: it has an id and expects an answer. */
  | {
      readonly kind: 'request';
      readonly id: string | number;
      readonly method: string;
      readonly params: JsonObject | undefined;
    }
  | { readonly kind: 'notification'; readonly method: string; readonly params: JsonObject | undefined }
  /** The client answering a server-to-client request (result or error). */
  | { readonly kind: 'response'; readonly id: RpcId };

export type ParsedMessage =
  | { readonly ok: true; readonly message: RpcMessage; readonly value: JsonObject }
  | { readonly ok: false; readonly code: number; readonly reason: string; readonly id: RpcId };

function validId(v: unknown): v is string | number {
  return typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
}

/** Reads one JSON-RPC message from a parsed JSON value. */
export function classifyMessage(value: unknown): ParsedMessage {
  if (Array.isArray(value))
    return { ok: false, code: INVALID_REQUEST, reason: 'batches are not supported', id: null };
  if (!isObj(value)) return { ok: false, code: INVALID_REQUEST, reason: 'not a JSON-RPC message', id: null };
  const id = validId(value.id) ? value.id : null;
  if (value.jsonrpc !== '2.0')
    return { ok: false, code: INVALID_REQUEST, reason: 'jsonrpc must be "2.0"', id };
  if ('id' in value && value.id !== null && !validId(value.id))
    return { ok: false, code: INVALID_REQUEST, reason: 'invalid id', id: null };
  if (value.params !== undefined && !isObj(value.params))
    return { ok: false, code: INVALID_REQUEST, reason: 'params must be an object', id };
  const params = isObj(value.params) ? value.params : undefined;
  if (typeof value.method === 'string') {
    if (value.method === '') return { ok: false, code: INVALID_REQUEST, reason: 'empty method', id };
    if (validId(value.id))
      return { ok: true, value, message: { kind: 'request', id: value.id, method: value.method, params } };
    if ('id' in value)
      return { ok: false, code: INVALID_REQUEST, reason: 'a request id must not be null', id };
    return { ok: true, value, message: { kind: 'notification', method: value.method, params } };
  }
  if ('method' in value) return { ok: false, code: INVALID_REQUEST, reason: 'method must be a string', id };
  if ('result' in value !== 'error' in value && 'id' in value)
    return { ok: true, value, message: { kind: 'response', id } };
  return { ok: false, code: INVALID_REQUEST, reason: 'neither a request nor a response', id };
}

/** Parses one message from a request body. */
export function parseMessage(body: Buffer | string): ParsedMessage {
  let value: unknown;
  try {
    value = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch {
    return { ok: false, code: PARSE_ERROR, reason: 'the body is not JSON', id: null };
  }
  return classifyMessage(value);
}

export interface RpcError {
  readonly code: number;
  readonly message: string;
}

/** A JSON-RPC error response, serialised. */
export function errorResponse(id: RpcId, error: RpcError): string {
  return JSON.stringify({ jsonrpc: '2.0', id, error: { code: error.code, message: error.message } });
}

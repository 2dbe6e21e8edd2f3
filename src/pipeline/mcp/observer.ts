/** What the MCP guard tells observers (metrics): one record per JSON-RPC request it saw. Plain data. */

/**
 * allowed: passed (maybe masked); denied: refused by a rule; rejected: refused by a guard;
 * invalid: not one valid message, or headers disagreeing with the body; error: the guard failed.
 */
export type McpResult = 'allowed' | 'masked' | 'denied' | 'rejected' | 'invalid' | 'error';

export interface McpRequestRecord {
  readonly route: string;
  /** The JSON-RPC method ('' when the body was unreadable). */
  readonly method: string;
  /** tools/call: the tool name ('' otherwise). */
  readonly tool: string;
  readonly result: McpResult;
  /** From the request headers to the end of the response (or the local reply). */
  readonly seconds: number;
}

export interface McpObserver {
  mcpRequest(r: McpRequestRecord): void;
}

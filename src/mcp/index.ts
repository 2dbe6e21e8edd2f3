/** The MCP guard's pure core: JSON-RPC reading, the rules engine, header checks, string walkers. */
export * from './jsonrpc.js';
export * from './rules.js';
export * from './headers.js';
export * from './strings.js';
export * from './sse-split.js';
export * from './policy.js';

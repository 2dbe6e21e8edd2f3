/**
 * The MCP guard's metrics, on the same registry as the AI metrics: requests by route, method, tool
 * and result, and latency by route and method. Tool names are capped like model names, methods
 * too (both come from clients): values past the cap are reported as "_other".
 */
import client from 'prom-client';
import type { McpObserver, McpRequestRecord } from '../pipeline/mcp/observer.js';
import { LabelCap } from './label-cap.js';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export class McpMetrics implements McpObserver {
  private readonly requests: client.Counter;
  private readonly latency: client.Histogram;
  private readonly tools: LabelCap;
  private readonly methods = new LabelCap(64);

  constructor(registry: client.Registry, maxToolLabels: number) {
    this.tools = new LabelCap(maxToolLabels);
    this.requests = new client.Counter({
      name: 'ai_extproc_mcp_requests_total',
      help: 'MCP JSON-RPC requests seen by the MCP guard, by route, method, tool (tools/call) and result',
      labelNames: ['route', 'method', 'tool', 'result'],
      registers: [registry],
    });
    this.latency = new client.Histogram({
      name: 'ai_extproc_mcp_request_duration_seconds',
      help: 'MCP requests from the request headers to the end of the response, by route and method',
      labelNames: ['route', 'method'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    });
  }

  mcpRequest(r: McpRequestRecord): void {
    const method = this.methods.value(r.method);
    this.requests.inc({
      route: r.route,
      method,
      tool: r.tool === '' ? '' : this.tools.value(r.tool),
      result: r.result,
    });
    this.latency.observe({ route: r.route, method }, r.seconds);
  }
}

/**
 * The MCP gateway endpoint's metrics, on the same registry as the AI metrics: client requests by
 * method and result; upstream calls by server, method, tool and result, with their latency; and
 * servers left out of merged lists. Tool and method names come from servers and clients: capped
 * like model names (values past the cap are "_other"); server names come from the config.
 */
import client from 'prom-client';
import type { GatewayCallRecord, GatewayObserver } from '../mcp-gateway/federation-server.js';
import { LabelCap } from './label-cap.js';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export class McpGatewayMetrics implements GatewayObserver {
  private readonly requests: client.Counter;
  private readonly requestLatency: client.Histogram;
  private readonly calls: client.Counter;
  private readonly callLatency: client.Histogram;
  private readonly leftOut: client.Counter;
  private readonly tools: LabelCap;
  private readonly methods = new LabelCap(64);

  constructor(registry: client.Registry, maxToolLabels: number) {
    this.tools = new LabelCap(maxToolLabels);
    this.requests = new client.Counter({
      name: 'ai_extproc_mcp_gateway_requests_total',
      help: 'Requests to the MCP gateway endpoint, by JSON-RPC method and result',
      labelNames: ['method', 'result'],
      registers: [registry],
    });
    this.requestLatency = new client.Histogram({
      name: 'ai_extproc_mcp_gateway_request_duration_seconds',
      help: 'MCP gateway requests from arrival to the end of the answer, by method',
      labelNames: ['method'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    });
    this.calls = new client.Counter({
      name: 'ai_extproc_mcp_gateway_upstream_calls_total',
      help: 'Calls from the MCP gateway to its MCP servers, by server, method, tool (tools/call) and result',
      labelNames: ['server', 'method', 'tool', 'result'],
      registers: [registry],
    });
    this.callLatency = new client.Histogram({
      name: 'ai_extproc_mcp_gateway_upstream_call_duration_seconds',
      help: 'Calls from the MCP gateway to its MCP servers, by server and method',
      labelNames: ['server', 'method'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    });
    this.leftOut = new client.Counter({
      name: 'ai_extproc_mcp_gateway_server_left_out_total',
      help: 'MCP servers left out of a merged list because they failed to answer, by server and method',
      labelNames: ['server', 'method'],
      registers: [registry],
    });
  }

  request(method: string, result: string, seconds: number): void {
    const m = this.methods.value(method);
    this.requests.inc({ method: m, result });
    this.requestLatency.observe({ method: m }, seconds);
  }

  upstreamCall(r: GatewayCallRecord): void {
    const method = this.methods.value(r.method);
    this.calls.inc({
      server: r.server,
      method,
      tool: r.tool === '' ? '' : this.tools.value(r.tool),
      result: r.result,
    });
    this.callLatency.observe({ server: r.server, method }, r.seconds);
  }

  serverLeftOut(server: string, method: string): void {
    this.leftOut.inc({ server, method: this.methods.value(method) });
  }
}

/**
 * A small MCP server on the official v2 SDK (@modelcontextprotocol/server), for tests and the demo:
 * the 2026-07-28 protocol (stateless) through the SDK's createMcpHandler, and the 2025 protocol
 * with sessions (Mcp-Session-Id, GET stream, DELETE) through its sessionful Streamable HTTP
 * transport. It records every tool call it executes and every session header it sees, so a test
 * can prove what reached the server.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import {
  McpServer,
  WebStandardStreamableHTTPServerTransport,
  createMcpHandler,
  fromJsonSchema,
  isLegacyRequest,
  legacyStatelessFallback,
} from '@modelcontextprotocol/server';
import { registerConformanceItems } from './mcp-conformance-items.js';
import { addExtra, registerExtras } from './mcp-fixture-extras.js';
import type { ExtrasState } from './mcp-fixture-extras.js';

export interface ToolCall {
  readonly name: string;
  readonly args: Record<string, unknown>;
}

export interface McpFixture {
  readonly url: string;
  readonly port: number;
  /** Tool calls the server executed, in order. */
  readonly calls: ToolCall[];
  /** HTTP requests seen: method, the Mcp-Session-Id and MCP-Protocol-Version they carried ('' when none). */
  readonly requests: FixtureRequest[];
  close(): Promise<void>;
}

export interface FixtureRequest {
  readonly method: string;
  readonly session: string;
  readonly version: string;
  readonly body: string;
}

export interface McpFixtureOptions {
  /** How 2026-07-28 answers are sent (default auto: JSON unless a notification comes first). */
  readonly responseMode?: 'auto' | 'json' | 'sse';
  /** 2025 protocol sessions answer with JSON instead of SSE (default false: SSE). */
  readonly legacyJson?: boolean;
  readonly port?: number;
  readonly host?: string;
  /** Also serve what the official conformance suite calls by name. */
  readonly conformance?: boolean;
  /** 'legacy': a 2025-only server (sessions; server/discover refused as a 2025 server does). */
  readonly protocol?: 'both' | 'legacy';
  /** The one 2025 protocol version the server speaks (default: every version the SDK knows). */
  readonly legacyVersion?: '2025-06-18' | '2025-11-25';
  /** Also serve the relay tools (mcp-fixture-extras.ts: progress, sampling, elicitation, add_tool, touch). */
  readonly extras?: boolean;
  /** Advertise resources.subscribe (the extras serve the subscriptions). */
  readonly subscribe?: boolean;
}

/** A card number (a Visa test number) the card_lookup tool returns. */
export const FIXTURE_CARD = '4111 1111 1111 1111';

const textArg = fromJsonSchema<{ text: string }>({
  type: 'object',
  properties: { text: { type: 'string' } },
  required: ['text'],
});
const noArgs = fromJsonSchema<Record<string, never>>({ type: 'object', properties: {} });

function buildServer(calls: ToolCall[], opts: McpFixtureOptions, extras?: ExtrasState): McpServer {
  const { conformance = false, legacyVersion } = opts;
  const s = new McpServer(
    { name: 'ai-extproc-mcp-fixture', version: '1.0.0' },
    {
      capabilities: {
        logging: {},
        ...(extras ? { tools: { listChanged: true } } : {}),
        ...(opts.subscribe ? { resources: { subscribe: true } } : {}),
      },
      ...(legacyVersion ? { supportedProtocolVersions: [legacyVersion] } : {}),
    },
  );
  if (extras) registerExtras(s, extras);
  s.registerTool('echo', { description: 'Returns its text.', inputSchema: textArg }, (args) => {
    calls.push({ name: 'echo', args });
    return { content: [{ type: 'text', text: args.text }] };
  });
  s.registerTool('delete_everything', { description: 'Dangerous.', inputSchema: noArgs }, (args) => {
    calls.push({ name: 'delete_everything', args });
    return { content: [{ type: 'text', text: 'deleted' }] };
  });
  s.registerTool('debug_dump', { description: 'Internal.', inputSchema: noArgs }, (args) => {
    calls.push({ name: 'debug_dump', args });
    return { content: [{ type: 'text', text: 'dump' }] };
  });
  s.registerTool('card_lookup', { description: 'Returns the card on file.', inputSchema: noArgs }, (args) => {
    calls.push({ name: 'card_lookup', args });
    return { content: [{ type: 'text', text: `card on file: ${FIXTURE_CARD}` }] };
  });
  s.registerTool(
    'progress_echo',
    { description: 'Logs, then returns its text (an SSE answer).', inputSchema: textArg },
    async (args, ctx) => {
      calls.push({ name: 'progress_echo', args });
      await ctx.mcpReq.log('info', `echoing ${args.text.length} characters`);
      return { content: [{ type: 'text', text: args.text }] };
    },
  );
  s.registerPrompt('greet', { description: 'A greeting.' }, () => ({
    messages: [{ role: 'user', content: { type: 'text', text: 'Hello!' } }],
  }));
  s.registerPrompt('internal_prompt', { description: 'Not for agents.' }, () => ({
    messages: [{ role: 'user', content: { type: 'text', text: 'secret' } }],
  }));
  s.registerResource('readme', 'mem://public/readme', { mimeType: 'text/plain' }, (uri) => ({
    contents: [{ uri: uri.href, text: 'read me' }],
  }));
  s.registerResource('keys', 'mem://private/keys', { mimeType: 'text/plain' }, (uri) => ({
    contents: [{ uri: uri.href, text: 'keys' }],
  }));
  if (conformance) registerConformanceItems(s);
  return s;
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

async function send(res: http.ServerResponse, r: Response): Promise<void> {
  const headers: Record<string, string> = {};
  r.headers.forEach((v, k) => (headers[k] = v));
  res.writeHead(r.status, headers);
  if (r.body) {
    const reader = r.body.getReader();
    // A client that goes away cancels the answer (the SDK then forgets a session's GET stream).
    res.once('close', () => void reader.cancel().catch(() => undefined));
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      res.write(value);
    }
  }
  res.end();
}

export async function startMcpFixture(opts: McpFixtureOptions = {}): Promise<McpFixture> {
  const calls: ToolCall[] = [];
  const requests: FixtureRequest[] = [];
  const sessionServers = new Set<McpServer>();
  const extras: ExtrasState | undefined = opts.extras
    ? {
        calls,
        extra: false,
        changed: () => {
          modern.notify.toolsChanged();
          // Sessions keep their server: it gets the tool too (and the SDK tells its client).
          for (const s of sessionServers) addExtra(s, extras!);
        },
        touched: (uri) => {
          modern.notify.resourceUpdated(uri);
          for (const s of sessionServers)
            if (extras!.subscribed.get(s)?.has(uri)) void s.server.sendResourceUpdated({ uri });
        },
        subscribed: new WeakMap(),
      }
    : undefined;
  const build = () => buildServer(calls, opts, extras);
  const modern = createMcpHandler(build, {
    legacy: 'reject',
    responseMode: opts.responseMode ?? 'auto',
    keepAliveMs: 0,
  });
  const sessions = new Map<string, WebStandardStreamableHTTPServerTransport>();

  // A 2025 request that opens no session (no initialize, no Mcp-Session-Id) is served statelessly,
  // so a bare curl works.
  const stateless = legacyStatelessFallback(build);

  async function legacy(request: Request, parsedBody: unknown): Promise<Response> {
    const sid = request.headers.get('mcp-session-id');
    if (sid) {
      const t = sessions.get(sid);
      if (!t) return new Response('unknown session', { status: 404 });
      return t.handleRequest(request, { parsedBody });
    }
    const method = (parsedBody as { method?: unknown } | undefined)?.method;
    if (method !== 'initialize' && opts.protocol === 'legacy')
      return new Response('Bad Request: Server not initialized', { status: 400 });
    if (method !== 'initialize') return stateless(request, { parsedBody });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse: opts.legacyJson === true,
      ...(opts.legacyVersion ? { supportedProtocolVersions: [opts.legacyVersion] } : {}),
      onsessioninitialized: (id) => void sessions.set(id, transport),
      onsessionclosed: (id) => {
        sessions.delete(id);
        sessionServers.delete(server);
      },
    });
    const server = build();
    sessionServers.add(server);
    await server.connect(transport);
    return transport.handleRequest(request, { parsedBody });
  }

  const server = http.createServer((req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    void (async () => {
      const body = req.method === 'POST' ? await readBody(req) : '';
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
      requests.push({
        method: req.method ?? '',
        session: headers.get('mcp-session-id') ?? '',
        version: headers.get('mcp-protocol-version') ?? '',
        body,
      });
      const url = `http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`;
      const init: RequestInit = { method: req.method ?? 'GET', headers, ...(body ? { body } : {}) };
      const request = new Request(url, init);
      let parsed: unknown;
      try {
        parsed = body ? JSON.parse(body) : undefined;
      } catch {
        parsed = undefined;
      }
      const isLegacy =
        opts.protocol === 'legacy' ||
        request.headers.has('mcp-session-id') ||
        (req.method === 'POST' && parsed !== undefined && (await isLegacyRequest(request.clone(), parsed)));
      const r = isLegacy
        ? await legacy(request, parsed)
        : await modern.fetch(request, parsed === undefined ? {} : { parsedBody: parsed });
      await send(res, r);
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    port,
    calls,
    requests,
    async close() {
      for (const t of sessions.values()) await t.close().catch(() => undefined);
      await modern.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

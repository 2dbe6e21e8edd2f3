/**
 * Fixture tools that exercise what a gateway relays: progress for a call, a server-to-client
 * sampling and elicitation request, and a list change (add_tool makes `extra` appear and tells
 * every client: 2026-07-28 listen streams and 2025 sessions), and a subscribable resource
 * (`mem://live/status`; touch tells its subscribers it changed).
 */
import type { McpServer } from '@modelcontextprotocol/server';
import { fromJsonSchema } from '@modelcontextprotocol/server';
import type { ToolCall } from './mcp-server.js';

export interface ExtrasState {
  readonly calls: ToolCall[];
  /** add_tool was called: `extra` is listed. */
  extra: boolean;
  /** Tells every connected client the tool list changed. */
  changed: () => void;
  /** Tells the clients subscribed to `uri` that it changed (2025 sessions and 2026-07-28 listeners). */
  touched: (uri: string) => void;
  /** What each 2025 session's server was asked to subscribe to. */
  readonly subscribed: WeakMap<McpServer, Set<string>>;
}

/** The subscribable resource of the extras. */
export const LIVE_URI = 'mem://live/status';

const withExtra = new WeakSet<McpServer>();

const textArg = fromJsonSchema<{ text: string }>({
  type: 'object',
  properties: { text: { type: 'string' } },
  required: ['text'],
});
const noArgs = fromJsonSchema<Record<string, never>>({ type: 'object', properties: {} });

export function registerExtras(s: McpServer, st: ExtrasState): void {
  s.registerTool(
    'count_progress',
    { description: 'Reports progress 1/2, 2/2.', inputSchema: noArgs },
    async (args, ctx) => {
      st.calls.push({ name: 'count_progress', args });
      const progressToken = ctx.mcpReq._meta?.progressToken;
      if (progressToken !== undefined)
        for (const progress of [1, 2])
          await ctx.mcpReq.notify({
            method: 'notifications/progress',
            params: { progressToken, progress, total: 2 },
          });
      return { content: [{ type: 'text', text: 'counted' }] };
    },
  );
  s.registerTool(
    'sample',
    { description: 'Asks the client for a completion.', inputSchema: textArg },
    async (args, ctx) => {
      st.calls.push({ name: 'sample', args });
      const r = await ctx.mcpReq.requestSampling({
        messages: [{ role: 'user', content: { type: 'text', text: args.text } }],
        maxTokens: 16,
      });
      const c = Array.isArray(r.content) ? r.content[0] : r.content;
      return { content: [{ type: 'text', text: `sampled: ${c?.type === 'text' ? c.text : ''}` }] };
    },
  );
  s.registerTool(
    'ask_user',
    { description: 'Asks the user (elicitation).', inputSchema: textArg },
    async (args, ctx) => {
      st.calls.push({ name: 'ask_user', args });
      const r = await ctx.mcpReq.elicitInput({
        mode: 'form',
        message: args.text,
        requestedSchema: { type: 'object', properties: { answer: { type: 'string' } } },
      });
      return { content: [{ type: 'text', text: `${r.action}: ${String(r.content?.answer ?? '')}` }] };
    },
  );
  s.registerTool('add_tool', { description: 'Adds the tool extra.', inputSchema: noArgs }, (args) => {
    st.calls.push({ name: 'add_tool', args });
    st.extra = true;
    // After the answer, so the client hears of the change once the call is done.
    setImmediate(st.changed);
    return { content: [{ type: 'text', text: 'added' }] };
  });
  s.registerTool(
    'touch',
    { description: 'Tells subscribers a resource changed.', inputSchema: textArg },
    (args) => {
      st.calls.push({ name: 'touch', args });
      setImmediate(() => st.touched(args.text));
      return { content: [{ type: 'text', text: 'touched' }] };
    },
  );
  s.registerResource('live', LIVE_URI, { mimeType: 'text/plain' }, (uri) => ({
    contents: [{ uri: uri.href, text: 'live' }],
  }));
  const subs = new Set<string>();
  st.subscribed.set(s, subs);
  s.server.setRequestHandler('resources/subscribe', (req) => {
    subs.add(req.params.uri);
    return {};
  });
  s.server.setRequestHandler('resources/unsubscribe', (req) => {
    subs.delete(req.params.uri);
    return {};
  });
  if (st.extra) addExtra(s, st);
}

/**
 * Registers `extra` (on a connected server the SDK tells its client the list changed); a server
 * that has it already just tells its client again.
 */
export function addExtra(s: McpServer, st: ExtrasState): void {
  if (withExtra.has(s)) {
    s.sendToolListChanged();
    return;
  }
  withExtra.add(s);
  s.registerTool('extra', { description: 'Added at run time.', inputSchema: noArgs }, (args) => {
    st.calls.push({ name: 'extra', args });
    return { content: [{ type: 'text', text: 'extra' }] };
  });
}

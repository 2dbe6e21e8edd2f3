/**
 * Picks the exchange for one ext_proc stream from its request headers: an MCP route's guard when an
 * MCP route matches (they are tried first), the AI exchange otherwise. Every later message goes to
 * the one picked.
 */
import type { McpRoute } from '../../config/standalone/types.js';
import type {
  BodyEndOutcome,
  ChunkOutcome,
  Direction,
  Exchange,
  HeaderEdits,
  HeaderView,
  HeadersOutcome,
  LocalReply,
  MessageContext,
} from '../types.js';

type Awaitable<T> = T | Promise<T>;

export class RoutedExchange implements Exchange {
  private inner: Exchange | undefined;

  constructor(
    private readonly mcpRoute: (headers: HeaderView) => McpRoute | undefined,
    private readonly mcp: (route: McpRoute) => Exchange,
    private readonly ai: () => Exchange,
  ) {}

  private pick(headers: HeaderView): Exchange {
    if (!this.inner) {
      const route = this.mcpRoute(headers);
      this.inner = route ? this.mcp(route) : this.ai();
    }
    return this.inner;
  }

  headers(dir: Direction, headers: HeaderView, eos: boolean, ctx: MessageContext): Awaitable<HeadersOutcome> {
    const inner = dir === 'request' ? this.pick(headers) : this.inner;
    return inner ? inner.headers(dir, headers, eos, ctx) : { bodyPlan: 'observe' };
  }

  chunk(dir: Direction, chunk: Buffer): Awaitable<ChunkOutcome> {
    return this.inner ? this.inner.chunk(dir, chunk) : {};
  }

  end(dir: Direction, body: Buffer | undefined, complete: boolean): Awaitable<BodyEndOutcome> {
    return this.inner ? this.inner.end(dir, body, complete) : {};
  }

  trailers(dir: Direction, trailers: HeaderView): Awaitable<{ readonly headers?: HeaderEdits }> {
    return this.inner ? this.inner.trailers(dir, trailers) : {};
  }

  tooLarge(dir: Direction): LocalReply | undefined {
    return this.inner?.tooLarge?.(dir);
  }

  close(outcome: 'completed' | 'cancelled' | 'error' | 'local-reply'): void {
    this.inner?.close(outcome);
  }
}

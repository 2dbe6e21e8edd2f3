/**
 * A 2026-07-28 client's `subscriptions/listen` that names resources (`resourceSubscriptions`, the
 * client-facing URIs). Each URI the caller may subscribe to, whose server supports subscriptions,
 * is held upstream through the shared clients (SharedSubscriptions) for as long as the listen
 * stream is open; the filter the SDK's listen router sees is narrowed to those, so its
 * acknowledgement tells the client which URIs it got. Updates are published once on the SDK's
 * notifier with the client-facing URI, and its router sends them to the streams that named it.
 */
import type { McpGatewayConfig } from '../config/standalone/mcp-gateway.js';
import { isObj } from '../json.js';
import type { McpIdentity } from '../mcp/index.js';
import { namesOf } from './federation-server.js';
import type { SharedSubscriptions, UpdateSink } from './subscriptions.js';
import type { UpstreamPool } from './upstream.js';

/** URIs one listen request may name (bounds the upstream work a request can cause). */
export const MAX_LISTEN_URIS = 100;

/** The resource URIs a `subscriptions/listen` request names (undefined: not such a request). */
export function listenedUris(parsed: unknown): string[] | undefined {
  if (!isObj(parsed) || parsed.method !== 'subscriptions/listen' || !isObj(parsed.params)) return undefined;
  const filter = parsed.params.notifications;
  if (!isObj(filter) || !Array.isArray(filter.resourceSubscriptions)) return undefined;
  const uris = filter.resourceSubscriptions.filter((u): u is string => typeof u === 'string');
  return [...new Set(uris)].slice(0, MAX_LISTEN_URIS);
}

export class ListenSubscriptions {
  constructor(
    private readonly pool: UpstreamPool,
    private readonly shared: SharedSubscriptions,
    /** Publishes an update (client-facing URI) to the listen streams. */
    private readonly publish: (uri: string) => void,
    private readonly config: () => McpGatewayConfig | undefined,
  ) {}

  /** The updates of the shared subscriptions these streams hold: published with the URI clients know. */
  private readonly sinkUpdated = (server: string, uri: string): void => {
    const config = this.config();
    if (config) this.publish(namesOf(config).showUri(server, uri));
  };

  /** Serves the listen request with the URIs held upstream while its stream is open. */
  async serve(
    parsed: Record<string, unknown>,
    uris: readonly string[],
    identity: McpIdentity,
    config: McpGatewayConfig,
    serve: (body: unknown) => Promise<Response>,
  ): Promise<Response> {
    const held = await Promise.all(
      uris.map(async (uri) => ({ uri, release: await this.hold(uri, identity, config) })),
    );
    const kept = held.filter((h) => h.release !== undefined);
    let released = false;
    const releaseAll = () => {
      if (released) return;
      released = true;
      for (const h of kept) h.release?.();
    };
    let res: Response;
    try {
      res = await serve(
        withUris(
          parsed,
          kept.map((h) => h.uri),
        ),
      );
    } catch (err) {
      releaseAll();
      throw err;
    }
    if (!res.body || !res.headers.get('content-type')?.startsWith('text/event-stream')) {
      releaseAll();
      return res;
    }
    return new Response(untilEnd(res.body, releaseAll), { status: res.status, headers: res.headers });
  }

  /** Holds `shown` for one stream; undefined when refused (rules, no such server, no capability, failure). */
  private async hold(
    shown: string,
    identity: McpIdentity,
    config: McpGatewayConfig,
  ): Promise<(() => void) | undefined> {
    if (!config.policy.decide('resources/subscribe', { uri: shown }, identity).allow) return undefined;
    const target = namesOf(config).resolveUri(shown);
    if (!target || !(await this.pool.subscribable(target.server))) return undefined;
    const sink: UpdateSink = { updated: this.sinkUpdated };
    const timeout = config.servers.find((s) => s.name === target.server)?.timeoutMs ?? config.timeoutMs;
    try {
      await this.shared.acquire(target.server, target.name, sink, timeout);
    } catch {
      return undefined;
    }
    return () => void this.shared.release(target.server, target.name, sink);
  }
}

/** The listen request with its resourceSubscriptions replaced by `uris`. */
function withUris(parsed: Record<string, unknown>, uris: string[]): Record<string, unknown> {
  const params = parsed.params as Record<string, unknown>;
  const notifications = params.notifications as Record<string, unknown>;
  return {
    ...parsed,
    params: { ...params, notifications: { ...notifications, resourceSubscriptions: uris } },
  };
}

/** The same body; `done` runs once when it ends, fails or is cancelled (the client went away). */
function untilEnd(body: ReadableStream<Uint8Array>, done: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(c) {
      try {
        const next = await reader.read();
        if (next.done) {
          done();
          c.close();
        } else c.enqueue(next.value);
      } catch (err) {
        done();
        c.error(err);
      }
    },
    cancel(reason) {
      done();
      return reader.cancel(reason);
    },
  });
}

/**
 * The guardrails webhook client (docs/reference/kgateway-contract.md §3.4, docs/reference/webhooks-openapi.yaml).
 *
 *   POST {scheme}://{host}:{port}/request   {"body":{"messages":[{"role","content"}, ...]}}
 *   POST {scheme}://{host}:{port}/response  {"body":{"choices":[{"message":{"role","content"}}, ...]}}
 *
 * Headers: `content-type: application/json`, `accept: application/json`, the forwarded client headers
 * (see headers.ts), and `traceparent` / `tracestate` when the caller passes them.
 *
 * Choices (deliberate differences from the Python original are marked):
 *   - Only 2xx replies are parsed. The OpenAPI defines the actions only for 200 (422 is FastAPI's validation
 *     error), so any other status is a WebhookError (kind `status`). The original parsed the body whatever
 *     the status.
 *   - A mask whose message/choice count differs from what was sent is a WebhookError (kind
 *     `count_mismatch`), so the caller applies the contract's error rule. The original logged and ignored it.
 *   - A mask is returned as a mask even when every content is unchanged; compare with the input if you need
 *     to know whether anything changed.
 *   - Every failure is a {@link WebhookError}; the deadline signal fails the call promptly even if the
 *     injected HTTP client ignores it.
 */
import { HttpClientError, urlHost } from '../http-client.js';
import type { HttpClient } from '../http-client.js';
import type { WebhookGuard } from '../config.js';
import { compileHeaderMatches, selectForwardHeaders } from './headers.js';
import type { CompiledHeaderMatches } from './headers.js';
import { parseRequestReply, parseResponseReply } from './parse.js';
import { DEFAULT_WEBHOOK_TIMEOUT_MS, WebhookError } from './types.js';
import type {
  WebhookCallOptions,
  WebhookMessage,
  WebhookRequestVerdict,
  WebhookResponseVerdict,
} from './types.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export class WebhookGuardClient {
  readonly #http: HttpClient;
  readonly #cfg: WebhookGuard;
  readonly #matches: CompiledHeaderMatches;

  /** Compiles the header matches once; an invalid RegularExpression throws GuardConfigError. */
  constructor(http: HttpClient, cfg: WebhookGuard) {
    this.#http = http;
    this.#cfg = cfg;
    this.#matches = compileHeaderMatches(cfg.forwardHeaderMatches);
  }

  /** Gives its compiled header patterns back (the guard cache calls it when a config drops it). */
  release(): void {
    this.#matches.release();
  }

  /** The endpoint URL for a phase, e.g. for the `ai.webhook.endpoint` span attribute. */
  endpoint(phase: 'request' | 'response', scheme: 'https' | 'http'): string {
    return `${scheme}://${urlHost(this.#cfg.host)}:${this.#cfg.port}/${phase}`;
  }

  async checkRequest(
    messages: ReadonlyArray<WebhookMessage>,
    opts: WebhookCallOptions,
  ): Promise<WebhookRequestVerdict> {
    const payload = { body: { messages: messages.map((m) => ({ role: m.role, content: m.content })) } };
    const json = await this.#call('request', payload, opts);
    return parseRequestReply(json, messages.length);
  }

  /**
   * `choices`: one entry per choice / content block / streaming segment. A plain string means
   * `{role: "assistant", content}`; pass objects to control the role (`""` for streaming segments, the
   * body's role for Anthropic).
   */
  async checkResponse(
    choices: ReadonlyArray<WebhookMessage | string>,
    opts: WebhookCallOptions,
  ): Promise<WebhookResponseVerdict> {
    const payload = {
      body: {
        choices: choices.map((c) => ({
          message:
            typeof c === 'string' ? { role: 'assistant', content: c } : { role: c.role, content: c.content },
        })),
      },
    };
    const json = await this.#call('response', payload, opts);
    return parseResponseReply(json, choices.length);
  }

  async #call(phase: 'request' | 'response', payload: unknown, opts: WebhookCallOptions): Promise<unknown> {
    const url = this.endpoint(phase, opts.scheme);
    if (opts.deadline.aborted)
      throw new WebhookError('timeout', `${url}: guard deadline exceeded before the call`);

    const headers: Record<string, string> = selectForwardHeaders(this.#matches, opts.headers);
    if (opts.traceparent) headers.traceparent = opts.traceparent;
    if (opts.tracestate) headers.tracestate = opts.tracestate;
    headers['content-type'] = 'application/json';
    headers.accept = 'application/json';

    const timeoutMs = Math.max(1, Math.floor(opts.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS));
    let res;
    try {
      res = await raceDeadline(
        this.#http.request({
          url,
          method: 'POST',
          headers,
          body: encoder.encode(JSON.stringify(payload)),
          timeoutMs,
          signal: opts.deadline,
          insecureSkipVerify: opts.insecureSkipVerify,
        }),
        opts.deadline,
      );
    } catch (e) {
      throw toWebhookError(url, e);
    }
    if (res.status < 200 || res.status > 299)
      throw new WebhookError('status', `${url}: webhook answered HTTP ${res.status}`, { status: res.status });
    let text: string;
    try {
      text = decoder.decode(res.body);
    } catch (e) {
      throw new WebhookError('invalid_json', `${url}: reply is not UTF-8`, { cause: e });
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      throw new WebhookError('invalid_json', `${url}: reply is not JSON`, { cause: e });
    }
  }
}

class DeadlineExceeded extends Error {}

/** Resolves/rejects with `p`, or rejects as soon as `signal` aborts (whatever the HTTP client does). */
function raceDeadline<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new DeadlineExceeded());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

function toWebhookError(url: string, e: unknown): WebhookError {
  if (e instanceof DeadlineExceeded) return new WebhookError('timeout', `${url}: guard deadline exceeded`);
  if (e instanceof HttpClientError) {
    if (e.kind === 'aborted')
      return new WebhookError('timeout', `${url}: guard deadline exceeded`, { cause: e });
    if (e.kind === 'timeout') return new WebhookError('timeout', e.message, { cause: e });
    return new WebhookError('network', e.message, { cause: e });
  }
  return new WebhookError('network', `${url}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}

/**
 * OpenAI moderation guard client (docs/reference/kgateway-contract.md §3.2 step 5).
 *
 *   POST {baseUrl}/moderations   {"input": <text>, "model": <model>}
 *   → {"results":[{"flagged": bool, "categories": {name: bool}, ...}]}
 *
 * - `baseUrl` is `OPENAI_BASE_URL` or `https://api.openai.com/v1` (the OpenAI SDK's rule); the caller reads
 *   the environment. TLS is always verified.
 * - Model: `cfg.model`, or `omni-moderation-latest` when empty.
 * - Token precedence: the inline token (`authToken.kind: Inline`); else, when `authToken.kind` is
 *   `Passthrough`, the client's Authorization header minus a leading "Bearer " (case-sensitive, as in the
 *   original); else the `OPENAI_API_KEY` env value. The client's header is used ONLY under Passthrough, so
 *   a route without that setting never sends the client's credential to the moderation API. No token at all
 *   is a ModerationError (kind `missing_token`) without a call.
 * - Flagged when ANY result is flagged; `categories` lists the true category names (deduplicated, in order).
 * - Retries like the OpenAI SDK (408/409/429/5xx and network errors), but bounded for a gateway: by default one
 *   retry after 200 ms (or a `retry-after`/`retry-after-ms` of at most 1 s), and never past the deadline.
 * - Errors never carry the token, the input, or the API's error message (which can echo a partial key);
 *   they carry the endpoint, the status and the API's error `type`/`code`.
 */
import { HttpClientError } from '../http-client.js';
import type { HttpClient, HttpResponse } from '../http-client.js';
import type { ModerationGuard } from '../config.js';
import { isObj } from '../../json.js';

export const DEFAULT_MODERATION_MODEL = 'omni-moderation-latest';
export const DEFAULT_OPENAI_BASE_URL = 'https://api.openai.com/v1';
/** Per-call cap when the caller gives none (the whole guard deadline is 4 s by default). */
export const DEFAULT_MODERATION_TIMEOUT_MS = 4000;

export interface ModerationVerdict {
  readonly flagged: boolean;
  readonly categories: string[];
}

export type ModerationErrorKind =
  'missing_token' | 'network' | 'timeout' | 'status' | 'invalid_json' | 'schema';

export class ModerationError extends Error {
  override readonly name = 'ModerationError';
  /** The HTTP status, for kind `status`. */
  readonly status: number | undefined;
  constructor(
    readonly kind: ModerationErrorKind,
    message: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.status = options?.status;
  }
}

export interface ModerationClientOptions {
  /** `OPENAI_BASE_URL`, or {@link DEFAULT_OPENAI_BASE_URL}. Trailing slashes are ignored. */
  readonly baseUrl: string;
  /** `OPENAI_API_KEY`. */
  readonly envApiKey: string | undefined;
  /** `OPENAI_ORG_ID` / `OPENAI_PROJECT_ID`, sent as OpenAI-Organization / OpenAI-Project like the SDK. */
  readonly organization?: string | undefined;
  readonly project?: string | undefined;
  /** Retries after a retryable failure. Default 1. */
  readonly maxRetries?: number | undefined;
  /** First retry delay in ms (doubles per retry). Default 200. */
  readonly retryDelayMs?: number | undefined;
}

export interface ModerationCheckOptions {
  /** The client's Authorization header value (used only when the config says Passthrough). */
  readonly passthroughAuthorization: string | undefined;
  /** The shared guard deadline. */
  readonly deadline: AbortSignal;
  /** Cap for this call in ms, normally the time left until the deadline. Default 4000. */
  readonly timeoutMs?: number | undefined;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
const MAX_RETRY_AFTER_MS = 1000;

export function moderationToken(
  cfg: ModerationGuard,
  passthroughAuthorization: string | undefined,
  envApiKey: string | undefined,
): string | undefined {
  const tok = cfg.authToken;
  if (tok?.kind === 'Inline' && tok.inline.trim()) return tok.inline.trim();
  if (tok?.kind === 'Passthrough' && passthroughAuthorization !== undefined) {
    const v = passthroughAuthorization.startsWith('Bearer ')
      ? passthroughAuthorization.slice('Bearer '.length)
      : passthroughAuthorization;
    if (v.trim()) return v.trim();
  }
  if (envApiKey?.trim()) return envApiKey.trim();
  return undefined;
}

export class ModerationClient {
  readonly #http: HttpClient;
  readonly #url: string;
  readonly #envApiKey: string | undefined;
  readonly #extraHeaders: Record<string, string>;
  readonly #maxRetries: number;
  readonly #retryDelayMs: number;

  constructor(http: HttpClient, opts: ModerationClientOptions) {
    this.#http = http;
    this.#url = `${(opts.baseUrl || DEFAULT_OPENAI_BASE_URL).replace(/\/+$/, '')}/moderations`;
    this.#envApiKey = opts.envApiKey;
    this.#extraHeaders = {};
    if (opts.organization) this.#extraHeaders['openai-organization'] = opts.organization;
    if (opts.project) this.#extraHeaders['openai-project'] = opts.project;
    this.#maxRetries = Math.max(0, Math.floor(opts.maxRetries ?? 1));
    this.#retryDelayMs = Math.max(0, opts.retryDelayMs ?? 200);
  }

  /** The moderation endpoint (for logs and span attributes). */
  get url(): string {
    return this.#url;
  }

  async check(input: string, cfg: ModerationGuard, opts: ModerationCheckOptions): Promise<ModerationVerdict> {
    const token = moderationToken(cfg, opts.passthroughAuthorization, this.#envApiKey);
    if (token === undefined)
      throw new ModerationError(
        'missing_token',
        'no moderation API key (inline, passthrough or OPENAI_API_KEY)',
      );
    const model = cfg.model || DEFAULT_MODERATION_MODEL;
    const body = encoder.encode(JSON.stringify({ input, model }));
    const headers = {
      ...this.#extraHeaders,
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json',
    };
    const started = Date.now();
    const budget = Math.max(1, Math.floor(opts.timeoutMs ?? DEFAULT_MODERATION_TIMEOUT_MS));

    for (let attempt = 0; ; attempt++) {
      if (opts.deadline.aborted)
        throw new ModerationError('timeout', `${this.#url}: guard deadline exceeded`);
      const left = budget - (Date.now() - started);
      if (left <= 0) throw new ModerationError('timeout', `${this.#url}: timed out after ${budget} ms`);
      let res: HttpResponse | undefined;
      let failure: ModerationError;
      try {
        res = await this.#http.request({
          url: this.#url,
          method: 'POST',
          headers,
          body,
          timeoutMs: left,
          signal: opts.deadline,
        });
      } catch (e) {
        failure = this.#networkError(e);
        if (failure.kind === 'timeout' || attempt >= this.#maxRetries) throw failure;
        await this.#sleep(this.#retryDelayMs * 2 ** attempt, opts.deadline, failure);
        continue;
      }
      if (res.status >= 200 && res.status <= 299) return this.#parse(res);
      failure = this.#statusError(res);
      if (!retryableStatus(res.status) || attempt >= this.#maxRetries) throw failure;
      const delay = retryAfterMs(res.headers) ?? this.#retryDelayMs * 2 ** attempt;
      if (delay > MAX_RETRY_AFTER_MS) throw failure;
      await this.#sleep(delay, opts.deadline, failure);
    }
  }

  #networkError(e: unknown): ModerationError {
    if (e instanceof HttpClientError) {
      if (e.kind === 'aborted')
        return new ModerationError('timeout', `${this.#url}: guard deadline exceeded`, { cause: e });
      if (e.kind === 'timeout') return new ModerationError('timeout', e.message, { cause: e });
      return new ModerationError('network', e.message, { cause: e });
    }
    return new ModerationError('network', `${this.#url}: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }

  #statusError(res: HttpResponse): ModerationError {
    let detail = '';
    try {
      const j = JSON.parse(decoder.decode(res.body)) as unknown;
      const err = isObj(j) && isObj(j.error) ? j.error : undefined;
      const parts = [err?.type, err?.code].filter((x): x is string => typeof x === 'string' && x !== '');
      if (parts.length) detail = ` (${parts.join('/')})`;
    } catch {
      // not JSON: status only
    }
    return new ModerationError(
      'status',
      `${this.#url}: moderation API answered HTTP ${res.status}${detail}`,
      {
        status: res.status,
      },
    );
  }

  #parse(res: HttpResponse): ModerationVerdict {
    let j: unknown;
    try {
      j = JSON.parse(decoder.decode(res.body));
    } catch (e) {
      throw new ModerationError('invalid_json', `${this.#url}: reply is not JSON`, { cause: e });
    }
    if (!isObj(j) || !Array.isArray(j.results))
      throw new ModerationError('schema', `${this.#url}: reply has no \`results\` list`);
    let flagged = false;
    const categories: string[] = [];
    for (const [i, r] of j.results.entries()) {
      if (!isObj(r) || typeof r.flagged !== 'boolean')
        throw new ModerationError('schema', `${this.#url}: results[${i}].flagged must be a boolean`);
      flagged ||= r.flagged;
      if (isObj(r.categories))
        for (const [name, on] of Object.entries(r.categories))
          if (on === true && !categories.includes(name)) categories.push(name);
    }
    return { flagged, categories };
  }

  #sleep(ms: number, signal: AbortSignal, failure: ModerationError): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        clearTimeout(t);
        reject(failure);
      };
      const t = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

function retryableStatus(s: number): boolean {
  return s === 408 || s === 409 || s === 429 || s >= 500;
}

function retryAfterMs(headers: Readonly<Record<string, string>>): number | undefined {
  const ms = Number(headers['retry-after-ms']);
  if (headers['retry-after-ms'] !== undefined && Number.isFinite(ms) && ms >= 0) return ms;
  const s = Number(headers['retry-after']);
  if (headers['retry-after'] !== undefined && Number.isFinite(s) && s >= 0) return s * 1000;
  return undefined;
}

/**
 * A local OpenAI moderation API for unit and end-to-end tests (point `OPENAI_BASE_URL` at `baseUrl`).
 *
 *   POST /v1/moderations  {"input": string | string[], "model"?: string}
 *     - no `Authorization: Bearer <token>` (or an empty token) → 401, OpenAI error shape;
 *     - body not JSON, or no string/string[] `input`           → 400;
 *     - an input containing "explode-moderation"               → 500 server_error;
 *     - otherwise one result per input: flagged (category `violence`) when it contains the flag word
 *       (default "kill", case-insensitive).
 *   Any other path → 404.
 *
 * `handler` may answer first (return undefined to fall through to the rules above), e.g. to script a
 * 503-then-200 sequence.
 */
import http from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';

export interface RecordedModerationCall {
  path: string;
  /** Lower-cased names. */
  headers: Record<string, string>;
  json: unknown;
  /** The Bearer token, if any. */
  token: string | undefined;
}

export interface ModerationReply {
  status?: number;
  json: unknown;
  headers?: Record<string, string>;
}

export interface ModerationMockOptions {
  /** Inputs containing this word (case-insensitive) are flagged. Default "kill". */
  flagWord?: string;
  handler?: (
    json: unknown,
    call: RecordedModerationCall,
  ) => ModerationReply | undefined | Promise<ModerationReply | undefined>;
}

export interface ModerationMock {
  /** e.g. `http://127.0.0.1:40111/v1` — the OPENAI_BASE_URL form. */
  baseUrl: string;
  port: number;
  requests: RecordedModerationCall[];
  close(): Promise<void>;
}

export const MODERATION_CATEGORIES = [
  'harassment',
  'harassment/threatening',
  'hate',
  'hate/threatening',
  'illicit',
  'illicit/violent',
  'self-harm',
  'self-harm/instructions',
  'self-harm/intent',
  'sexual',
  'sexual/minors',
  'violence',
  'violence/graphic',
] as const;

function openaiError(status: number, message: string, type: string, code: string | null): ModerationReply {
  return { status, json: { error: { message, type, param: null, code } } };
}

function result(flagged: boolean): unknown {
  const categories: Record<string, boolean> = {};
  const scores: Record<string, number> = {};
  for (const c of MODERATION_CATEGORIES) {
    const on = flagged && c === 'violence';
    categories[c] = on;
    scores[c] = on ? 0.97 : 0.0001;
  }
  return { flagged, categories, category_scores: scores };
}

let seq = 0;

export async function startModerationMock(opts: ModerationMockOptions = {}): Promise<ModerationMock> {
  const flagWord = (opts.flagWord ?? 'kill').toLowerCase();
  const requests: RecordedModerationCall[] = [];

  const answer = async (req: IncomingMessage, raw: string): Promise<ModerationReply> => {
    const pathOnly = (req.url ?? '/').split('?')[0] ?? '/';
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      json = undefined;
    }
    const auth = headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7).trim() || undefined : undefined;
    if (req.method !== 'POST' || pathOnly !== '/v1/moderations')
      return openaiError(
        404,
        `Unknown request URL: ${req.method} ${pathOnly}`,
        'invalid_request_error',
        null,
      );
    const call: RecordedModerationCall = { path: pathOnly, headers, json, token };
    requests.push(call);
    const custom = await opts.handler?.(json, call);
    if (custom) return custom;
    if (token === undefined)
      return openaiError(401, "You didn't provide an API key.", 'invalid_request_error', 'invalid_api_key');
    const input = typeof json === 'object' && json !== null ? (json as { input?: unknown }).input : undefined;
    const inputs =
      typeof input === 'string'
        ? [input]
        : Array.isArray(input) && input.every((x) => typeof x === 'string')
          ? input
          : undefined;
    if (inputs === undefined)
      return openaiError(400, "'input' is a required property", 'invalid_request_error', null);
    if (inputs.some((s) => s.includes('explode-moderation')))
      return openaiError(500, 'The server had an error while processing your request.', 'server_error', null);
    const model = (json as { model?: unknown }).model;
    return {
      json: {
        id: `modr-mock-${++seq}`,
        model: typeof model === 'string' ? model : 'omni-moderation-latest',
        results: inputs.map((s) => result(s.toLowerCase().includes(flagWord))),
      },
    };
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void answer(req, Buffer.concat(chunks).toString('utf8')).then(
        (r) => {
          if (res.destroyed) return;
          res.writeHead(r.status ?? 200, { 'content-type': 'application/json', ...r.headers });
          res.end(JSON.stringify(r.json));
        },
        (e: unknown) => {
          if (!res.destroyed) res.writeHead(500).end(String(e));
        },
      );
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

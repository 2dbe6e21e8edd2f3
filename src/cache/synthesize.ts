/**
 * A hit as the client's API would have answered it: the stored canonical completion rendered by
 * the client adapter (JSON), or, for a stream request, a complete SSE body built from it by the
 * same stream encoder a live answer goes through (OpenAI chunks and [DONE]; Anthropic
 * message_start … message_stop; Responses response.created … response.completed). One body: an immediate response cannot stream, and it need not.
 */
import crypto from 'node:crypto';
import { clientAdapter } from '../providers/translate/registry.js';
import { geminiCall, geminiClientFor } from '../providers/gemini-client/index.js';
import type { ClientApi } from '../providers/translate/types.js';
import type { CacheEntry } from './types.js';

type Json = Record<string, unknown>;

export interface SynthesizedHit {
  readonly body: string;
  readonly contentType: string;
}

export interface HitRequest {
  readonly api: ClientApi;
  readonly stream: boolean;
  /** OpenAI clients: the request asked for the usage chunk. */
  readonly includeUsage: boolean;
  /** The request path: a Gemini client's stream form (SSE or the JSON array) is in it. */
  readonly path?: string;
}

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function freshId(api: ClientApi): string {
  const r = crypto.randomBytes(12).toString('hex');
  return api === 'anthropic'
    ? `msg_cache_${r}`
    : api === 'openai-responses'
      ? `resp_cache_${r}`
      : `chatcmpl-cache-${r}`;
}

/** The chunks a live OpenAI stream of this completion would have had (one delta per part). */
function chunksOf(c: Json, id: string, created: number, includeUsage: boolean): Json[] {
  const model = c.model;
  const choice = (Array.isArray(c.choices) ? c.choices[0] : undefined) as unknown;
  const m = isObj(choice) && isObj(choice.message) ? choice.message : {};
  const finish = isObj(choice) ? choice.finish_reason : 'stop';
  const base = { id, object: 'chat.completion.chunk', created, model };
  const out: Json[] = [
    { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
  ];
  if (typeof m.content === 'string' && m.content !== '')
    out.push({ ...base, choices: [{ index: 0, delta: { content: m.content }, finish_reason: null }] });
  if (Array.isArray(m.tool_calls))
    (m.tool_calls as unknown[]).forEach((t, index) => {
      if (!isObj(t) || !isObj(t.function)) return;
      out.push({
        ...base,
        choices: [
          {
            index: 0,
            delta: { tool_calls: [{ index, id: t.id, type: 'function', function: t.function }] },
            finish_reason: null,
          },
        ],
      });
    });
  out.push({ ...base, choices: [{ index: 0, delta: {}, finish_reason: finish }] });
  if (includeUsage) out.push({ ...base, choices: [], usage: c.usage });
  return out;
}

export function synthesizeHit(entry: CacheEntry, req: HitRequest, now = Date.now()): SynthesizedHit {
  const id = freshId(req.api);
  const created = Math.floor(now / 1000);
  const completion: Json = { ...entry.completion, id, created };
  const client = req.api === 'gemini' ? geminiClientFor(geminiCall(req.path ?? '')) : clientAdapter(req.api);
  if (!req.stream)
    return { body: JSON.stringify(client.response(completion)), contentType: 'application/json' };
  const enc = client.stream();
  // Anthropic's message_delta, Responses' response.completed and Gemini's last chunk carry the
  // usage: their encoders always get the usage chunk.
  const usage =
    req.includeUsage || req.api === 'anthropic' || req.api === 'openai-responses' || req.api === 'gemini';
  const body = enc.push(chunksOf(completion, id, created, usage)) + enc.end();
  return { body, contentType: client.streamContentType ?? 'text/event-stream' };
}

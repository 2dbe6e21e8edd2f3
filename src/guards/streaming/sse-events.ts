/**
 * The guarded text inside one provider SSE event, with setters that rewrite it in place.
 * A "channel" is one independent text stream: an OpenAI choice index, an Anthropic content block
 * index, or a Gemini candidate index.
 */
import type { StreamEvent } from '../../streaming/stream-event.js';
import type { ProviderFamily } from '../../provider-family.js';
import type { JsonObject } from '../../json.js';
import { isObj } from '../../json.js';

export interface TextPiece {
  readonly channel: number;
  readonly text: string;
  set(value: string): void;
}

/** One SSE event, parsed once; its text pieces rewrite the parsed JSON and mark it modified. */
export class GuardedEvent {
  modified = false;
  pieces: readonly TextPiece[] = [];
  /** The channels this event belongs to (none: a stream-wide event, such as usage or [DONE]). */
  channels: readonly number[] = [];
  /** The channels this event finishes (a finish_reason, content_block_stop). */
  ends: readonly number[] = [];
  constructor(
    readonly event: StreamEvent,
    /** Parsed data, when it is a JSON object. */
    readonly json: Record<string, unknown> | undefined,
  ) {}
}

function openAiPieces(json: JsonObject, mark: () => void): TextPiece[] {
  const out: TextPiece[] = [];
  const choices = Array.isArray(json.choices) ? (json.choices as unknown[]) : [];
  choices.forEach((c, i) => {
    if (!isObj(c)) return;
    // The legacy completions API (/v1/completions) streams `choices[].text`.
    if (!isObj(c.delta) && typeof c.text === 'string' && c.text !== '') {
      const choice = c;
      out.push({
        channel: typeof c.index === 'number' ? c.index : i,
        text: c.text,
        set: (v) => {
          choice.text = v;
          mark();
        },
      });
      return;
    }
    if (!isObj(c.delta) || typeof c.delta.content !== 'string' || c.delta.content === '') return;
    const delta = c.delta;
    out.push({
      channel: typeof c.index === 'number' ? c.index : i,
      text: delta.content as string,
      set: (v) => {
        delta.content = v;
        mark();
      },
    });
  });
  return out;
}

function anthropicPieces(json: JsonObject, mark: () => void): TextPiece[] {
  const channel = typeof json.index === 'number' ? json.index : 0;
  if (json.type === 'content_block_delta' && isObj(json.delta) && json.delta.type === 'text_delta') {
    const delta = json.delta;
    if (typeof delta.text !== 'string' || delta.text === '') return [];
    return [{ channel, text: delta.text, set: (v) => ((delta.text = v), mark()) }];
  }
  if (
    json.type === 'content_block_start' &&
    isObj(json.content_block) &&
    json.content_block.type === 'text'
  ) {
    const block = json.content_block;
    if (typeof block.text !== 'string' || block.text === '') return [];
    return [{ channel, text: block.text, set: (v) => ((block.text = v), mark()) }];
  }
  return [];
}

function geminiPieces(json: JsonObject, mark: () => void): TextPiece[] {
  const out: TextPiece[] = [];
  const candidates = Array.isArray(json.candidates) ? (json.candidates as unknown[]) : [];
  candidates.forEach((cand, i) => {
    if (!isObj(cand) || !isObj(cand.content) || !Array.isArray(cand.content.parts)) return;
    const parts = (cand.content.parts as unknown[]).filter(
      (p): p is JsonObject => isObj(p) && typeof p.text === 'string' && p.thought !== true,
    );
    const text = parts.map((p) => p.text as string).join('');
    if (text === '') return;
    out.push({
      channel: typeof cand.index === 'number' ? cand.index : i,
      text,
      set: (v) => {
        parts.forEach((p, k) => (p.text = k === 0 ? v : ''));
        mark();
      },
    });
  });
  return out;
}

export function guardedEvent(family: ProviderFamily, event: StreamEvent): GuardedEvent {
  let json: JsonObject | undefined = event.json;
  if (json === undefined && event.data.trimStart().startsWith('{')) {
    try {
      const parsed = JSON.parse(event.data) as unknown;
      if (isObj(parsed)) json = parsed;
    } catch {
      /* not JSON: passes through as it is */
    }
  }
  const ev = new GuardedEvent(event, json);
  if (!json) return ev;
  const mark = (): void => {
    ev.modified = true;
  };
  ev.pieces =
    family === 'anthropic'
      ? anthropicPieces(json, mark)
      : family === 'gemini'
        ? geminiPieces(json, mark)
        : openAiPieces(json, mark);
  setChannels(family, json, ev);
  return ev;
}

/** Which channels an event belongs to and which it finishes. */
function setChannels(family: ProviderFamily, json: JsonObject, ev: GuardedEvent): void {
  if (family === 'anthropic') {
    if (typeof json.index !== 'number' || typeof json.type !== 'string') return;
    if (!json.type.startsWith('content_block_')) return;
    ev.channels = [json.index];
    if (json.type === 'content_block_stop') ev.ends = [json.index];
    return;
  }
  const list = family === 'gemini' ? json.candidates : json.choices;
  if (!Array.isArray(list)) return;
  const channels: number[] = [];
  const ends: number[] = [];
  (list as unknown[]).forEach((c, i) => {
    if (!isObj(c)) return;
    const channel = typeof c.index === 'number' ? c.index : i;
    channels.push(channel);
    const reason = family === 'gemini' ? c.finishReason : c.finish_reason;
    if (typeof reason === 'string' && reason !== '') ends.push(channel);
  });
  ev.channels = channels;
  ev.ends = ends;
}

/** The event to send: a modified event carries its re-serialized JSON, others their original data. */
export function releasedEvent(ev: GuardedEvent): StreamEvent {
  if (!ev.modified || !ev.json) return ev.event;
  const out: { event?: string; id?: string; data: string; json: JsonObject } = {
    data: JSON.stringify(ev.json),
    json: ev.json,
  };
  if (ev.event.event !== undefined) out.event = ev.event.event;
  if (ev.event.id !== undefined) out.id = ev.event.id;
  return out;
}

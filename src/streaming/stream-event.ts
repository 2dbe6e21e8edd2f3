/**
 * The event form the exchange's stages see on a streamed response: one SSE event, plus its parsed
 * JSON when whoever produced the event already had it (a translating codec builds its events from
 * objects), so no stage parses it again. A stage that rewrites `json` sets `data` to match.
 */
import type { SseEvent } from './sse-decoder.js';

export interface StreamEvent extends SseEvent {
  readonly json?: Record<string, unknown>;
}

/** One event as SSE text: `event:` and `id:` when present, one `data:` line per line of data. */
export function encodeSse(ev: SseEvent): string {
  let out = ev.event ? `event: ${ev.event}\n` : '';
  if (ev.id !== undefined) out += `id: ${ev.id}\n`;
  for (const line of ev.data.split('\n')) out += `data: ${line}\n`;
  return out + '\n';
}

export function encodeSseAll(events: readonly SseEvent[]): string {
  let out = '';
  for (const ev of events) out += encodeSse(ev);
  return out;
}

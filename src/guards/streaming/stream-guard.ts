/**
 * Streaming response guard over provider SSE (docs/reference/kgateway-contract.md §3.6, made leak-proof).
 *
 * Text deltas are held per channel until a window is ready: at least `minWindowChars`, cut at the
 * last sentence boundary (`([.?!;] +\n*|\n+)`), and never later than what the regex guard says is
 * safe (`holdBack`: a tail that could still grow into a match stays held). Windows are cut on event
 * boundaries, so events are never split. Each window goes through the webhook, then the regex;
 * when its text changed, the first event of the window carries the new text and the others carry
 * "". A channel's held text is released as soon as the channel finishes (its finish_reason,
 * content_block_stop). Events leave in their original order, except that an event of one channel
 * may overtake held events of other channels (choices are independent streams), so one choice's
 * held text never holds back the others; stream-wide events (usage, [DONE]) keep their place.
 * Unchanged events keep their original data.
 */
import type { StreamEvent } from '../../streaming/stream-event.js';
import { encodeSseAll } from '../../streaming/stream-event.js';
import type { ProviderFamily } from '../../provider-family.js';
import { guardedEvent, releasedEvent } from './sse-events.js';
import type { GuardedEvent, TextPiece } from './sse-events.js';

export interface StreamTextMasker {
  mask(text: string): { readonly text: string };
  holdBack(text: string): number;
}

export interface StreamWindow {
  readonly channel: number;
  readonly text: string;
}

/** Returns the masked text of each window, or undefined to pass them. Throws on webhook errors. */
export type WindowWebhook = (windows: readonly StreamWindow[]) => Promise<readonly string[] | undefined>;

export interface StreamGuardOptions {
  readonly minWindowChars?: number;
  /** Without a sentence boundary, a window is cut anyway once a channel holds this much text. */
  readonly maxWindowChars?: number;
}

export interface StreamGuardResult {
  /** The events that may be sent now, in order (rewritten ones carry their new data and json). */
  readonly events: readonly StreamEvent[];
  /** The same events as SSE text. */
  readonly bytes: string;
  /** Windows whose text the guards changed in this call. */
  readonly maskedWindows: number;
}

const BOUNDARY = /[.?!;] +\n*|\n+/g;

interface Pending {
  readonly ev: GuardedEvent;
  readonly piece: TextPiece;
}

export class StreamingResponseGuard {
  private readonly queue: GuardedEvent[] = [];
  private readonly released = new Set<TextPiece>();
  private readonly pending = new Map<number, Pending[]>();
  /** Channels that finished while text of theirs was still held. */
  private readonly finished = new Set<number>();
  private readonly minWindow: number;
  private readonly maxWindow: number;

  constructor(
    private readonly family: ProviderFamily,
    private readonly regex: StreamTextMasker | undefined,
    private readonly webhook: WindowWebhook | undefined,
    opts: StreamGuardOptions = {},
  ) {
    this.minWindow = opts.minWindowChars ?? 50;
    this.maxWindow = opts.maxWindowChars ?? 2048;
  }

  /** Takes decoded events; returns the SSE text that may be sent now. */
  push(events: readonly StreamEvent[]): Promise<StreamGuardResult> {
    for (const e of events) {
      const ev = guardedEvent(this.family, e);
      this.queue.push(ev);
      for (const piece of ev.pieces) {
        const list = this.pending.get(piece.channel) ?? [];
        list.push({ ev, piece });
        this.pending.set(piece.channel, list);
      }
      for (const c of ev.ends) if (this.pending.has(c)) this.finished.add(c);
    }
    return this.pump(false);
  }

  /** The stream ended: guard and release everything still held. */
  end(): Promise<StreamGuardResult> {
    return this.pump(true);
  }

  get heldEvents(): number {
    return this.queue.length;
  }

  private async pump(final: boolean): Promise<StreamGuardResult> {
    const windows: { channel: number; parts: Pending[]; text: string }[] = [];
    for (const [channel, list] of this.pending) {
      const n = this.piecesToRelease(list, final || this.finished.has(channel));
      if (n === 0) continue;
      const parts = list.slice(0, n);
      windows.push({ channel, parts, text: parts.map((p) => p.piece.text).join('') });
    }
    let masked = 0;
    if (windows.length > 0) {
      let texts: readonly string[] = windows.map((w) => w.text);
      if (this.webhook) {
        const fromHook = await this.webhook(windows.map((w) => ({ channel: w.channel, text: w.text })));
        if (fromHook) {
          if (fromHook.length !== windows.length)
            throw new Error('webhook returned a different number of windows');
          texts = fromHook;
        }
      }
      if (this.regex) texts = texts.map((t) => this.regex!.mask(t).text);
      windows.forEach((w, i) => {
        const text = texts[i]!;
        if (text !== w.text) {
          masked++;
          w.parts.forEach((p, k) => p.piece.set(k === 0 ? text : ''));
        }
        for (const p of w.parts) this.released.add(p.piece);
        const list = this.pending.get(w.channel)!;
        list.splice(0, w.parts.length);
        if (list.length === 0) {
          this.pending.delete(w.channel);
          this.finished.delete(w.channel);
        }
      });
    }
    const events = this.drain();
    return {
      events,
      maskedWindows: masked,
      get bytes() {
        return encodeSseAll(events);
      },
    };
  }

  /** How many of a channel's held pieces can be released now. */
  private piecesToRelease(list: readonly Pending[], final: boolean): number {
    if (final) return list.length;
    const text = list.map((p) => p.piece.text).join('');
    const safe = this.regex ? text.length - this.regex.holdBack(text) : text.length;
    if (text.length < this.minWindow || safe <= 0) return 0;
    let cut = 0;
    BOUNDARY.lastIndex = 0;
    for (let m = BOUNDARY.exec(text); m; m = BOUNDARY.exec(text)) {
      const end = m.index + m[0].length;
      if (end > safe) break;
      if (end >= this.minWindow) cut = end;
    }
    if (cut === 0 && text.length >= this.maxWindow) cut = safe;
    if (cut === 0) return 0;
    // Snap down to an event boundary, so no event is split.
    let n = 0;
    let len = 0;
    for (const p of list) {
      if (len + p.piece.text.length > cut) break;
      len += p.piece.text.length;
      n++;
    }
    if (n === 0 || !this.regex || n === list.length) return n;
    // A match spanning the cut would be missed by masking the two sides apart: then hold on.
    const head = text.slice(0, len);
    const tail = text.slice(len);
    return this.regex.mask(head).text + this.regex.mask(tail).text === this.regex.mask(text).text ? n : 0;
  }

  /**
   * Sends every queued event whose text is released and that no held event must precede: an
   * earlier held event of the same channel, or an earlier held stream-wide event. A stream-wide
   * event waits for everything before it.
   */
  private drain(): StreamEvent[] {
    const out: StreamEvent[] = [];
    const blocked = new Set<number>();
    let barrier = false;
    let kept = 0;
    for (const ev of this.queue) {
      const ready = ev.pieces.every((p) => this.released.has(p));
      const free =
        !barrier &&
        (ev.channels.length === 0 ? blocked.size === 0 : ev.channels.every((c) => !blocked.has(c)));
      if (ready && free) {
        for (const p of ev.pieces) this.released.delete(p);
        out.push(releasedEvent(ev));
        continue;
      }
      this.queue[kept++] = ev;
      if (ev.channels.length === 0) barrier = true;
      for (const c of ev.channels) blocked.add(c);
    }
    this.queue.length = kept;
    return out;
  }
}

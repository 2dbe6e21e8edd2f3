/**
 * The streaming response guard across channels: legacy completions streams (`choices[].text`) are
 * masked, and with n=2 one choice's held text never holds back the other, nor grows without bound.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SseDecoder } from '../../../src/streaming/sse-decoder.js';
import type { StreamEvent } from '../../../src/streaming/stream-event.js';
import { StreamingResponseGuard } from '../../../src/guards/streaming/stream-guard.js';
import { compileRegexGuard } from '../../../src/guards/regex/index.js';

const CARD = '4111 1111 1111 1111';
const regex = compileRegexGuard({ builtins: ['CREDIT_CARD', 'EMAIL'], matches: [], action: 'MASK' });

const ev = (o: object): StreamEvent => ({ data: JSON.stringify(o) });
const delta = (index: number, content: string): StreamEvent =>
  ev({ id: 'c', choices: [{ index, delta: { content } }] });
const finish = (index: number): StreamEvent =>
  ev({ id: 'c', choices: [{ index, delta: {}, finish_reason: 'stop' }] });

/** The text per choice in released SSE bytes (chat deltas or legacy `text`). */
function texts(sse: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const e of new SseDecoder().push(Buffer.from(sse))) {
    if (!e.data.startsWith('{')) continue;
    const j = JSON.parse(e.data) as {
      choices?: { index: number; text?: string; delta?: { content?: string } }[];
    };
    for (const c of j.choices ?? [])
      out.set(c.index, (out.get(c.index) ?? '') + (c.text ?? c.delta?.content ?? ''));
  }
  return out;
}

describe('streaming guard: legacy completions (choices[].text)', () => {
  it('masks a card split across text events, in every choice', async () => {
    const g = new StreamingResponseGuard('openai', regex, undefined);
    const text = `Your card is ${CARD}, keep it safe. `;
    let sse = '';
    for (let i = 0; i < text.length; i += 3)
      for (const index of [0, 1]) {
        const piece = text.slice(i, i + 3);
        sse += (
          await g.push([ev({ id: 'cmpl', object: 'text_completion', choices: [{ index, text: piece }] })])
        ).bytes;
      }
    sse += (await g.push([ev({ id: 'cmpl', choices: [{ index: 0, text: '', finish_reason: 'stop' }] })]))
      .bytes;
    sse += (await g.end()).bytes;
    const out = texts(sse);
    assert.equal(out.get(0), 'Your card is <CREDIT_CARD>, keep it safe. ');
    assert.equal(out.get(1), 'Your card is <CREDIT_CARD>, keep it safe. ');
    assert.doesNotMatch(sse, /4111/);
  });
});

describe('streaming guard: n=2, choice 0 finishes early', () => {
  it('releases the finished choice at once and keeps the other flowing with bounded holding', async () => {
    const g = new StreamingResponseGuard('openai', regex, undefined);
    let sse = (await g.push([delta(0, 'Short: no.'), finish(0)])).bytes;
    // Choice 0's text is shorter than a window, but it finished: it is out now.
    assert.equal(texts(sse).get(0), 'Short: no.');
    // Choice 1 goes on for a long time, a sentence every few events, a card now and then.
    const sentence = `Choice one keeps talking about ${CARD} and other things. `;
    let maxHeld = 0;
    let releasedBefore = 0;
    for (let round = 0; round < 400; round++) {
      for (let i = 0; i < sentence.length; i += 7) {
        const r = await g.push([delta(1, sentence.slice(i, i + 7))]);
        sse += r.bytes;
        maxHeld = Math.max(maxHeld, g.heldEvents);
      }
      // Bytes keep flowing: every round releases more of choice 1.
      const released = texts(sse).get(1)?.length ?? 0;
      assert.ok(released > releasedBefore, `round ${round}: nothing released`);
      releasedBefore = released;
    }
    sse += (await g.push([finish(1), ev({ id: 'c', choices: [], usage: { total_tokens: 1 } })])).bytes;
    sse += (await g.end()).bytes;
    // Held events stay within a window's worth (a few sentences), never the whole stream.
    assert.ok(maxHeld < 40, `held up to ${maxHeld} events`);
    const out = texts(sse);
    assert.equal(out.get(1), sentence.replaceAll(CARD, '<CREDIT_CARD>').repeat(400));
    assert.doesNotMatch(sse, /4111/);
    // Stream-wide events keep their place: usage comes last.
    assert.match(sse, /"usage":\{"total_tokens":1\}\}\n\n$/);
  });

  it('a choice that stalls mid-window does not hold back the other choice', async () => {
    const g = new StreamingResponseGuard('openai', regex, undefined);
    // Choice 0 holds a short, unfinished fragment (no window yet, no finish).
    let sse = (await g.push([delta(0, 'Thinking abo')])).bytes;
    let released = 0;
    for (let round = 0; round < 200; round++) {
      for (const piece of ['Choice one ', 'says a full ', 'sentence here. ', 'And more text; '])
        sse += (await g.push([delta(1, piece)])).bytes;
      const now = texts(sse).get(1)?.length ?? 0;
      assert.ok(now > released, `round ${round}: choice 1 held back`);
      released = now;
      assert.ok(g.heldEvents < 20, `held ${g.heldEvents} events`);
    }
    assert.equal(texts(sse).get(0), undefined);
    sse += (await g.push([delta(0, 'ut it.'), finish(0), finish(1)])).bytes;
    sse += (await g.end()).bytes;
    assert.equal(texts(sse).get(0), 'Thinking about it.');
  });

  it('a card split across the finish of its choice is still masked', async () => {
    const g = new StreamingResponseGuard('openai', regex, undefined);
    let sse = '';
    for (const p of ['card 4111 ', '1111 1111', ' 1111']) sse += (await g.push([delta(0, p)])).bytes;
    sse += (await g.push([finish(0)])).bytes;
    sse += (await g.end()).bytes;
    assert.equal(texts(sse).get(0), 'card <CREDIT_CARD>');
  });
});

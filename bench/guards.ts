/**
 * Guard cost (issue: prompt and response guards). In-process, one run, ratios against the same
 * work without guards:
 *  - a 10 KiB chat prompt with all four builtins and 3 custom patterns (parse + guard + serialize)
 *    vs parse alone;
 *  - a 200-event streaming response through the SSE decoder and usage accumulator, with and
 *    without the streaming guard.
 * Run: node dist/bench/guards.js
 */
import { SseDecoder } from '../src/streaming/sse-decoder.js';
import { StreamFactsAccumulator } from '../src/providers/usage.js';
import { compileRegexGuard } from '../src/guards/regex/index.js';
import { requestTextSlots } from '../src/guards/text/index.js';
import { StreamingResponseGuard } from '../src/guards/streaming/stream-guard.js';

const SENTENCES = [
  'Please summarise the quarterly report and highlight the main risks for the board.',
  'The customer wrote from jane.doe@example.com about invoice 2291 and asked for a callback.',
  'Her card 4111 1111 1111 1111 was charged twice, once on Monday and once on Tuesday.',
  'She gave 536-90-4399 as her SSN, which should never have been pasted into a chat.',
  'You can reach the office at +1 650-253-0000 during working hours, Pacific time.',
  'Nothing else in this paragraph is sensitive; it is ordinary prose about logistics.',
];

function prompt(bytes: number): string {
  const messages: { role: string; content: string }[] = [
    { role: 'system', content: 'You are a careful assistant.' },
  ];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const s = SENTENCES[i % SENTENCES.length]!;
    messages.push({ role: i % 2 ? 'assistant' : 'user', content: s });
    size += s.length + 30;
  }
  return JSON.stringify({ model: 'gpt-4o-mini', messages });
}

function timeIt(fn: () => void, minMs = 1000): number {
  for (let i = 0; i < 20; i++) fn(); // warm-up
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    fn();
    n++;
  }
  return ((performance.now() - t0) * 1000) / n; // µs per op
}

async function timeAsync(fn: () => Promise<void>, minMs = 1000): Promise<number> {
  for (let i = 0; i < 5; i++) await fn();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    await fn();
    n++;
  }
  return ((performance.now() - t0) * 1000) / n;
}

function sse(events: number): Buffer {
  let out = '';
  for (let i = 0; i < events; i++) {
    const s = SENTENCES[i % SENTENCES.length]!;
    const piece = s.slice((i * 7) % 40, ((i * 7) % 40) + 12);
    out += `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: piece } }] })}\n\n`;
  }
  out += `data: ${JSON.stringify({ id: 'c', choices: [], usage: { prompt_tokens: 10, completion_tokens: events } })}\n\ndata: [DONE]\n\n`;
  return Buffer.from(out);
}

/** Splits like an upstream writes: ~1.5 KiB body chunks. */
function chunks(buf: Buffer, size = 1536): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

async function main(): Promise<void> {
  const guard = compileRegexGuard({
    builtins: ['CREDIT_CARD', 'SSN', 'PHONE_NUMBER', 'EMAIL'],
    matches: [
      { pattern: 'project\\s+bluebird' },
      { pattern: 'internal[-_ ]only' },
      { pattern: '(?P<id>emp-\\d{6})' },
    ],
    action: 'MASK',
  });
  const body = Buffer.from(prompt(10 * 1024));
  const base = timeIt(() => {
    JSON.parse(body.toString('utf8'));
  });
  const guarded = timeIt(() => {
    const obj = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    let changed = false;
    for (const slot of requestTextSlots('openai', obj)) {
      const before = slot.get();
      const r = guard.mask(before);
      if (r.text !== before) {
        slot.set(r.text);
        changed = true;
      }
    }
    if (changed) Buffer.from(JSON.stringify(obj));
  });

  const stream = chunks(sse(200));
  const streamBase = await timeAsync(async () => {
    const dec = new SseDecoder();
    const facts = new StreamFactsAccumulator('openai');
    for (const c of stream) for (const ev of dec.push(c)) facts.onEvent(ev);
    await Promise.resolve();
  });
  const streamGuarded = await timeAsync(async () => {
    const dec = new SseDecoder();
    const facts = new StreamFactsAccumulator('openai');
    const g = new StreamingResponseGuard('openai', guard, undefined);
    for (const c of stream) {
      const evs = dec.push(c);
      for (const ev of evs) facts.onEvent(ev);
      await g.push(evs);
    }
    await g.end();
  });
  const fmt = (n: number): string => n.toFixed(1);
  console.log('| workload | without guards (µs) | with guards (µs) | ratio |');
  console.log('|---|---:|---:|---:|');
  console.log(
    `| 10 KiB prompt, 4 builtins + 3 custom (${body.length} B) | ${fmt(base)} | ${fmt(guarded)} | ${(guarded / base).toFixed(2)}× |`,
  );
  console.log(
    `| streaming response, 200 SSE events (${stream.length} chunks) | ${fmt(streamBase)} | ${fmt(streamGuarded)} | ${(streamGuarded / streamBase).toFixed(2)}× |`,
  );
  console.log(
    `\nAdded per request: prompt ${fmt(guarded - base)} µs; stream ${fmt(streamGuarded - streamBase)} µs (${fmt((streamGuarded - streamBase) / 200)} µs per event).`,
  );
}

void main();

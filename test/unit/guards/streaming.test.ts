/**
 * The streaming response guard with the real regex guard: a secret split across any number of SSE
 * events and body chunks never leaves unmasked, and clean text leaves unchanged.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SseDecoder } from '../../../src/streaming/sse-decoder.js';
import { StreamingResponseGuard } from '../../../src/guards/streaming/stream-guard.js';
import type { WindowWebhook } from '../../../src/guards/streaming/stream-guard.js';
import { compileRegexGuard } from '../../../src/guards/regex/index.js';
import type { ProviderFamily } from '../../../src/provider-family.js';

const CARD = '4111 1111 1111 1111';
const EMAIL = 'jane.doe@example.com';
const regex = compileRegexGuard({
  builtins: ['CREDIT_CARD', 'EMAIL', 'SSN', 'PHONE_NUMBER'],
  matches: [{ pattern: 'project\\s+bluebird' }],
  action: 'MASK',
});

/** Splits text into deltas of 1–4 characters, as LLM streams do. */
function deltas(text: string): string[] {
  const out: string[] = [];
  for (let i = 0, n = 1; i < text.length; i += n, n = (n % 4) + 1) out.push(text.slice(i, i + n));
  return out;
}

function sseFor(family: ProviderFamily, text: string): string {
  const parts = deltas(text);
  switch (family) {
    case 'openai':
      return (
        parts
          .map(
            (d) => `data: ${JSON.stringify({ id: 'c', choices: [{ index: 0, delta: { content: d } }] })}\n\n`,
          )
          .join('') +
        `data: ${JSON.stringify({ id: 'c', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\ndata: [DONE]\n\n`
      );
    case 'anthropic':
      return (
        `event: message_start\ndata: {"type":"message_start","message":{"id":"m"}}\n\n` +
        parts
          .map(
            (d) =>
              `event: content_block_delta\ndata: ${JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: d } })}\n\n`,
          )
          .join('') +
        `event: message_stop\ndata: {"type":"message_stop"}\n\n`
      );
    case 'gemini':
      return parts
        .map(
          (d, i) =>
            `data: ${JSON.stringify({ candidates: [{ index: 0, content: { role: 'model', parts: [{ text: d }] }, ...(i === parts.length - 1 ? { finishReason: 'STOP' } : {}) }] })}\r\n\r\n`,
        )
        .join('');
  }
}

function textOf(family: ProviderFamily, sse: string): string {
  let out = '';
  for (const ev of new SseDecoder().push(Buffer.from(sse))) {
    if (!ev.data.startsWith('{')) continue;
    const j = JSON.parse(ev.data) as {
      type?: string;
      delta?: { text?: string };
      choices?: { delta?: { content?: string } }[];
      candidates?: { content?: { parts?: { text: string }[] } }[];
    };
    if (family === 'openai') out += j.choices?.[0]?.delta?.content ?? '';
    if (family === 'anthropic' && j.type === 'content_block_delta') out += j.delta?.text ?? '';
    if (family === 'gemini')
      out += (j.candidates?.[0]?.content?.parts ?? []).map((p: { text: string }) => p.text).join('');
  }
  return out;
}

function split(bytes: Buffer, pieces: number): Buffer[] {
  const size = Math.max(1, Math.ceil(bytes.length / pieces));
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

async function run(family: ProviderFamily, text: string, chunks: Buffer[], webhook?: WindowWebhook) {
  const decoder = new SseDecoder();
  const guard = new StreamingResponseGuard(family, regex, webhook);
  let out = '';
  const emitted: string[] = [];
  for (const c of chunks) {
    const r = await guard.push(decoder.push(c));
    out += r.bytes;
    emitted.push(out);
  }
  const a = await guard.push(decoder.end());
  const b = await guard.end();
  out += a.bytes + b.bytes;
  emitted.push(out);
  return { text: textOf(family, out), emitted, out };
}

const SECRET_TEXT = `Hello there. Your card is ${CARD} and mail ${EMAIL}; we talked about Project Bluebird. Bye now!`;
const MASKED = SECRET_TEXT.replace(CARD, '<CREDIT_CARD>')
  .replace(EMAIL, '<EMAIL_ADDRESS>')
  .replace('Project Bluebird', '<CUSTOM>');

describe('StreamingResponseGuard', () => {
  for (const family of ['openai', 'anthropic', 'gemini'] as const) {
    it(`${family}: secrets split across 1, 2, 5, 20 chunks and one byte at a time are always masked`, async () => {
      const bytes = Buffer.from(sseFor(family, SECRET_TEXT));
      const splits = [1, 2, 5, 20].map((n) => split(bytes, n));
      splits.push([...bytes].map((b) => Buffer.from([b])));
      for (const chunks of splits) {
        const r = await run(family, SECRET_TEXT, chunks);
        assert.equal(r.text, MASKED, `${chunks.length} chunks`);
        // No prefix of the output ever carried the raw secrets, even partially joined.
        for (const e of r.emitted) {
          const t = textOf(family, e);
          assert.equal(t.includes('4111 1111 1111'), false);
          assert.equal(t.includes('jane.doe@example'), false);
        }
      }
    });
  }

  it('clean text leaves byte-identical in content, with events in order', async () => {
    const clean = 'Nothing to see here. Numbers like 42 and 7 are fine; so is a dot. End!';
    const bytes = Buffer.from(sseFor('openai', clean));
    const r = await run('openai', clean, split(bytes, 7));
    assert.equal(r.text, clean);
    assert.ok(r.out.trimEnd().endsWith('data: [DONE]'));
  });

  it('holds text back only while it could still become a match (builtins only)', async () => {
    // With custom patterns, up to maxCustomMatchChars are held instead (decisions.md).
    const builtinsOnly = compileRegexGuard({
      builtins: ['CREDIT_CARD', 'EMAIL', 'SSN', 'PHONE_NUMBER'],
      matches: [],
      action: 'MASK',
    });
    const guard = new StreamingResponseGuard('openai', builtinsOnly, undefined);
    const ev = (t: string) => ({ data: JSON.stringify({ choices: [{ index: 0, delta: { content: t } }] }) });
    const first = await guard.push([
      ev('This sentence is long enough to be released right away. '),
      ev('Card 4111 1111'),
    ]);
    assert.match(first.bytes, /released right away/);
    assert.doesNotMatch(first.bytes, /4111/);
    const rest = await guard.push([ev(' 1111 1111. Done and dusted, nothing more to say here.')]);
    const end = await guard.end();
    assert.doesNotMatch(rest.bytes + end.bytes, /4111/);
    assert.match(rest.bytes + end.bytes, /<CREDIT_CARD>/);
  });

  it('the webhook sees windows cut at sentence boundaries and its mask is applied', async () => {
    const seen: string[] = [];
    const webhook: WindowWebhook = (windows) => {
      seen.push(...windows.map((w) => w.text));
      return Promise.resolve(windows.map((w) => w.text.replaceAll('swordfish', '<REDACTED>')));
    };
    const text =
      'The password is swordfish, as agreed. Please keep it safe and never share it with anyone else!';
    const r = await run('openai', text, split(Buffer.from(sseFor('openai', text)), 9), webhook);
    assert.equal(r.text, text.replace('swordfish', '<REDACTED>'));
    assert.ok(seen.length >= 1);
    assert.ok(seen[0]!.length >= 50 || seen.length === 1);
  });

  it('a failing webhook surfaces as an error', async () => {
    const guard = new StreamingResponseGuard('openai', undefined, () => Promise.reject(new Error('down')));
    const ev = {
      data: JSON.stringify({ choices: [{ index: 0, delta: { content: 'x'.repeat(60) + '. ' } }] }),
    };
    await assert.rejects(guard.push([ev]), /down/);
  });
});

/**
 * Bedrock Converse / ConverseStream for the mock provider: JSON, or AWS event-stream binary frames.
 * Usage follows the mock's formula (tokensFor: 4 UTF-8 bytes per token).
 */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { encodeConverseEvent } from '../src/providers/bedrock/index.js';

const BEDROCK_PATH = /^\/model\/([^/]+)\/(converse|converse-stream)$/;
const DEFAULT_TEXT =
  'Bedrock here: the gateway translated your request, and this answer streams back in event-stream frames.';
const tokens = (s: string): number => Math.ceil(Buffer.byteLength(s) / 4);

function promptText(body: unknown): string {
  const b = (body ?? {}) as { system?: { text?: string }[]; messages?: { content?: { text?: string }[] }[] };
  let out = (b.system ?? []).map((s) => s.text ?? '').join('');
  for (const m of b.messages ?? []) for (const c of m.content ?? []) out += c.text ?? '';
  return out;
}

/** Answers a Bedrock request; false when the path is not a Bedrock one. */
export function handleBedrock(
  path: string,
  headers: IncomingHttpHeaders,
  json: unknown,
  res: ServerResponse,
): boolean {
  const m = BEDROCK_PATH.exec(decodeURIComponent(path.split('?')[0] ?? ''));
  if (!m) return false;
  const text = typeof headers['x-mock-text'] === 'string' ? headers['x-mock-text'] : DEFAULT_TEXT;
  const usage = { inputTokens: tokens(promptText(json)), outputTokens: tokens(text) };
  const total = { ...usage, totalTokens: usage.inputTokens + usage.outputTokens };
  if (m[2] === 'converse') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        output: { message: { role: 'assistant', content: [{ text }] } },
        stopReason: 'end_turn',
        usage: total,
        metrics: { latencyMs: 12 },
      }),
    );
    return true;
  }
  res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
  res.write(encodeConverseEvent('messageStart', { role: 'assistant' }));
  for (let i = 0; i < text.length; i += 9) {
    res.write(
      encodeConverseEvent('contentBlockDelta', {
        contentBlockIndex: 0,
        delta: { text: text.slice(i, i + 9) },
      }),
    );
  }
  res.write(encodeConverseEvent('contentBlockStop', { contentBlockIndex: 0 }));
  res.write(encodeConverseEvent('messageStop', { stopReason: 'end_turn' }));
  res.end(encodeConverseEvent('metadata', { usage: total, metrics: { latencyMs: 12 } }));
  return true;
}

/**
 * Bedrock Converse / ConverseStream for the mock provider: JSON, or AWS event-stream binary frames.
 * Usage follows the mock's formula (tokensFor: 4 UTF-8 bytes per token).
 *
 * A request Bedrock would refuse (rules/bedrock.ts, reasoning signatures verified) gets its 400
 * ValidationException. A request with Claude thinking on (`additionalModelRequestFields.thinking`) gets a
 * signed reasoningContent block first, in JSON and in streams (text deltas, then a signature delta).
 */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { encodeConverseEvent } from '../src/providers/bedrock/index.js';
import { bedrockRequestProblems } from './rules/bedrock.js';
import { signThinking, verifyThinkingSignature } from './rules/signature.js';
import { MOCK_THINKING } from './anthropic-thinking.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function thinkingOn(json: unknown): boolean {
  const extra = isObj(json) ? json.additionalModelRequestFields : undefined;
  const t = isObj(extra) ? extra.thinking : undefined;
  return isObj(t) && (t.type === 'enabled' || t.type === 'adaptive');
}

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
  const problems = bedrockRequestProblems(json, m[1] ?? '', { verifySignature: verifyThinkingSignature });
  if (problems.length > 0) {
    const errorType = 'ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/';
    res
      .writeHead(400, { 'content-type': 'application/json', 'x-amzn-errortype': errorType })
      .end(JSON.stringify({ message: problems.join('; ') }));
    return true;
  }
  const text = typeof headers['x-mock-text'] === 'string' ? headers['x-mock-text'] : DEFAULT_TEXT;
  const thinking = thinkingOn(json);
  const reasoning = { text: MOCK_THINKING, signature: signThinking(MOCK_THINKING) };
  const usage = {
    inputTokens: tokens(promptText(json)),
    outputTokens: tokens(text) + (thinking ? tokens(MOCK_THINKING) : 0),
  };
  const total = { ...usage, totalTokens: usage.inputTokens + usage.outputTokens };
  if (m[2] === 'converse') {
    const content = thinking ? [{ reasoningContent: { reasoningText: reasoning } }, { text }] : [{ text }];
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        output: { message: { role: 'assistant', content } },
        stopReason: 'end_turn',
        usage: total,
        metrics: { latencyMs: 12 },
      }),
    );
    return true;
  }
  res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
  res.write(encodeConverseEvent('messageStart', { role: 'assistant' }));
  const block = thinking ? 1 : 0;
  if (thinking) {
    for (let i = 0; i < reasoning.text.length; i += 20) {
      const delta = { reasoningContent: { text: reasoning.text.slice(i, i + 20) } };
      res.write(encodeConverseEvent('contentBlockDelta', { contentBlockIndex: 0, delta }));
    }
    const delta = { reasoningContent: { signature: reasoning.signature } };
    res.write(encodeConverseEvent('contentBlockDelta', { contentBlockIndex: 0, delta }));
    res.write(encodeConverseEvent('contentBlockStop', { contentBlockIndex: 0 }));
  }
  for (let i = 0; i < text.length; i += 9) {
    res.write(
      encodeConverseEvent('contentBlockDelta', {
        contentBlockIndex: block,
        delta: { text: text.slice(i, i + 9) },
      }),
    );
  }
  res.write(encodeConverseEvent('contentBlockStop', { contentBlockIndex: block }));
  res.write(encodeConverseEvent('messageStop', { stopReason: 'end_turn' }));
  res.end(encodeConverseEvent('metadata', { usage: total, metrics: { latencyMs: 12 } }));
  return true;
}

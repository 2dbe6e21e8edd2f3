/**
 * Signed reasoning (canonical `thinking_blocks`: Claude's signed thinking, redacted thinking) rides
 * through a client whose API has no place for it in the opaque string that API replays: a Responses
 * reasoning item's `encrypted_content`, a Gemini thought part's `thoughtSignature`. The client sends
 * it back unchanged on the next turn, as it does with its own provider's. A value without our
 * prefix is that provider's own (meaningless elsewhere) and is ignored.
 */
import type { ThinkingBlock } from './reasoning.js';
import { thinkingBlocksOf } from './reasoning.js';
import { tryParseJson } from '../../json.js';

const PREFIX = 'aiextproc.v1.';

export function encodeCarrier(blocks: readonly ThinkingBlock[]): string | undefined {
  if (blocks.length === 0) return undefined;
  return PREFIX + Buffer.from(JSON.stringify(blocks), 'utf8').toString('base64');
}

export function decodeCarrier(raw: unknown, where: string): ThinkingBlock[] {
  if (typeof raw !== 'string' || !raw.startsWith(PREFIX)) return [];
  const parsed = tryParseJson(Buffer.from(raw.slice(PREFIX.length), 'base64').toString('utf8'));
  return thinkingBlocksOf({ thinking_blocks: parsed ?? null }, where);
}

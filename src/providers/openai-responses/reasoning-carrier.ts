/**
 * Signed reasoning (canonical `thinking_blocks`: Claude's signed thinking, redacted thinking) rides
 * through a Responses client in the reasoning item's `encrypted_content`, an opaque string the
 * client sends back unchanged on the next turn, as it does with OpenAI's own. A value without our
 * prefix is OpenAI's (meaningless elsewhere) and is ignored.
 */
import type { ThinkingBlock } from '../translate/reasoning.js';
import { thinkingBlocksOf } from '../translate/reasoning.js';
import { tryParseJson } from '../../json.js';

const PREFIX = 'aiextproc.v1.';

export function encodeCarrier(blocks: readonly ThinkingBlock[]): string | undefined {
  if (blocks.length === 0) return undefined;
  return PREFIX + Buffer.from(JSON.stringify(blocks), 'utf8').toString('base64');
}

export function decodeCarrier(raw: unknown): ThinkingBlock[] {
  if (typeof raw !== 'string' || !raw.startsWith(PREFIX)) return [];
  const parsed = tryParseJson(Buffer.from(raw.slice(PREFIX.length), 'base64').toString('utf8'));
  return thinkingBlocksOf({ thinking_blocks: parsed ?? null }, 'input.reasoning.encrypted_content');
}

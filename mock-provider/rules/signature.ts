/**
 * The mock's thinking signatures: an HMAC of the thinking text under a key only the mock knows, so
 * a signature that was lost, emptied or moved to other text is caught like Anthropic catches it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const KEY = 'ai-extproc mock provider thinking signature key';

/** The signature the mock gives a thinking block with this text (base64, like Anthropic's). */
export function signThinking(thinking: string): string {
  return createHmac('sha256', KEY).update(thinking, 'utf8').digest('base64');
}

/** Whether `signature` is the mock's signature of `thinking`. */
export function verifyThinkingSignature(thinking: string, signature: string): boolean {
  const want = Buffer.from(signThinking(thinking));
  const got = Buffer.from(signature);
  return got.length === want.length && timingSafeEqual(got, want);
}

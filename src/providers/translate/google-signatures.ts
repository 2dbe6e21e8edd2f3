/**
 * Gemini thought signatures through clients whose API has no field for them.
 *
 * Canonically a signature rides as `extra_content.google.thought_signature` on the tool call it signs,
 * or on the assistant message for a signed text part (Google's OpenAI-compatible convention, which an
 * OpenAI client replays as it got it). Anthropic and Responses clients replay opaque reasoning state
 * instead: a thinking block's `signature`, a reasoning item's `encrypted_content`. So their codecs put
 * each Gemini signature in one of those, as a carrier string naming what it signs (the tool call id, or
 * nothing for the message text), and turn carriers back into `extra_content` when the history returns.
 * The prefix keeps a carrier apart from Anthropic's and OpenAI's own opaque strings, and from ours for
 * signed thinking blocks (./thinking-carrier.ts); a carrier never reaches a provider.
 */
import type { Json } from './types.js';
import { asArray, asObj, tryParseJson } from '../../json.js';

const PREFIX = 'aiextproc.g1.';

/** One Gemini signature and what it signs: a tool call by id, or the message's text when absent. */
export interface GoogleSignature {
  readonly signature: string;
  readonly callId?: string;
}

/** `extra_content.google.thought_signature` of a tool call or an assistant message (chunk delta). */
export function googleSignatureOf(carrier: Json | undefined): string | undefined {
  const sig = asObj(asObj(carrier?.extra_content)?.google)?.thought_signature;
  return typeof sig === 'string' && sig !== '' ? sig : undefined;
}

/** Sets the canonical carrier on a tool call or an assistant message. */
export function setGoogleSignature(target: Json, signature: string): void {
  target.extra_content = { google: { thought_signature: signature } };
}

export function encodeGoogleSignature(s: GoogleSignature): string {
  const payload = s.callId === undefined ? { s: s.signature } : { s: s.signature, c: s.callId };
  return PREFIX + Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}

/** The signature a carrier holds; undefined for any other string (Anthropic's, OpenAI's, ours). */
export function decodeGoogleSignature(raw: unknown): GoogleSignature | undefined {
  if (typeof raw !== 'string' || !raw.startsWith(PREFIX)) return undefined;
  const payload = asObj(tryParseJson(Buffer.from(raw.slice(PREFIX.length), 'base64url').toString('utf8')));
  const signature = payload?.s;
  if (typeof signature !== 'string' || signature === '') return undefined;
  const callId = payload?.c;
  return typeof callId === 'string' ? { signature, callId } : { signature };
}

/**
 * Puts decoded signatures back on an assistant message: each call's on its tool call (matched by id; a
 * call the client dropped or renamed loses its signature, and Gemini 3 then gets the documented
 * placeholder), the text's on the message.
 */
export function applyGoogleSignatures(message: Json, signatures: readonly GoogleSignature[]): void {
  for (const s of signatures) {
    if (s.callId === undefined) {
      setGoogleSignature(message, s.signature);
      continue;
    }
    const call = asArray(message.tool_calls)
      .map((c) => asObj(c))
      .find((c) => c?.id === s.callId);
    if (call !== undefined) setGoogleSignature(call, s.signature);
  }
}

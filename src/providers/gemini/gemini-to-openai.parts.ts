/** Gemini candidate parts → OpenAI message pieces (text, reasoning, tool calls, text-part signatures). */
import type { Json } from '../translate/types.js';
import { asArray, asObj } from '../../json.js';

export type Piece =
  | { readonly kind: 'content' | 'reasoning'; readonly text: string }
  | { readonly kind: 'tool'; readonly call: Json }
  | { readonly kind: 'signature'; readonly signature: string };

/**
 * The message-level carrier of a text part's `thoughtSignature` (Gemini 2.5/3 sign the last part of an
 * answer without function calls, streamed as a final empty text part): `extra_content.google.thought_signature`
 * on the assistant message (a stream delta), as Google's OpenAI-compatible API returns it. A client replays
 * the message as it got it, and the signature goes back on the text part (openai-to-gemini.messages.ts).
 */
export function signatureCarrier(signature: string): Json {
  return { google: { thought_signature: signature } };
}

/** Numbers tool calls of one response: the Gemini call id when given, else `call_<n>`. */
export class ToolCallIds {
  private n = 0;
  next(functionCall: Json): string {
    const id = functionCall.id;
    const n = this.n++;
    return typeof id === 'string' && id !== '' ? id : `call_${n}`;
  }
}

/** An OpenAI tool call (without `index`) for a functionCall part. */
function toolCall(part: Json, fc: Json, ids: ToolCallIds): Json {
  const call: Json = {
    id: ids.next(fc),
    type: 'function',
    function: { name: typeof fc.name === 'string' ? fc.name : '', arguments: JSON.stringify(fc.args ?? {}) },
  };
  if (typeof part.thoughtSignature === 'string' && part.thoughtSignature !== '') {
    // Google's OpenAI-compatible convention; restored as thoughtSignature when the client replays the call.
    call.extra_content = { google: { thought_signature: part.thoughtSignature } };
  }
  return call;
}

/**
 * A candidate's parts as pieces in order; consecutive text (or thought) parts are joined and empty text is
 * skipped. A signature on a part that is not a function call follows that part's text as its own piece.
 * Other part kinds (inlineData, executableCode, …) are ignored.
 */
export function geminiToOpenAIParts(cand: Json, ids: ToolCallIds): Piece[] {
  const out: Piece[] = [];
  for (const p of asArray(asObj(cand.content)?.parts)) {
    const part = asObj(p);
    if (part === undefined) continue;
    const fc = asObj(part.functionCall);
    if (fc !== undefined) {
      out.push({ kind: 'tool', call: toolCall(part, fc, ids) });
      continue;
    }
    if (typeof part.text === 'string' && part.text !== '') {
      const kind = part.thought === true ? 'reasoning' : 'content';
      const last = out[out.length - 1];
      if (last?.kind === kind) out[out.length - 1] = { kind, text: last.text + part.text };
      else out.push({ kind, text: part.text });
    }
    const sig = part.thoughtSignature;
    if (typeof sig === 'string' && sig !== '') out.push({ kind: 'signature', signature: sig });
  }
  return out;
}

/**
 * Gemini 3 validates thought signatures: in the current turn (the contents after the last user message
 * that is not only function responses), the first functionCall part of each model step must carry the
 * `thoughtSignature` Gemini gave it, or the request is a 400. A call whose signature did not travel back
 * (it came from another provider, or through an Anthropic client, whose tool_use blocks have no place for
 * it) gets the placeholder Google documents for exactly that case ("transferring a conversation trace from
 * another model"), instead of a 400. Earlier Gemini models do not validate, and get nothing added.
 */
import type { Json } from '../translate/types.js';
import { asArray, asObj } from '../../json.js';

export const SKIP_THOUGHT_SIGNATURE = 'skip_thought_signature_validator';

const VALIDATING_MODEL = /gemini-3/i;

function isUserMessage(content: Json): boolean {
  const parts = asArray(content.parts);
  return content.role === 'user' && parts.some((p) => asObj(p)?.functionResponse === undefined);
}

/** Adds the placeholder where Gemini 3 requires a signature and none came back. Mutates `contents`. */
export function fillThoughtSignatures(contents: Json[], model: string): void {
  if (!VALIDATING_MODEL.test(model)) return;
  let start = 0;
  contents.forEach((c, i) => {
    if (isUserMessage(c)) start = i + 1;
  });
  for (const content of contents.slice(start)) {
    if (content.role !== 'model') continue;
    const first = asArray(content.parts)
      .map((p) => asObj(p))
      .find((p) => p?.functionCall !== undefined);
    if (first !== undefined && typeof first.thoughtSignature !== 'string') {
      first.thoughtSignature = SKIP_THOUGHT_SIGNATURE;
    }
  }
}

/** OpenAI chat.completion (canonical) → Anthropic Messages response (client). */
import type { Json, OpenAIChatCompletion } from '../translate/types.js';
import { asArray, asObj, asString, parseJsonObject } from '../../json.js';
import { isRefusal, matchedStopSequence, stopReasonWithTools } from './stop-reasons.js';
import { THINKING_BLOCKS } from '../translate/reasoning.js';
import { openAIToAnthropicUsage, anthropicUsageJson } from './usage.js';
import type { GoogleSignature } from '../translate/google-signatures.js';
import { encodeGoogleSignature, googleSignatureOf } from '../translate/google-signatures.js';

/** OpenAI-compatible upstreams name the reasoning text `reasoning_content` or `reasoning`. */
export function reasoningText(message: Json | undefined): string | undefined {
  const text = asString(message?.reasoning_content) ?? asString(message?.reasoning);
  return text === '' ? undefined : text;
}

/** Message content (string, or parts whose text is joined) → text. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  return asArray(content)
    .map((p) => asString(asObj(p)?.text) ?? asString(asObj(p)?.refusal) ?? '')
    .join('');
}

/** Tool-call arguments → tool_use input. Anthropic requires an object: unparseable arguments give `{}`. */
export function toolInput(args: unknown): Json {
  return typeof args === 'string' ? (parseJsonObject(args) ?? {}) : (asObj(args) ?? {});
}

/** Signed `thinking_blocks` (../translate/reasoning.ts) as Anthropic blocks; unknown entries are skipped. */
export function thinkingBlocks(v: unknown): Json[] {
  const out: Json[] = [];
  for (const b of asArray(v)) {
    const block = asObj(b);
    const thinking = asString(block?.thinking);
    const data = asString(block?.data);
    if (block?.type === 'thinking' && thinking !== undefined) {
      out.push({ type: 'thinking', thinking, signature: asString(block.signature) ?? '' });
    } else if (block?.type === 'redacted_thinking' && data !== undefined) {
      out.push({ type: 'redacted_thinking', data });
    }
  }
  return out;
}

/**
 * A Gemini signature as a thinking block's signature (../translate/google-signatures.ts): it signs the
 * unsigned thinking block just before (Gemini's reasoning text), else comes as an empty thinking block.
 * The stream does the same where the signature arrives, so both forms agree.
 */
function signLast(blocks: Json[], signature: GoogleSignature): void {
  const last = blocks[blocks.length - 1];
  const carrier = encodeGoogleSignature(signature);
  if (last?.type === 'thinking' && last.signature === '') last.signature = carrier;
  else blocks.push({ type: 'thinking', thinking: '', signature: carrier });
}

function contentBlocks(message: Json | undefined): Json[] {
  const blocks: Json[] = thinkingBlocks(message?.[THINKING_BLOCKS]);
  const reasoning = reasoningText(message);
  // No signature exists for text reasoning from another provider; the field is present but empty.
  if (reasoning !== undefined && blocks.length === 0) {
    blocks.push({ type: 'thinking', thinking: reasoning, signature: '' });
  }
  const text = contentText(message?.content) || (asString(message?.refusal) ?? '');
  if (text !== '') blocks.push({ type: 'text', text });
  const textSignature = googleSignatureOf(message);
  if (textSignature !== undefined) signLast(blocks, { signature: textSignature });
  for (const t of asArray(message?.tool_calls)) {
    const call = asObj(t);
    const fn = asObj(call?.function);
    const id = asString(call?.id) ?? '';
    const signature = googleSignatureOf(call);
    if (signature !== undefined) signLast(blocks, { signature, callId: id });
    blocks.push({ type: 'tool_use', id, name: asString(fn?.name) ?? '', input: toolInput(fn?.arguments) });
  }
  return blocks;
}

/** stop_reason and stop_sequence: a stop sequence the server names is reported as Anthropic does. */
function stopFields(choice: Json | undefined, hasToolCalls: boolean): Json {
  const sequence = matchedStopSequence(choice);
  if (sequence !== null && !hasToolCalls) return { stop_reason: 'stop_sequence', stop_sequence: sequence };
  const message = asObj(choice?.message);
  const refused = isRefusal(message?.refusal, contentText(message?.content));
  return {
    stop_reason: stopReasonWithTools(choice?.finish_reason, hasToolCalls, refused) ?? 'end_turn',
    stop_sequence: null,
  };
}

/**
 * Converts the first choice. stop_sequence is null unless the server names the matched one (vLLM and
 * SGLang do; OpenAI does not). A missing finish_reason becomes end_turn; an answer with tool calls
 * stops on tool_use.
 */
export function openAIToAnthropicResponse(completion: OpenAIChatCompletion): Json {
  const choice = asObj(asArray(completion.choices)[0]);
  const message = asObj(choice?.message);
  return {
    id: asString(completion.id) ?? '',
    type: 'message',
    role: 'assistant',
    model: asString(completion.model) ?? '',
    content: contentBlocks(message),
    ...stopFields(choice, asArray(message?.tool_calls).length > 0),
    usage: anthropicUsageJson(openAIToAnthropicUsage(completion.usage) ?? {}),
  };
}

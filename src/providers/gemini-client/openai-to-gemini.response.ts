/**
 * Canonical OpenAI chat.completion → Gemini GenerateContentResponse (what a Gemini-native client
 * reads): one candidate per choice, reasoning as `thought: true` parts first, then text, then
 * `functionCall` parts (a Gemini `thoughtSignature` carried on the tool call is put back), the
 * finish reason, `usageMetadata` (reasoning tokens as thoughtsTokenCount), `modelVersion` and
 * `responseId`.
 */
import type { Json, OpenAIChatCompletion } from '../translate/types.js';
import { asArray, asObj, tryParseJson } from '../../json.js';
import { THINKING_BLOCKS, thinkingBlocksOf } from '../translate/reasoning.js';
import { encodeCarrier } from '../translate/thinking-carrier.js';

const FINISH: Readonly<Record<string, string>> = {
  stop: 'STOP',
  tool_calls: 'STOP',
  function_call: 'STOP',
  length: 'MAX_TOKENS',
  content_filter: 'SAFETY',
};

export function openAIToGeminiFinishReason(reason: unknown): string | undefined {
  return typeof reason === 'string' ? (FINISH[reason] ?? 'OTHER') : undefined;
}

/** A canonical tool call → a Gemini functionCall part. */
export function functionCallPart(call: Json): Json | undefined {
  const fn = asObj(call.function);
  if (!fn || typeof fn.name !== 'string') return undefined;
  const raw = fn.arguments;
  const parsed = typeof raw === 'string' ? (raw === '' ? {} : tryParseJson(raw)) : raw;
  const fc: Json = { name: fn.name, args: asObj(parsed) ?? {} };
  if (typeof call.id === 'string' && call.id !== '' && !/^call_\d+$/.test(call.id)) fc.id = call.id;
  const part: Json = { functionCall: fc };
  const sig = asObj(asObj(call.extra_content)?.google)?.thought_signature;
  if (typeof sig === 'string' && sig !== '') part.thoughtSignature = sig;
  return part;
}

/**
 * Another provider's signed thinking (Claude's, which it checks on the next tool turn) as a thought
 * part whose `thoughtSignature` carries it (../translate/thinking-carrier.ts): a Gemini client
 * replays its history's parts as it got them, signatures included.
 */
export function signedThoughtPart(text: string, blocks: unknown): Json | undefined {
  const carrier = encodeCarrier(thinkingBlocksOf({ thinking_blocks: blocks ?? null }, 'thinking_blocks'));
  return carrier === undefined ? undefined : { text, thought: true, thoughtSignature: carrier };
}

/** Canonical usage → `usageMetadata`. */
export function openAIToGeminiUsage(u: unknown): Json | undefined {
  const usage = asObj(u);
  if (!usage) return undefined;
  const prompt = typeof usage.prompt_tokens === 'number' ? usage.prompt_tokens : 0;
  const completion = typeof usage.completion_tokens === 'number' ? usage.completion_tokens : 0;
  const reasoning = asObj(usage.completion_tokens_details)?.reasoning_tokens;
  const thoughts = typeof reasoning === 'number' ? reasoning : 0;
  const cached = asObj(usage.prompt_tokens_details)?.cached_tokens;
  const out: Json = {
    promptTokenCount: prompt,
    candidatesTokenCount: Math.max(0, completion - thoughts),
    totalTokenCount: prompt + completion,
  };
  if (thoughts > 0) out.thoughtsTokenCount = thoughts;
  if (typeof cached === 'number' && cached > 0) out.cachedContentTokenCount = cached;
  return out;
}

function candidate(choice: Json, position: number): Json {
  const msg = asObj(choice.message) ?? {};
  const parts: Json[] = [];
  const reasoning = typeof msg.reasoning_content === 'string' ? msg.reasoning_content : '';
  const signed = signedThoughtPart(reasoning, msg[THINKING_BLOCKS]);
  if (signed) parts.push(signed);
  else if (reasoning !== '') parts.push({ text: reasoning, thought: true });
  if (typeof msg.content === 'string' && msg.content !== '') parts.push({ text: msg.content });
  else if (typeof msg.refusal === 'string' && msg.refusal !== '') parts.push({ text: msg.refusal });
  for (const c of asArray(msg.tool_calls)) {
    const part = asObj(c) && functionCallPart(asObj(c)!);
    if (part) parts.push(part);
  }
  const out: Json = {
    content: { role: 'model', parts },
    index: typeof choice.index === 'number' ? choice.index : position,
  };
  const finish = openAIToGeminiFinishReason(choice.finish_reason);
  if (finish) out.finishReason = finish;
  return out;
}

export function openAIToGeminiResponse(completion: OpenAIChatCompletion): Json {
  const out: Json = {
    candidates: asArray(completion.choices)
      .map((c, i) => (asObj(c) ? candidate(asObj(c)!, i) : undefined))
      .filter((c): c is Json => c !== undefined),
  };
  const usage = openAIToGeminiUsage(completion.usage);
  if (usage) out.usageMetadata = usage;
  if (typeof completion.model === 'string') out.modelVersion = completion.model;
  if (typeof completion.id === 'string') out.responseId = completion.id;
  return out;
}

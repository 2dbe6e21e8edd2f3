/** Gemini GenerateContentResponse → OpenAI chat.completion. */
import type { Json, OpenAIChatCompletion, UpstreamTarget } from '../translate/types.js';
import { asArray, asObj, itemIndex, nonEmptyString } from '../../json.js';
import { newCompletionId, nowSeconds, rfc3339Seconds } from '../openai/ids.js';
import { geminiToOpenAIFinishReason } from './gemini-to-openai.finish-reason.js';
import { geminiToOpenAIUsage } from './gemini-to-openai.usage.js';
import { ToolCallIds, geminiToOpenAIParts, signatureCarrier } from './gemini-to-openai.parts.js';

function choiceOf(cand: Json, position: number, ids: ToolCallIds): Json {
  let content: string | undefined;
  let reasoning: string | undefined;
  let signature: string | undefined;
  const toolCalls: Json[] = [];
  for (const piece of geminiToOpenAIParts(cand, ids)) {
    if (piece.kind === 'tool') toolCalls.push(piece.call);
    else if (piece.kind === 'signature')
      signature = piece.signature; // one per message is replayed
    else if (piece.kind === 'content') content = (content ?? '') + piece.text;
    else reasoning = (reasoning ?? '') + piece.text;
  }
  const message: Json = { role: 'assistant', content: content ?? null };
  if (reasoning !== undefined) message.reasoning_content = reasoning;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (signature !== undefined) message.extra_content = signatureCarrier(signature);
  const reason = nonEmptyString(cand.finishReason);
  return {
    index: itemIndex(cand, position),
    message,
    logprobs: null,
    finish_reason: geminiToOpenAIFinishReason(reason ?? 'STOP', toolCalls.length > 0),
  };
}

/** A prompt blocked before generation (`promptFeedback.blockReason`, no candidates). */
function blockedChoice(): Json {
  return {
    index: 0,
    message: { role: 'assistant', content: null },
    logprobs: null,
    finish_reason: 'content_filter',
  };
}

/** Stable id/created/model of an OpenAI object made from Gemini responses. */
export interface ResponseMeta {
  readonly id: string;
  readonly created: number;
  readonly model: string;
}

export function responseMeta(body: Json, target: UpstreamTarget): ResponseMeta {
  return {
    id: nonEmptyString(body.responseId) ?? newCompletionId(),
    created: rfc3339Seconds(body.createTime) ?? nowSeconds(),
    model: nonEmptyString(body.modelVersion) ?? target.model,
  };
}

export function geminiToOpenAIResponse(body: Json, target: UpstreamTarget): OpenAIChatCompletion {
  const ids = new ToolCallIds();
  const candidates = asArray(body.candidates);
  const choices: Json[] = [];
  candidates.forEach((c, pos) => {
    const cand = asObj(c);
    if (cand !== undefined) choices.push(choiceOf(cand, pos, ids));
  });
  if (choices.length === 0 && asObj(body.promptFeedback)?.blockReason !== undefined) {
    choices.push(blockedChoice());
  }
  choices.sort((a, b) => (a.index as number) - (b.index as number));
  const meta = responseMeta(body, target);
  const out: Json = {
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    choices,
  };
  const usage = geminiToOpenAIUsage(body.usageMetadata);
  if (usage !== undefined) out.usage = usage;
  return out;
}

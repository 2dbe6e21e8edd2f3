/** OpenAI-compatible chat/completions responses (openai, azure_openai and any unknown provider). */
import type { JsonObject } from '../../json.js';
import {
  asArray,
  asCount,
  asObj,
  itemIndex,
  looksLikeJsonObject,
  nonEmptyString,
  parseJsonObject,
} from '../../json.js';
import { byIndex } from './types.js';
import type { SseEvent } from '../../streaming/sse-decoder.js';
import type { ResponseFacts, Usage } from './types.js';
import { makeFacts } from './types.js';

const TOOL_FINISH_REASONS: ReadonlySet<string> = new Set(['tool_calls', 'function_call']);

/**
 * Reads an OpenAI `usage` object. Chat/completions use prompt_tokens/completion_tokens; the Responses API
 * shape (input_tokens/output_tokens) is accepted as a fallback.
 */
export function openAIUsage(v: unknown): Usage | undefined {
  const u = asObj(withHiddenReasoning(v));
  if (u === undefined) return undefined;
  let prompt = asCount(u.prompt_tokens);
  let completion = asCount(u.completion_tokens);
  let promptDetails = asObj(u.prompt_tokens_details);
  let completionDetails = asObj(u.completion_tokens_details);
  if (prompt === undefined && completion === undefined) {
    prompt = asCount(u.input_tokens);
    completion = asCount(u.output_tokens);
    if (prompt === undefined && completion === undefined) return undefined;
    promptDetails = asObj(u.input_tokens_details);
    completionDetails = asObj(u.output_tokens_details);
  }
  const usage: Usage = { promptTokens: prompt ?? 0, completionTokens: completion ?? 0 };
  const cached = asCount(promptDetails?.cached_tokens);
  if (cached !== undefined) usage.cachedInputTokens = cached;
  // Not an OpenAI field: the Anthropic and Bedrock adapters carry cache writes here (OpenAI-compatible
  // APIs such as OpenRouter name them cache_write_tokens).
  const cacheCreation =
    asCount(promptDetails?.cache_creation_input_tokens) ?? asCount(promptDetails?.cache_write_tokens);
  if (cacheCreation !== undefined) usage.cacheCreationInputTokens = cacheCreation;
  const reasoning = asCount(completionDetails?.reasoning_tokens);
  if (reasoning !== undefined) usage.reasoningTokens = reasoning;
  return usage;
}

/**
 * An OpenAI usage object whose total exceeds prompt + completion, made whole: Gemini's
 * OpenAI-compatible endpoint leaves its thinking tokens out of completion_tokens but counts them in
 * total_tokens. OpenAI counts reasoning inside completion_tokens (with the part in
 * completion_tokens_details.reasoning_tokens), so the difference goes there. Other usage is returned
 * as is (the same object).
 */
export function withHiddenReasoning<T>(usage: T): T {
  const u = asObj(usage);
  const prompt = asCount(u?.prompt_tokens);
  const total = asCount(u?.total_tokens);
  if (u === undefined || prompt === undefined || total === undefined) return usage;
  // Gemini also leaves completion_tokens out when the answer is all thinking.
  const completion = asCount(u.completion_tokens) ?? 0;
  const hidden = total - prompt - completion;
  if (hidden <= 0) return usage;
  const details = asObj(u.completion_tokens_details);
  const reasoning = Math.max(asCount(details?.reasoning_tokens) ?? 0, hidden);
  return {
    ...u,
    completion_tokens: completion + hidden,
    completion_tokens_details: { ...details, reasoning_tokens: reasoning },
  } as T;
}

function hasToolCalls(msg: JsonObject | undefined): boolean {
  if (msg === undefined) return false;
  return asArray(msg.tool_calls).length > 0 || asObj(msg.function_call) !== undefined;
}

/** Facts of a non-streaming chat completion (or legacy completion) body. */
export function openAIResponseFacts(body: JsonObject): ResponseFacts {
  const finishReasons: string[] = [];
  let toolCall = false;
  for (const c of asArray(body.choices)) {
    const choice = asObj(c);
    if (choice === undefined) continue;
    const reason = nonEmptyString(choice.finish_reason);
    if (reason !== undefined) {
      finishReasons.push(reason);
      if (TOOL_FINISH_REASONS.has(reason)) toolCall = true;
    }
    if (hasToolCalls(asObj(choice.message))) toolCall = true;
  }
  return makeFacts(openAIUsage(body.usage), nonEmptyString(body.model), finishReasons, toolCall);
}

/**
 * Chunks that can change the facts once the model is known: a non-null usage, finish_reason, tool_calls or
 * function_call. A false positive only costs a JSON.parse; a JSON key is never escaped in practice.
 */
const RELEVANT_CHUNK = /"(?:usage|finish_reason|tool_calls|function_call)"\s*:\s*[^\sn]/;

export type EventResult = 'ok' | 'invalid' | 'skipped';

/** Accumulates facts over `chat.completion.chunk` SSE events. */
export class OpenAIStreamFacts {
  private usage: Usage | undefined;
  private model: string | undefined;
  private readonly finish = new Map<number, string>();
  private toolCall = false;
  done = false;

  onEvent(ev: SseEvent): EventResult {
    const data = ev.data;
    if (data.length < 16 && data.trim() === '[DONE]') {
      this.done = true;
      return 'ok';
    }
    if (!looksLikeJsonObject(data)) return 'invalid';
    if (this.model !== undefined && !RELEVANT_CHUNK.test(data)) return 'skipped';
    const chunk = parseJsonObject(data);
    if (chunk === undefined) return 'invalid';
    this.model ??= nonEmptyString(chunk.model);
    const usage = openAIUsage(chunk.usage);
    if (usage !== undefined) this.usage = usage;
    const choices = asArray(chunk.choices);
    for (let i = 0; i < choices.length; i++) {
      const choice = asObj(choices[i]);
      if (choice === undefined) continue;
      const reason = nonEmptyString(choice.finish_reason);
      if (reason !== undefined) {
        this.finish.set(itemIndex(choice, i), reason);
        if (TOOL_FINISH_REASONS.has(reason)) this.toolCall = true;
      }
      if (hasToolCalls(asObj(choice.delta))) this.toolCall = true;
    }
    return 'ok';
  }

  get facts(): ResponseFacts {
    return makeFacts(this.usage, this.model, byIndex(this.finish), this.toolCall);
  }
}

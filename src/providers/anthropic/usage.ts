/** Token usage between the two APIs. */
import type { Json } from '../translate/types.js';
import { asCount, asObj } from '../../json.js';

/** Anthropic usage, merged over a stream: fields reported later overwrite earlier ones (they are cumulative). */
export interface AnthropicUsage {
  inputTokens?: number;
  outputTokens?: number;
  cacheReadInputTokens?: number;
  cacheCreationInputTokens?: number;
}

/** Merges the fields present in an Anthropic `usage` object into `into`; returns whether any was present. */
export function mergeAnthropicUsage(into: AnthropicUsage, usage: unknown): boolean {
  const u = asObj(usage);
  if (u === undefined) return false;
  let any = false;
  const set = (key: keyof AnthropicUsage, v: unknown): void => {
    const n = asCount(v);
    if (n === undefined) return;
    into[key] = n;
    any = true;
  };
  set('inputTokens', u.input_tokens);
  set('outputTokens', u.output_tokens);
  set('cacheReadInputTokens', u.cache_read_input_tokens);
  set('cacheCreationInputTokens', u.cache_creation_input_tokens);
  return any;
}

/**
 * Anthropic usage → OpenAI usage. OpenAI's prompt_tokens include cached tokens, so prompt_tokens is
 * input + cache_read + cache_creation, and cached_tokens is cache_read. cache_creation_input_tokens is
 * kept under prompt_tokens_details (an extension field) when the upstream reported it.
 */
export function anthropicToOpenAIUsage(u: AnthropicUsage): Json {
  const read = u.cacheReadInputTokens ?? 0;
  const prompt = (u.inputTokens ?? 0) + read + (u.cacheCreationInputTokens ?? 0);
  const completion = u.outputTokens ?? 0;
  const details: Json = { cached_tokens: read };
  if (u.cacheCreationInputTokens !== undefined) {
    details.cache_creation_input_tokens = u.cacheCreationInputTokens;
  }
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: details,
  };
}

/**
 * OpenAI usage → Anthropic usage fields. Anthropic's input_tokens exclude cached tokens, so input_tokens is
 * prompt_tokens − cached_tokens − cache_creation_input_tokens (never below 0).
 */
export function openAIToAnthropicUsage(usage: unknown): AnthropicUsage | undefined {
  const u = asObj(usage);
  if (u === undefined) return undefined;
  const prompt = asCount(u.prompt_tokens);
  const completion = asCount(u.completion_tokens);
  if (prompt === undefined && completion === undefined) return undefined;
  const details = asObj(u.prompt_tokens_details);
  const read = asCount(details?.cached_tokens);
  // Cache writes: our adapters' field, or cache_write_tokens (OpenRouter and other OpenAI-compatible APIs).
  const creation = asCount(details?.cache_creation_input_tokens) ?? asCount(details?.cache_write_tokens);
  const out: AnthropicUsage = {
    inputTokens: Math.max(0, (prompt ?? 0) - (read ?? 0) - (creation ?? 0)),
    outputTokens: completion ?? 0,
  };
  if (read !== undefined) out.cacheReadInputTokens = read;
  if (creation !== undefined) out.cacheCreationInputTokens = creation;
  return out;
}

/** Anthropic wire `usage` object from the merged fields (input and output always present). */
export function anthropicUsageJson(u: AnthropicUsage): Json {
  const out: Json = { input_tokens: u.inputTokens ?? 0, output_tokens: u.outputTokens ?? 0 };
  if (u.cacheReadInputTokens !== undefined) out.cache_read_input_tokens = u.cacheReadInputTokens;
  if (u.cacheCreationInputTokens !== undefined) out.cache_creation_input_tokens = u.cacheCreationInputTokens;
  return out;
}

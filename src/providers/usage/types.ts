/** Token usage and response facts shared by every provider parser. Plain data only. */

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  /** Prompt tokens served from the provider's cache (OpenAI cached_tokens, Anthropic cache_read_input_tokens, Gemini cachedContentTokenCount). */
  cachedInputTokens?: number;
  /** Anthropic cache_creation_input_tokens. */
  cacheCreationInputTokens?: number;
  /** OpenAI reasoning_tokens, Gemini thoughtsTokenCount. */
  reasoningTokens?: number;
}

export interface ResponseFacts {
  usage?: Usage;
  /** The model the provider reports having used (OpenAI/Anthropic `model`, Gemini `modelVersion`). */
  responseModel?: string;
  /** One entry per choice / candidate that reported one, in choice-index order. */
  finishReasons: string[];
  /** The response is a pure tool (function) call, so there is no text to guard. */
  isToolCall: boolean;
}

export type { ProviderFamily } from '../../provider-family.js';
export { providerFamily } from '../../provider-family.js';

/** Builds a ResponseFacts object without undefined optional keys (exactOptionalPropertyTypes). */
export function makeFacts(
  usage: Usage | undefined,
  responseModel: string | undefined,
  finishReasons: string[],
  isToolCall: boolean,
): ResponseFacts {
  const facts: ResponseFacts = { finishReasons, isToolCall };
  if (usage !== undefined) facts.usage = { ...usage };
  if (responseModel !== undefined) facts.responseModel = responseModel;
  return facts;
}

/** Text that carries content: a string with at least one non-whitespace character. */
export function hasText(v: unknown): boolean {
  return typeof v === 'string' && v.trim() !== '';
}

/** The values of an index-keyed map, in index order. */
export function byIndex(m: ReadonlyMap<number, string>): string[] {
  return [...m.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
}

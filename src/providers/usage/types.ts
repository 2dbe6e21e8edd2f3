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

/** The wire dialect a kgateway `x-llm-provider` value speaks. */
export type ProviderFamily = 'openai' | 'anthropic' | 'gemini';

/**
 * Maps a kgateway `x-llm-provider` value (`openai | azure_openai | anthropic | gemini | vertex-ai`) to its
 * wire dialect. Matching is exact, as in kgateway; any other value is treated as OpenAI-compatible.
 */
export function providerFamily(provider: string): ProviderFamily {
  switch (provider) {
    case 'anthropic':
      return 'anthropic';
    case 'gemini':
    case 'vertex-ai':
      return 'gemini';
    default:
      return 'openai';
  }
}

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

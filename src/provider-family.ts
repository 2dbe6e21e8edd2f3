/**
 * The wire dialect of an LLM API: the shapes of its request, response and stream events. Shared by
 * the pure core (guards read bodies of every family, providers parse them), so it lives below both.
 */
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

/** Public entry of the provider usage parsers; the implementation lives in ./usage/. */
export {
  StreamFactsAccumulator,
  anthropicUsage,
  geminiUsage,
  openAIUsage,
  parseResponseFacts,
  providerFamily,
} from './usage/index.js';
export type { ProviderFamily, ResponseFacts, Usage } from './usage/index.js';

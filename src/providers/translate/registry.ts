/**
 * Adapters by provider and by client API: the coverage matrix in one place. Canonical form is OpenAI chat;
 * a translation file is named `<from>-to-<to>.<what>.ts` after the data's direction and exports
 * `<from>To<To><What>` (e.g. anthropic/anthropic-to-openai.response.ts → anthropicToOpenAIResponse).
 * The whole matrix: src/providers/README.md.
 */
import type { ClientAdapter, ClientApi, ProviderAdapter, ProviderKind, UpstreamTarget } from './types.js';
import { anthropicClient, anthropicProvider } from '../anthropic/index.js';
import { geminiProvider, vertexProvider } from '../gemini/index.js';
import {
  azureOpenAIProvider,
  mistralProvider,
  ollamaProvider,
  openaiClient,
  openaiProvider,
} from '../openai/index.js';
import { bedrockProvider } from '../bedrock/index.js';
import { claudePlatform } from '../claude-platforms/platforms.js';
import { vertexClaudeProvider } from '../claude-platforms/vertex-claude.provider.js';
import { responsesClient, responsesProvider } from '../openai-responses/index.js';
import { geminiCall, geminiClient } from '../gemini-client/index.js';

const PROVIDERS: Readonly<Record<ProviderKind, ProviderAdapter>> = {
  openai: openaiProvider,
  azure_openai: azureOpenAIProvider,
  anthropic: anthropicProvider,
  gemini: geminiProvider,
  'vertex-ai': vertexProvider,
  mistral: mistralProvider,
  ollama: ollamaProvider,
  bedrock: bedrockProvider,
};

const CLIENTS: Readonly<Record<ClientApi, ClientAdapter>> = {
  openai: openaiClient,
  anthropic: anthropicClient,
  'openai-responses': responsesClient,
  gemini: geminiClient,
};

export const providerAdapter = (kind: ProviderKind): ProviderAdapter => PROVIDERS[kind];
/**
 * The adapter for one upstream target: an OpenAI model served only on /v1/responses gets that API's;
 * Claude on Vertex speaks Anthropic Messages, not generateContent.
 */
export const providerAdapterFor = (
  target: Pick<UpstreamTarget, 'provider' | 'model' | 'openaiApi'>,
): ProviderAdapter =>
  target.openaiApi === 'responses'
    ? responsesProvider
    : claudePlatform(target) === 'vertex'
      ? vertexClaudeProvider
      : PROVIDERS[target.provider];
export const clientAdapter = (api: ClientApi): ClientAdapter => CLIENTS[api];

/**
 * Which client API a request path speaks: Anthropic Messages (and its count_tokens), OpenAI
 * Responses, Gemini's `models/{m}:generateContent` (and its stream and countTokens), or OpenAI Chat
 * Completions.
 */
export function clientApiForPath(path: string): ClientApi {
  if (geminiCall(path) !== undefined) return 'gemini';
  const p = path.split('?')[0] ?? '';
  if (/\/responses\/?$/.test(p)) return 'openai-responses';
  return /\/messages(\/count_tokens)?\/?$/.test(p) ? 'anthropic' : 'openai';
}

/**
 * Same API in and out: when the client speaks the provider's own API, the request and the answer
 * are not translated at all (lossless: thinking signatures, cache_control, server tools, citations
 * and every field we do not know pass as the client sent them). This module says which provider
 * speaks which client API natively and where its requests go; the pipeline's codec does the rest.
 *
 * The rule is general (client API == provider API): a new client API (Responses, Gemini-native)
 * or a provider that speaks an existing one (Claude on Vertex or Bedrock) is one entry here.
 */
import {
  ANTHROPIC_MESSAGES_PATH,
  DEFAULT_ANTHROPIC_VERSION,
} from '../anthropic/openai-to-anthropic.request.js';
import { AZURE_PROFILE, OPENAI_PROFILE } from '../openai/profiles.js';
import { geminiPath, vertexPath } from '../gemini/paths.js';
import { claudePlatform, claudePlatformHeaders, claudePlatformPath } from '../claude-platforms/platforms.js';
import type { ClientApi, ProviderKind, UpstreamTarget } from './types.js';

/** Where a native request goes: the provider's path and the protocol headers it needs. */
export interface NativeUpstream {
  readonly path: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
}

const JSON_TYPE: readonly [string, string] = ['content-type', 'application/json'];

/**
 * The client API a provider speaks as is. Mistral and Ollama are OpenAI-compatible but not
 * OpenAI: Mistral refuses unknown fields and both answer in their own dialect (content arrays,
 * `reasoning`), so they stay on the translated path, which fits requests and answers to them.
 */
const NATIVE: Partial<Record<ProviderKind, ClientApi>> = {
  anthropic: 'anthropic',
  openai: 'openai',
  azure_openai: 'openai',
  gemini: 'gemini',
  'vertex-ai': 'gemini',
};

/** The client API `provider` speaks natively, if any. */
export function nativeApi(provider: ProviderKind): ClientApi | undefined {
  return NATIVE[provider];
}

/** The client API `target` speaks natively: its provider's, or Anthropic's for Claude on a platform. */
export function nativeApiFor(target: Pick<UpstreamTarget, 'provider' | 'model'>): ClientApi | undefined {
  return claudePlatform(target) !== undefined ? 'anthropic' : NATIVE[target.provider];
}

/** OpenAI's Responses API, served by OpenAI itself (its state, `previous_response_id`, lives there). */
export const RESPONSES_PATH = '/v1/responses';

/** Whether a `client` request to `target` goes untranslated. */
export function speaksNatively(target: UpstreamTarget, client: ClientApi): boolean {
  if (target.openaiApi === 'responses') return client === 'openai-responses';
  return nativeApiFor(target) === client || (client === 'openai-responses' && target.provider === 'openai');
}

/**
 * The upstream path and protocol headers of a native request to `target`. `geminiSse` false: a
 * Gemini stream as Google's JSON array (`:streamGenerateContent` without `alt=sse`), as the client asked.
 */
export function nativeUpstream(target: UpstreamTarget, client?: ClientApi, geminiSse = true): NativeUpstream {
  if (client === 'openai-responses') return { path: RESPONSES_PATH, headers: [JSON_TYPE] };
  const platform = claudePlatform(target);
  if (platform !== undefined)
    return { path: claudePlatformPath(platform, target), headers: claudePlatformHeaders(platform, target) };
  switch (target.provider) {
    case 'anthropic':
      return {
        path: ANTHROPIC_MESSAGES_PATH,
        headers: [JSON_TYPE, ['anthropic-version', target.anthropicVersion ?? DEFAULT_ANTHROPIC_VERSION]],
      };
    case 'azure_openai':
      return { path: AZURE_PROFILE.path(target), headers: [JSON_TYPE] };
    case 'gemini':
    case 'vertex-ai': {
      const path = target.provider === 'gemini' ? geminiPath(target) : vertexPath(target);
      return { path: geminiSse ? path : path.replace(/\?alt=sse$/, ''), headers: [JSON_TYPE] };
    }
    default:
      return { path: OPENAI_PROFILE.path(target), headers: [JSON_TYPE] };
  }
}

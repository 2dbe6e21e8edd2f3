/**
 * What each OpenAI-compatible upstream accepts. OpenAI and Azure take the client request as is; Mistral
 * rejects unknown fields (HTTP 422, "extra inputs are not permitted"), and Ollama silently ignores them, so
 * both get an allowlist and every other parameter is dropped and reported.
 */
import type { ProviderKind, UpstreamTarget } from '../translate/types.js';

export interface OpenAICompatProfile {
  readonly provider: ProviderKind;
  path(target: UpstreamTarget): string;
  /** Top-level request keys the upstream accepts; undefined = everything. */
  readonly accepted?: ReadonlySet<string>;
  /** Renames applied before the allowlist (from → to), only when `to` is not already set. */
  readonly renames?: Readonly<Record<string, string>>;
  /** Keys each message role may carry; other keys are dropped and reported as `messages[].<key>`. */
  readonly messageKeys?: Readonly<Record<string, ReadonlySet<string>>>;
  /** The upstream knows no `developer` role: send it as `system`. */
  readonly developerToSystem: boolean;
}

export const DEFAULT_AZURE_API_VERSION = '2024-10-21';

const CHAT_PATH = '/v1/chat/completions';

export const OPENAI_PROFILE: OpenAICompatProfile = {
  provider: 'openai',
  path: () => CHAT_PATH,
  developerToSystem: false,
};

export const AZURE_PROFILE: OpenAICompatProfile = {
  provider: 'azure_openai',
  path: (t) =>
    `/openai/deployments/${encodeURIComponent(t.model)}/chat/completions?api-version=${encodeURIComponent(
      t.azureApiVersion ?? DEFAULT_AZURE_API_VERSION,
    )}`,
  developerToSystem: false,
};

/** Mistral chat completions request schema (La Plateforme). `stream_options` is not accepted: Mistral
 * always reports usage on its last streamed chunk. */
export const MISTRAL_PROFILE: OpenAICompatProfile = {
  provider: 'mistral',
  path: () => CHAT_PATH,
  accepted: new Set([
    'model',
    'messages',
    'stream',
    'temperature',
    'top_p',
    'max_tokens',
    'stop',
    'random_seed',
    'response_format',
    'tools',
    'tool_choice',
    'presence_penalty',
    'frequency_penalty',
    'n',
    'prediction',
    'parallel_tool_calls',
    'prompt_mode',
    'safe_prompt',
  ]),
  renames: { max_completion_tokens: 'max_tokens', seed: 'random_seed' },
  messageKeys: {
    system: new Set(['role', 'content']),
    user: new Set(['role', 'content']),
    assistant: new Set(['role', 'content', 'tool_calls', 'prefix']),
    tool: new Set(['role', 'content', 'tool_call_id', 'name']),
  },
  developerToSystem: true,
};

/** Ollama's OpenAI-compatible endpoint (documented supported fields). */
export const OLLAMA_PROFILE: OpenAICompatProfile = {
  provider: 'ollama',
  path: () => CHAT_PATH,
  accepted: new Set([
    'model',
    'messages',
    'stream',
    'stream_options',
    'temperature',
    'top_p',
    'max_tokens',
    'stop',
    'seed',
    'frequency_penalty',
    'presence_penalty',
    'response_format',
    'tools',
    'reasoning_effort',
  ]),
  renames: { max_completion_tokens: 'max_tokens' },
  developerToSystem: true,
};

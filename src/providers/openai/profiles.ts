/**
 * What each OpenAI-compatible upstream accepts: the small dialect table that lets an OpenAI client's request
 * pass to it as it is otherwise. OpenAI and Azure take the client request as is. Mistral and Ollama speak
 * Chat Completions with differences, checked against their API references and recorded Mistral traffic
 * (responses are OpenAI's shape but for Magistral's content parts and Mistral's untyped tool calls, see
 * openai-compat-to-openai.response.ts), so no translation to another format is needed, only this table:
 * - Mistral rejects unknown fields (HTTP 422, "extra inputs are not permitted"): an allowlist, every other
 *   parameter dropped and reported (`reasoning_effort`, `stream_options`, `logprobs`, `user`, …);
 *   `max_completion_tokens` → `max_tokens`, `seed` → `random_seed`; `developer` → `system`; per-role message
 *   keys; tool call ids of 9 characters [a-zA-Z0-9] (openai-to-mistral.tool-call-ids.ts).
 * - Ollama's OpenAI-compatible endpoint ignores what it does not support: the documented fields only, the
 *   rest dropped and reported (`tool_choice`, `n`, `logprobs`, `user`, …); `max_completion_tokens` →
 *   `max_tokens`; `developer` → `system`; images only as data: URLs (a linked image is dropped, reported).
 */
import type { ProviderKind, UpstreamTarget } from '../translate/types.js';
import { mistralToolCallIds } from './openai-to-mistral.tool-call-ids.js';

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
  /** Rewrites tool call ids the upstream would refuse (the same way in calls and results). */
  readonly toolCallIds?: (messages: readonly unknown[]) => readonly unknown[];
  /** The upstream reads images only from data: URLs: other image_url parts are dropped and reported. */
  readonly dataImagesOnly?: boolean;
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
  toolCallIds: mistralToolCallIds,
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
  dataImagesOnly: true,
};

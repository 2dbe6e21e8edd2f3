/**
 * The budget proof's traffic: many concurrent streaming chat requests through Envoy, each with a
 * known prompt and max_tokens, and what they spent by the mock provider's own usage formula.
 */
import OpenAI from 'openai';
import type { MockProvider } from '../../mock-provider/server.js';
import { expectedUsage } from '../../mock-provider/server.js';
import { estimatePromptTokens } from '../../src/tokens/prompt-estimate.js';

/** One route, every client with a 1,000-token daily budget; `stores` goes in as a YAML block. */
export function budgetConfig(stores = ''): string {
  return `
version: 1
backends:
  mock: { provider: openai, baseUrl: http://{{UPSTREAM}}, auth: { apiKey: { env: GW_KEY } }, defaultModel: gpt-4o-mini }
clients:
  wave: { key: { env: KEY_WAVE }, team: load }
  cancel: { key: { env: KEY_CANCEL }, team: load }
  small: { key: { env: KEY_SMALL } }
  orphan: { key: { env: KEY_ORPHAN } }
pricing:
  gpt-4o-mini: { input: 0.15, output: 0.6 }
${stores}
routes:
  - name: per-ip
    match: { pathPrefix: /ip }
    backend: mock
    policy:
      limits:
        - { name: per-ip, key: [ip], requests: { limit: 2, per: day } }
  - name: chat
    match: { pathPrefix: /v1 }
    backend: mock
    policy:
      requireClient: true
      maxOutputTokens: 100
      limits:
        - { name: per-client, key: [client], tokens: { limit: 1000, per: day } }
`;
}

export const BUDGET_SECRETS = {
  GW_KEY: 'sk-gateway-key',
  KEY_WAVE: 'vk-wave-0123456789',
  KEY_CANCEL: 'vk-cancel-0123456789',
  KEY_SMALL: 'vk-small-0123456789',
  KEY_ORPHAN: 'vk-orphan-0123456789',
};

export const WAVE_PROMPT = 'Tell me a story about a lighthouse.';

export interface WaveResult {
  readonly admitted: number;
  readonly limited: number;
  readonly other: string[];
  /** Chunks with a usage field the client saw (it did not ask for usage: must be 0). */
  readonly usageChunks: number;
}

export function client(baseURL: string, apiKey: string): OpenAI {
  return new OpenAI({ baseURL: `${baseURL}/v1`, apiKey, maxRetries: 0, timeout: 60_000 });
}

/** The gateway's reservation for one wave request: prompt estimate + max_tokens. */
export function reservation(maxTokens: number, prompt = WAVE_PROMPT): number {
  const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt }], stream: true };
  return estimatePromptTokens(body, 'openai') + maxTokens;
}

/** `count` streaming requests at once; each is read to its end. */
export async function wave(
  c: OpenAI,
  count: number,
  maxTokens: number,
  headers: Record<string, string> = {},
): Promise<WaveResult> {
  let admitted = 0;
  let limited = 0;
  let usageChunks = 0;
  const other: string[] = [];
  await Promise.all(
    Array.from({ length: count }, async () => {
      try {
        const stream = await c.chat.completions.create(
          {
            model: 'gpt-4o-mini',
            messages: [{ role: 'user', content: WAVE_PROMPT }],
            stream: true,
            max_tokens: maxTokens,
          },
          { headers },
        );
        for await (const chunk of stream) if (chunk.usage) usageChunks++;
        admitted++;
      } catch (err) {
        if (err instanceof OpenAI.RateLimitError) limited++;
        else other.push(String(err));
      }
    }),
  );
  return { admitted, limited, other, usageChunks };
}

/** Tokens the mock provider charged for every request it served (its own usage formula). */
export function spentTokens(mock: MockProvider): number {
  return mock.requests
    .filter((r) => r.path.startsWith('/v1/chat/completions'))
    .reduce(
      (sum, r) => sum + expectedUsage({ path: r.path, body: r.body, headers: r.headers }).totalTokens,
      0,
    );
}

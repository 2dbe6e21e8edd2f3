/**
 * Golden tests for the cross pairs the standalone gateway composes from its adapters: an Anthropic
 * Messages client against every non-Anthropic provider (requests), and provider streams re-encoded
 * for an Anthropic client (streams replayed whole and one byte at a time). UPDATE_GOLDEN=1 rewrites
 * the expected files under test/fixtures/translate/pairs/.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { anthropicClient } from '../../../../src/providers/anthropic/index.js';
import { providerAdapter } from '../../../../src/providers/translate/registry.js';
import type {
  Json,
  OpenAIChatChunk,
  ProviderKind,
  UpstreamTarget,
} from '../../../../src/providers/translate/types.js';
import { assertGolden } from '../../../helpers/golden.js';

const DIR = path.resolve('test/fixtures/translate');
const OUT = path.join(DIR, 'pairs');

const golden = (name: string, actual: unknown): void => assertGolden(OUT, name, actual);

const TARGETS: Record<Exclude<ProviderKind, 'anthropic'>, UpstreamTarget> = {
  openai: { provider: 'openai', model: 'gpt-4o-mini', stream: false },
  azure_openai: {
    provider: 'azure_openai',
    model: 'my-deployment',
    stream: false,
    azureApiVersion: '2024-10-21',
  },
  gemini: { provider: 'gemini', model: 'gemini-2.5-flash', stream: false },
  'vertex-ai': {
    provider: 'vertex-ai',
    model: 'gemini-2.5-flash',
    stream: false,
    vertexProject: 'p',
    vertexLocation: 'us-central1',
  },
  mistral: { provider: 'mistral', model: 'mistral-large-latest', stream: false },
  ollama: { provider: 'ollama', model: 'llama3.2', stream: false },
  bedrock: {
    provider: 'bedrock',
    model: 'anthropic.claude-3-5-haiku-20241022-v1:0',
    stream: false,
    bedrockRegion: 'us-east-1',
  },
};

describe('Anthropic client → every other provider (requests)', () => {
  // Inputs are the Anthropic client-request fixtures; images are data URLs so Bedrock can take them.
  for (const c of ['basic', 'tools']) {
    const input = JSON.parse(
      fs.readFileSync(path.join(DIR, 'anthropic/client-request', `${c}.in.json`), 'utf8'),
    ) as Json;
    for (const [name, target] of Object.entries(TARGETS)) {
      it(`${c} → ${name}`, () => {
        const canonical = anthropicClient.request(structuredClone(input));
        const t = providerAdapter(target.provider).request(canonical, {
          ...target,
          stream: canonical.stream === true,
        });
        golden(`anthropic-to-${name}.${c}.json`, {
          path: t.path,
          headers: t.headers,
          droppedParams: t.droppedParams,
          body: JSON.parse(t.body.toString()) as unknown,
        });
      });
    }
  }
});

describe('provider streams → Anthropic client SSE', () => {
  const streams: [string, ProviderKind, string][] = [
    ['gemini-text', 'gemini', 'gemini/stream-text-crlf.sse'],
    ['gemini-tools', 'gemini', 'gemini/stream-tool-calls.sse'],
    ['openai-tools', 'openai', 'openai/stream-openai-tool-args-crlf.sse'],
    ['openai-usage', 'openai', 'openai/stream-openai-usage.sse'],
  ];
  for (const [name, provider, file] of streams) {
    it(`${name}: whole and byte by byte give the same client stream`, () => {
      const bytes = fs.readFileSync(path.join(DIR, file));
      const target: UpstreamTarget = { provider, model: 'm', stream: true };
      const run = (pieces: Buffer[]): string => {
        const dec = providerAdapter(provider).stream(target);
        const enc = anthropicClient.stream();
        let out = '';
        const push = (chunks: OpenAIChatChunk[]): void => {
          out += enc.push(chunks);
        };
        for (const p of pieces) push(dec.push(p));
        push(dec.end());
        return out + enc.end();
      };
      const whole = run([bytes]);
      const byByte = run([...bytes].map((b) => Buffer.from([b])));
      assert.equal(byByte, whole);
      // Stable ids/timestamps are not part of the contract: normalise them for the golden file.
      golden(
        `${name}.to-anthropic.sse`,
        whole.replace(/"id":"[^"]+"/g, '"id":"ID"').replace(/"created":\d+/g, '"created":0'),
      );
    });
  }
});

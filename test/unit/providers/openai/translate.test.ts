/**
 * OpenAI-compatible adapters (OpenAI, Azure OpenAI, Mistral, Ollama): golden requests, responses, errors.
 * Fixtures: test/fixtures/translate/openai/{req-*,resp-*}.in.json → *.out.json; the adapter comes from
 * the target (requests) or the file name (responses). Regenerate outputs with UPDATE_GOLDEN=1.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import {
  azureOpenAIProvider,
  injectedStreamUsage,
  mistralProvider,
  ollamaProvider,
  openaiProvider,
} from '../../../../src/providers/openai/index.js';
import type { Json, ProviderAdapter, UpstreamTarget } from '../../../../src/providers/translate/types.js';
import { TranslationError } from '../../../../src/providers/translate/types.js';

const DIR = path.resolve('test/fixtures/translate/openai');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const readJson = (name: string): unknown => JSON.parse(readFileSync(path.join(DIR, name), 'utf8'));

function golden(name: string, actual: unknown): void {
  const file = path.join(DIR, name);
  if (UPDATE) writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
  assert.deepStrictEqual(actual, JSON.parse(readFileSync(file, 'utf8')));
}

const ADAPTERS: Record<string, ProviderAdapter> = {
  openai: openaiProvider,
  azure_openai: azureOpenAIProvider,
  azure: azureOpenAIProvider,
  mistral: mistralProvider,
  ollama: ollamaProvider,
};

const names = (prefix: string): string[] =>
  readdirSync(DIR)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.in.json'))
    .map((f) => f.slice(0, -'.in.json'.length))
    .sort();

describe('openai-compatible adapters: identity', () => {
  it('provider kinds', () => {
    assert.equal(openaiProvider.provider, 'openai');
    assert.equal(azureOpenAIProvider.provider, 'azure_openai');
    assert.equal(mistralProvider.provider, 'mistral');
    assert.equal(ollamaProvider.provider, 'ollama');
  });
});

describe('openai-compatible request goldens', () => {
  for (const name of names('req-')) {
    it(name, () => {
      const { target, request } = readJson(`${name}.in.json`) as { target: UpstreamTarget; request: Json };
      const frozen = structuredClone(request);
      const adapter = ADAPTERS[target.provider];
      assert.ok(adapter);
      const out = adapter.request(request, target);
      assert.deepStrictEqual(request, frozen, 'the client request is not mutated');
      golden(`${name}.out.json`, {
        path: out.path,
        headers: out.headers,
        droppedParams: out.droppedParams,
        injectedStreamUsage: injectedStreamUsage(request, target),
        body: JSON.parse(out.body.toString('utf8')),
      });
    });
  }

  it('OpenAI and Azure drop nothing of a streaming request', () => {
    const { request: req } = readJson('req-openai-stream.in.json') as { request: Json };
    for (const adapter of [openaiProvider, azureOpenAIProvider]) {
      const t: UpstreamTarget = { provider: adapter.provider, model: 'm', stream: true };
      assert.deepStrictEqual(adapter.request(req, t).droppedParams, []);
    }
  });

  it("Gemini's thought signatures (extra_content) never reach another OpenAI-compatible API", () => {
    const sig = { google: { thought_signature: 'c2ln' } };
    const req = {
      model: 'x',
      messages: [
        { role: 'user', content: 'weather?' },
        {
          role: 'assistant',
          content: 'Let me check.',
          extra_content: sig,
          tool_calls: [
            { id: 'c1', type: 'function', function: { name: 'w', arguments: '{}' }, extra_content: sig },
          ],
        },
        { role: 'tool', tool_call_id: 'c1', content: '18C' },
      ],
    } as Json;
    const frozen = structuredClone(req);
    for (const adapter of [openaiProvider, azureOpenAIProvider, mistralProvider, ollamaProvider]) {
      const t: UpstreamTarget = { provider: adapter.provider, model: 'm', stream: false };
      const out = adapter.request(req, t);
      assert.ok(!out.body.toString().includes('extra_content'), adapter.provider);
      assert.ok(out.droppedParams.includes('messages[].extra_content'), adapter.provider);
      const sent = JSON.parse(out.body.toString()) as { messages: { tool_calls?: unknown[] }[] };
      assert.equal(sent.messages[1]!.tool_calls!.length, 1);
    }
    assert.deepStrictEqual(req, frozen);
  });

  it('messages that are not an array, or a message that is not an object, are a 400', () => {
    const t: UpstreamTarget = { provider: 'mistral', model: 'm', stream: false };
    for (const req of [{ messages: 'hi' }, { messages: ['hi'] }] as Json[]) {
      assert.throws(
        () => mistralProvider.request(req, t),
        (e: unknown) => e instanceof TranslationError && e.status === 400,
      );
    }
  });
});

describe('injectedStreamUsage', () => {
  const streaming: UpstreamTarget = { provider: 'openai', model: 'm', stream: true };
  it('is true only for a streamed request whose client did not ask for usage', () => {
    assert.equal(injectedStreamUsage({ stream: true }, streaming), true);
    assert.equal(
      injectedStreamUsage({ stream: true, stream_options: { include_usage: false } }, streaming),
      true,
    );
    assert.equal(
      injectedStreamUsage({ stream: true, stream_options: { include_usage: true } }, streaming),
      false,
    );
    assert.equal(injectedStreamUsage({}, { ...streaming, stream: false }), false);
  });
});

describe('openai-compatible response goldens', () => {
  const target: UpstreamTarget = { provider: 'openai', model: 'target-model', stream: false };
  for (const name of names('resp-')) {
    it(name, () => {
      const provider = name.split('-')[1] ?? '';
      const adapter = ADAPTERS[provider];
      assert.ok(adapter, provider);
      const body = readJson(`${name}.in.json`) as Json;
      const frozen = structuredClone(body);
      golden(`${name}.out.json`, adapter.response(body, { ...target, provider: adapter.provider }));
      assert.deepStrictEqual(body, frozen, 'the upstream body is not mutated');
    });
  }

  it('OpenAI and Azure responses are returned as is', () => {
    const body = readJson('resp-openai-tool-call.in.json') as Json;
    assert.equal(openaiProvider.response(body, target), body);
    assert.equal(azureOpenAIProvider.response(body, target), body);
  });
});

describe('openai-compatible errors', () => {
  const cases = readJson('errors.json') as Array<{
    name: string;
    status: number;
    body: string;
    expected: Json;
  }>;
  for (const c of cases) {
    it(c.name, () => {
      for (const adapter of [openaiProvider, azureOpenAIProvider, mistralProvider, ollamaProvider]) {
        assert.deepStrictEqual(adapter.error(c.status, Buffer.from(c.body, 'utf8')), c.expected);
      }
    });
  }
});

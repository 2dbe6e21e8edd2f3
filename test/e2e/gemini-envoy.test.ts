/**
 * Gemini-native clients through real Envoy with Google's official SDK (`@google/genai`, pointed at
 * the Envoy listener by `httpOptions.baseUrl`): generateContent, generateContentStream (SSE),
 * countTokens and function calls over two turns, against the OpenAI and Anthropic mocks (through
 * the canonical form) and the Gemini mock (native, lossless). Each mock applies its provider's
 * documented 400 rules to what it receives.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ApiError, GoogleGenAI } from '@google/genai';
import type { Content, Tool } from '@google/genai';
import { startStandaloneStack } from '../helpers/stack.js';
import type { StandaloneStack } from '../helpers/stack.js';
import { repoRoot } from '../helpers/repo.js';

const CONFIG = fs.readFileSync(path.join(repoRoot(), 'test/fixtures/standalone/e2e-gemini.yaml'), 'utf8');
const SECRETS = {
  E2E_OPENAI_KEY: 'sk-gateway-openai',
  E2E_ANTHROPIC_KEY: 'sk-gateway-anthropic',
  E2E_GEMINI_KEY: 'gemini-gateway-key',
};
const TOOLS: Tool[] = [
  {
    functionDeclarations: [
      {
        name: 'lookup_weather',
        description: 'Current weather for a city',
        parametersJsonSchema: {
          type: 'object',
          properties: { location: { type: 'string' } },
          required: ['location'],
        },
      },
    ],
  },
];
const MODELS = ['gpt', 'claude', 'gemini'] as const;
const UPSTREAM_PATH: Record<(typeof MODELS)[number], RegExp> = {
  gpt: /^\/v1\/chat\/completions$/,
  claude: /^\/v1\/messages$/,
  // The backend's API version (v1beta by default), whatever the client used.
  gemini: /^\/v1beta\/models\/gemini-2\.5-flash:(generateContent|streamGenerateContent\?alt=sse)$/,
};

describe('Gemini-native clients (@google/genai) through real Envoy', () => {
  let stack: StandaloneStack;
  let ai: GoogleGenAI;
  before(async () => {
    stack = await startStandaloneStack(CONFIG, {}, SECRETS);
    ai = new GoogleGenAI({ apiKey: 'client-key', httpOptions: { baseUrl: stack.envoy.url } });
  });
  after(async () => {
    await stack?.close();
  });

  for (const model of MODELS) {
    it(`${model}: generateContent, and the key never reaches the provider`, async () => {
      const r = await ai.models.generateContent({
        model,
        contents: 'Say hello.',
        config: { systemInstruction: 'You are terse.', temperature: 0.3, maxOutputTokens: 200 },
      });
      assert.ok(r.text && r.text.length > 0);
      assert.ok(r.usageMetadata!.promptTokenCount! > 0);
      assert.ok(r.usageMetadata!.candidatesTokenCount! > 0);
      assert.equal(r.candidates![0]!.finishReason, 'STOP');
      const up = stack.mock.lastRequest()!;
      assert.match(up.path, UPSTREAM_PATH[model]);
      assert.equal(JSON.stringify(up.headers).includes('client-key'), false);
    });

    it(`${model}: a function call over two turns`, async () => {
      const contents: Content[] = [{ role: 'user', parts: [{ text: 'What is the weather in Paris?' }] }];
      const first = await ai.models.generateContent({ model, contents, config: { tools: TOOLS } });
      const call = first.functionCalls?.[0];
      assert.ok(call, JSON.stringify(first));
      assert.equal(call.name, 'lookup_weather');
      assert.equal(typeof call.args, 'object');
      contents.push(first.candidates![0]!.content!, {
        role: 'user',
        parts: [{ functionResponse: { name: 'lookup_weather', response: { weather: '18C and sunny' } } }],
      });
      const second = await ai.models.generateContent({ model, contents, config: { tools: TOOLS } });
      // An answer (the OpenAI mock may call the tool again: its last user turn still asks for weather).
      assert.equal(second.candidates![0]!.finishReason, 'STOP');
      assert.ok((second.text ?? '').length > 0 || (second.functionCalls ?? []).length > 0);
      assert.ok(JSON.stringify(stack.mock.lastRequest()!.json).includes('18C and sunny'));
    });

    it(`${model}: generateContentStream, text and a function call`, async () => {
      let text = '';
      let last;
      for await (const chunk of await ai.models.generateContentStream({
        model,
        contents: 'Tell me a story.',
      })) {
        text += chunk.text ?? '';
        last = chunk;
      }
      assert.ok(text.length > 0);
      assert.ok(last);
      assert.equal(last.candidates![0]!.finishReason, 'STOP');
      assert.ok(last.usageMetadata!.totalTokenCount! > 0);
      const calls = [];
      for await (const chunk of await ai.models.generateContentStream({
        model,
        contents: 'What is the weather in Paris?',
        config: { tools: TOOLS },
      }))
        calls.push(...(chunk.functionCalls ?? []));
      assert.equal(calls.length, 1);
      assert.equal(calls[0]!.name, 'lookup_weather');
    });

    it(`${model}: countTokens`, async () => {
      const before = stack.mock.requests.length;
      const r = await ai.models.countTokens({ model, contents: 'How many tokens is this question?' });
      assert.ok(r.totalTokens! > 0);
      // Only Gemini counts tokens itself; the gateway answers the others from its estimate.
      assert.equal(stack.mock.requests.length - before, model === 'gemini' ? 1 : 0);
    });
  }

  for (const model of ['gpt', 'gemini'] as const) {
    it(`${model}: streamGenerateContent without alt=sse is one JSON array; ?key= is a credential`, async () => {
      const res = await fetch(
        `${stack.envoy.url}/v1beta/models/${model}:streamGenerateContent?key=client-key`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Tell me a story.' }] }] }),
        },
      );
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      const chunks = (await res.json()) as {
        candidates?: { finishReason?: string }[];
        usageMetadata?: unknown;
      }[];
      assert.ok(chunks.length > 1);
      assert.equal(chunks.at(-1)!.candidates![0]!.finishReason, 'STOP');
      assert.ok(chunks.at(-1)!.usageMetadata);
      const up = stack.mock.lastRequest()!;
      assert.equal(up.path.includes('key='), false);
      assert.equal(JSON.stringify(up.headers).includes('client-key'), false);
      if (model === 'gemini') assert.equal(up.path, '/v1beta/models/gemini-2.5-flash:streamGenerateContent');
    });
  }

  for (const streaming of [false, true]) {
    it(`claude with thinking: the signed thinking rides a thought part and replays on the tool turn (${streaming ? 'stream' : 'JSON'})`, async () => {
      const config = { tools: TOOLS, thinkingConfig: { thinkingBudget: 2048, includeThoughts: true } };
      const turn = async (contents: Content[]): Promise<Content> => {
        if (!streaming)
          return (await ai.models.generateContent({ model: 'claude', contents, config })).candidates![0]!
            .content!;
        // What a streaming client keeps for its history: every part of every chunk, in order.
        const parts = [];
        for await (const chunk of await ai.models.generateContentStream({
          model: 'claude',
          contents,
          config,
        }))
          parts.push(...(chunk.candidates?.[0]?.content?.parts ?? []));
        return { role: 'model', parts };
      };
      const contents: Content[] = [{ role: 'user', parts: [{ text: 'What is the weather in Paris?' }] }];
      const first = await turn(contents);
      const signed = first.parts!.filter(
        (p) => p.thought === true && p.thoughtSignature?.startsWith('aiextproc.v1.'),
      );
      assert.equal(signed.length, 1, JSON.stringify(first));
      assert.ok(first.parts!.some((p) => p.functionCall?.name === 'lookup_weather'));
      contents.push(first, {
        role: 'user',
        parts: [{ functionResponse: { name: 'lookup_weather', response: { weather: '18C and sunny' } } }],
      });
      await turn(contents);
      // Claude got its own signed block back, opening the assistant turn, and thinking stayed on.
      const sent = stack.mock.lastRequest()!.json as {
        thinking?: { type: string };
        messages: { role: string; content: { type: string; signature?: string }[] }[];
      };
      assert.equal(sent.thinking?.type, 'enabled');
      const assistant = sent.messages[1]!;
      assert.equal(assistant.role, 'assistant');
      assert.equal(assistant.content[0]!.type, 'thinking');
      assert.ok((assistant.content[0]!.signature ?? '') !== '');
      assert.ok(assistant.content.some((b) => b.type === 'tool_use'));
    });
  }

  it('an unknown model is a 404 in the Gemini error format', async () => {
    await assert.rejects(
      ai.models.generateContent({ model: 'nope', contents: 'hi' }),
      (err: unknown) => err instanceof ApiError && err.status === 404 && /NOT_FOUND|nope/.test(err.message),
    );
  });
});

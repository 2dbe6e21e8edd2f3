/**
 * Gemini 3 thought signatures through every client API, through real Envoy with the official SDKs.
 * Gemini 3 refuses a function call of the current turn without the signature it gave, and its
 * signatures are worth carrying on text too; so each client must get them in a form it replays:
 * OpenAI clients as `extra_content.google.thought_signature`, Anthropic clients in a thinking block's
 * signature, Responses clients in a reasoning item's `encrypted_content`. Each test runs three turns
 * (a call, the answer after the tool result, a follow-up) and checks that the exact signatures reach the
 * mock Gemini on the right parts, never Google's "skip" placeholder.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startStandaloneStack } from '../helpers/stack.js';
import type { StandaloneStack } from '../helpers/stack.js';
import { repoRoot } from '../helpers/repo.js';

const CONFIG = fs.readFileSync(path.join(repoRoot(), 'test/fixtures/standalone/e2e-cross-api.yaml'), 'utf8');
const SECRETS = {
  E2E_OPENAI_KEY: 'sk-gateway-openai',
  E2E_ANTHROPIC_KEY: 'sk-gateway-anthropic',
  E2E_GEMINI_KEY: 'gemini-gateway-key',
  E2E_AWS_ID: 'AKIDEXAMPLE',
  E2E_AWS_SECRET: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const WEATHER = {
  name: 'lookup_weather',
  parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
};
const TOOLS: OpenAI.Chat.Completions.ChatCompletionTool[] = [{ type: 'function', function: WEATHER }];
const SKIP = 'skip_thought_signature_validator';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- extension fields the SDK types do not name
type AnyJson = any;

/** The signatures the mock Gemini got on the model turns of the last request: `[turn][part]`. */
function sentSignatures(body: AnyJson): (string | undefined)[][] {
  return (body.contents as AnyJson[])
    .filter((c) => c.role === 'model')
    .map((c) => (c.parts as AnyJson[]).map((p) => p.thoughtSignature as string | undefined));
}

describe('Gemini 3 thought signatures through every client API (real Envoy)', () => {
  let stack: StandaloneStack;
  let openai: OpenAI;
  let anthropic: Anthropic;
  before(async () => {
    stack = await startStandaloneStack(CONFIG, {}, SECRETS);
    openai = new OpenAI({ baseURL: `${stack.envoy.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
    anthropic = new Anthropic({ baseURL: stack.envoy.url, apiKey: 'client-key', maxRetries: 0 });
  });
  after(async () => {
    await stack?.close();
  });
  const upstream = (): AnyJson => stack.mock.lastRequest()!.json;
  for (const streaming of [false, true]) {
    it(`openai → Gemini 3: thought signatures of tool calls and text carried over turns (${streaming ? 'stream' : 'JSON'})`, async () => {
      const turn = async (messages: AnyJson[]): Promise<AnyJson> => {
        const params = { model: 'gemini3', messages, tools: TOOLS };
        const done = streaming
          ? await openai.chat.completions.stream(params).finalChatCompletion()
          : await openai.chat.completions.create(params);
        return done.choices[0]!.message;
      };
      const messages: AnyJson[] = [{ role: 'user', content: 'What is the weather in Paris?' }];
      const call = await turn(messages);
      const callSig = call.tool_calls[0].extra_content.google.thought_signature;
      assert.ok(typeof callSig === 'string' && callSig !== '');
      // Turn two: the mock refuses a Gemini 3 function call of the current turn without its signature.
      messages.push(call, { role: 'tool', tool_call_id: call.tool_calls[0].id, content: '18C' });
      const answer = await turn(messages);
      assert.equal(upstream().contents[1].parts[0].thoughtSignature, callSig);
      const textSig = answer.extra_content.google.thought_signature;
      assert.ok(typeof answer.content === 'string' && answer.content !== '');
      assert.ok(typeof textSig === 'string' && textSig !== '');
      // Turn three: the text answer's signature goes back on its text part.
      messages.push(answer, { role: 'user', content: 'Thanks.' });
      await turn(messages);
      assert.deepEqual(upstream().contents[3].parts, [{ text: answer.content, thoughtSignature: textSig }]);
    });
  }

  for (const streaming of [false, true]) {
    it(`anthropic SDK → Gemini 3 with thinking: signatures ride in thinking blocks (${streaming ? 'stream' : 'JSON'})`, async () => {
      const tools: Anthropic.Tool[] = [{ name: WEATHER.name, input_schema: WEATHER.parameters as AnyJson }];
      const params = {
        model: 'gemini3',
        max_tokens: 4000,
        thinking: { type: 'enabled' as const, budget_tokens: 2000 },
        tools,
      };
      const turn = async (messages: Anthropic.MessageParam[]): Promise<Anthropic.Message> =>
        streaming
          ? await anthropic.messages.stream({ ...params, messages }).finalMessage()
          : await anthropic.messages.create({ ...params, messages });
      const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'What is the weather in Paris?' }];
      const first = await turn(messages);
      const toolUse = first.content.find((b) => b.type === 'tool_use');
      assert.ok(toolUse?.type === 'tool_use');
      const signed = first.content.filter(
        (b) => b.type === 'thinking' && b.signature.startsWith('aiextproc.g1.'),
      );
      assert.equal(signed.length, 1, JSON.stringify(first.content));
      // Turn two: the mock refuses the current turn's call without the signature Gemini gave it.
      messages.push(
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: '18C' }] },
      );
      const second = await turn(messages);
      const [callSig] = sentSignatures(upstream())[0]!;
      assert.ok(typeof callSig === 'string' && callSig !== '' && callSig !== SKIP, String(callSig));
      assert.ok(upstream().contents[1].parts[0].functionCall !== undefined);
      const text = second.content.find((b) => b.type === 'text');
      assert.ok(text?.type === 'text' && text.text !== '');
      // Turn three: the text answer's signature goes back on its text part.
      messages.push({ role: 'assistant', content: second.content }, { role: 'user', content: 'Thanks.' });
      await turn(messages);
      const sent = upstream();
      assert.equal(sentSignatures(sent)[0]![0], callSig);
      const answerParts = sent.contents[3].parts as AnyJson[];
      assert.deepEqual(
        answerParts.map((p): unknown => p.text),
        [text.text],
      );
      assert.ok(
        typeof answerParts[0].thoughtSignature === 'string' && answerParts[0].thoughtSignature !== SKIP,
      );
    });
  }

  for (const streaming of [false, true]) {
    it(`openai Responses → Gemini 3: signatures ride in reasoning items (${streaming ? 'stream' : 'JSON'})`, async () => {
      const tools: OpenAI.Responses.Tool[] = [{ type: 'function', strict: false, ...WEATHER }];
      const turn = async (input: AnyJson[]): Promise<OpenAI.Responses.Response> => {
        const params = { model: 'gemini3', input, tools, store: false };
        return streaming
          ? await openai.responses.stream(params).finalResponse()
          : await openai.responses.create(params);
      };
      const input: AnyJson[] = [{ role: 'user', content: 'What is the weather in Paris?' }];
      const first = await turn(input);
      const call = first.output.find((i) => i.type === 'function_call');
      assert.ok(call?.type === 'function_call');
      // Turn two: the whole output goes back, as Responses clients do with store: false.
      input.push(...first.output, { type: 'function_call_output', call_id: call.call_id, output: '18C' });
      const second = await turn(input);
      const [callSig] = sentSignatures(upstream())[0]!;
      assert.ok(typeof callSig === 'string' && callSig !== '' && callSig !== SKIP, String(callSig));
      const text = second.output
        .flatMap((i) => (i.type === 'message' ? i.content : []))
        .map((c) => (c.type === 'output_text' ? c.text : ''))
        .join('');
      assert.ok(text !== '');
      input.push(...second.output, { role: 'user', content: 'Thanks.' });
      await turn(input);
      const sent = upstream();
      assert.equal(sentSignatures(sent)[0]![0], callSig);
      // One model turn per assistant turn: the carrier items did not split them.
      assert.deepEqual(
        (sent.contents as AnyJson[]).map((c): unknown => c.role),
        ['user', 'model', 'user', 'model', 'user'],
      );
      const answerParts = sent.contents[3].parts as AnyJson[];
      assert.deepEqual(
        answerParts.map((p): unknown => p.text),
        [text],
      );
      assert.ok(
        typeof answerParts[0].thoughtSignature === 'string' && answerParts[0].thoughtSignature !== SKIP,
      );
    });
  }
});

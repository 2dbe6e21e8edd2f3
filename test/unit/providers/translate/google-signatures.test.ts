import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyGoogleSignatures,
  decodeGoogleSignature,
  encodeGoogleSignature,
} from '../../../../src/providers/translate/google-signatures.js';
import { anthropicToOpenAIRequest } from '../../../../src/providers/anthropic/anthropic-to-openai.request.js';
import { openAIToAnthropicResponse } from '../../../../src/providers/anthropic/openai-to-anthropic.response.js';
import { responsesToOpenAIRequest } from '../../../../src/providers/openai-responses/responses-to-openai.request.js';
import { openAIToResponsesResponse } from '../../../../src/providers/openai-responses/openai-to-responses.response.js';
import type { Json } from '../../../../src/providers/translate/types.js';

const google = (signature: string): Json => ({ google: { thought_signature: signature } });

/** A canonical Gemini answer: thoughts, text signed, one signed call and one unsigned. */
const COMPLETION: Json = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  model: 'gemini-3-pro-preview',
  choices: [
    {
      index: 0,
      finish_reason: 'tool_calls',
      message: {
        role: 'assistant',
        content: 'Checking.',
        reasoning_content: 'I should look it up.',
        extra_content: google('text+sig/=='),
        tool_calls: [
          {
            id: 'call_0',
            type: 'function',
            function: { name: 'weather', arguments: '{"city":"Paris"}' },
            extra_content: google('call+sig/=='),
          },
          { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } },
        ],
      },
    },
  ],
};

describe('Gemini signature carriers', () => {
  it('round-trip, and leave every other opaque string alone', () => {
    for (const s of [{ signature: 'a+b/c==' }, { signature: 'x', callId: 'call_0' }]) {
      const carrier = encodeGoogleSignature(s);
      assert.match(carrier, /^aiextproc\.g1\.[A-Za-z0-9_-]+$/);
      assert.deepEqual(decodeGoogleSignature(carrier), s);
    }
    for (const other of ['EqQBCkgIARABGAIiQJ', 'aiextproc.v1.W10=', 'aiextproc.g1.!!!', '', 7, undefined]) {
      assert.equal(decodeGoogleSignature(other), undefined);
    }
    const msg: Json = { role: 'assistant', tool_calls: [{ id: 'a' }] };
    applyGoogleSignatures(msg, [
      { signature: 's1', callId: 'a' },
      { signature: 's2', callId: 'gone' },
    ]);
    assert.deepEqual(msg, { role: 'assistant', tool_calls: [{ id: 'a', extra_content: google('s1') }] });
  });

  it('Anthropic client: signatures ride in thinking blocks where they arrive, and go back to their parts', () => {
    const res = openAIToAnthropicResponse(COMPLETION);
    const content = res.content as Json[];
    assert.deepEqual(
      content.map((b) => b.type),
      ['thinking', 'text', 'thinking', 'thinking', 'tool_use', 'tool_use'],
    );
    assert.equal(content[0]?.signature, '');
    assert.deepEqual(decodeGoogleSignature(content[2]?.signature), { signature: 'text+sig/==' });
    assert.deepEqual(decodeGoogleSignature(content[3]?.signature), {
      signature: 'call+sig/==',
      callId: 'call_0',
    });
    // Without text between them, the call's signature signs the reasoning block itself.
    const choice = (COMPLETION.choices as Json[])[0] as Json;
    const { content: _text, extra_content: _sig, ...rest } = choice.message as Json;
    const callsOnly = openAIToAnthropicResponse({ ...COMPLETION, choices: [{ ...choice, message: rest }] });
    const blocks = callsOnly.content as Json[];
    assert.deepEqual(
      blocks.map((b) => b.type),
      ['thinking', 'tool_use', 'tool_use'],
    );
    assert.equal(blocks[0]?.thinking, 'I should look it up.');
    assert.deepEqual(decodeGoogleSignature(blocks[0]?.signature), {
      signature: 'call+sig/==',
      callId: 'call_0',
    });
    const replay = anthropicToOpenAIRequest(
      {
        model: 'gemini3',
        max_tokens: 100,
        messages: [
          { role: 'user', content: 'Weather?' },
          { role: 'assistant', content },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'call_0', content: '18C' },
              { type: 'tool_result', tool_use_id: 'call_1', content: '25C' },
            ],
          },
        ],
      },
      new Set(),
    );
    const assistant = replay.messages?.[1] as Json;
    // Carriers never travel on as thinking blocks (the unsigned reasoning block does, as before).
    assert.deepEqual(assistant.thinking_blocks, [content[0]]);
    assert.deepEqual(assistant.extra_content, google('text+sig/=='));
    const calls = assistant.tool_calls as Json[];
    assert.deepEqual(calls[0]?.extra_content, google('call+sig/=='));
    assert.equal(calls[1]?.extra_content, undefined);
  });

  it('Responses client: signature items stand before their call (after the message for text) and do not split the turn', () => {
    const res = openAIToResponsesResponse(COMPLETION);
    const output = res.output as Json[];
    assert.deepEqual(
      output.map((i) => `${String(i.type)}:${String(i.id)}`),
      [
        'reasoning:rs_1',
        'message:msg_1',
        'reasoning:rs_1_sig2',
        'reasoning:rs_1_sig3',
        'function_call:fc_call_0',
        'function_call:fc_call_1',
      ],
    );
    const replay = responsesToOpenAIRequest(
      {
        model: 'gemini3',
        input: [
          { role: 'user', content: 'Weather?' },
          ...output,
          { type: 'function_call_output', call_id: 'call_0', output: '18C' },
          { type: 'function_call_output', call_id: 'call_1', output: '25C' },
        ],
      },
      new Set(),
    );
    assert.deepEqual(
      (replay.messages ?? []).map((m) => (m as Json).role),
      ['user', 'assistant', 'tool', 'tool'],
    );
    const assistant = replay.messages?.[1] as Json;
    assert.equal(assistant.content, 'Checking.');
    assert.deepEqual(assistant.extra_content, google('text+sig/=='));
    const calls = assistant.tool_calls as Json[];
    assert.deepEqual(calls[0]?.extra_content, google('call+sig/=='));
    assert.equal(calls[1]?.extra_content, undefined);
  });
});

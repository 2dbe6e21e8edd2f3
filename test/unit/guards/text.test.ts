import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import {
  applyWebhookRequestMask,
  applyWebhookResponseMask,
  moderationInput,
  requestTextSlots,
  responseTextSlots,
  webhookRequestMessages,
  webhookResponseChoices,
} from '../../../src/guards/text/index.js';
import { compileRegexGuard } from '../../../src/guards/regex/index.js';

type Obj = Record<string, unknown>;
const clone = <T>(v: T): T => structuredClone(v);
const view = (slots: ReturnType<typeof requestTextSlots>) => slots.map((s) => [s.role, s.path, s.get()]);

const openaiReq = (): Obj => ({
  model: 'gpt-4o',
  messages: [
    { role: 'system', content: 'You are helpful.' },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'Card 4111 1111 1111 1111,' },
        { type: 'image_url', image_url: { url: 'https://x/y.png' } },
        { type: 'text', text: ' mail bob@example.com' },
      ],
    },
    {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{}' } }],
    },
    { role: 'tool', tool_call_id: 't', content: { type: 'text', text: 'call (415) 555-2671' } },
  ],
});

const anthropicReq = (): Obj => ({
  model: 'claude',
  system: [
    { type: 'text', text: 'System with bob@example.com' },
    { type: 'text', text: 'second' },
  ],
  messages: [
    { role: 'user', content: 'plain 536-22-8726' },
    {
      role: 'assistant',
      content: [
        { type: 'text', text: 'block text' },
        { type: 'tool_use', id: 'x', name: 'f', input: { q: 'bob@example.com' } },
      ],
    },
  ],
});

const geminiReq = (): Obj => ({
  systemInstruction: { parts: [{ text: 'be brief' }] },
  contents: [
    {
      role: 'user',
      parts: [
        { text: 'hi ' },
        { inlineData: { mimeType: 'image/png', data: 'AAAA' } },
        { text: 'bob@example.com' },
      ],
    },
    { role: 'model', parts: [{ text: 'ok' }] },
    { parts: [{ text: 'no role' }] },
  ],
});

describe('guard text slots: requests', () => {
  it('OpenAI: string content, every text part, a dict .text, with roles', () => {
    assert.deepEqual(view(requestTextSlots('openai', openaiReq())), [
      ['system', 'messages[0].content', 'You are helpful.'],
      ['user', 'messages[1].content[0].text', 'Card 4111 1111 1111 1111,'],
      ['user', 'messages[1].content[2].text', ' mail bob@example.com'],
      ['tool', 'messages[3].content.text', 'call (415) 555-2671'],
    ]);
  });
  it('Anthropic: system (string or text blocks), message content and tool_use input', () => {
    assert.deepEqual(view(requestTextSlots('anthropic', anthropicReq())), [
      ['system', 'system[0].text', 'System with bob@example.com'],
      ['system', 'system[1].text', 'second'],
      ['user', 'messages[0].content', 'plain 536-22-8726'],
      ['assistant', 'messages[1].content[0].text', 'block text'],
      ['assistant', 'messages[1].content[1].input.q', 'bob@example.com'],
    ]);
    assert.deepEqual(view(requestTextSlots('anthropic', { system: 'sys', messages: [] })), [
      ['system', 'system', 'sys'],
    ]);
  });
  it('Gemini: systemInstruction and contents parts with text', () => {
    assert.deepEqual(view(requestTextSlots('gemini', geminiReq())), [
      ['system', 'systemInstruction.parts[0].text', 'be brief'],
      ['user', 'contents[0].parts[0].text', 'hi '],
      ['user', 'contents[0].parts[2].text', 'bob@example.com'],
      ['model', 'contents[1].parts[0].text', 'ok'],
      ['user', 'contents[2].parts[0].text', 'no role'],
    ]);
    assert.deepEqual(
      view(requestTextSlots('gemini', { system_instruction: { parts: [{ text: 's' }] }, contents: [] })),
      [['system', 'system_instruction.parts[0].text', 's']],
    );
  });
  it('set() rewrites the body in place; regex masking through slots', () => {
    const body = openaiReq();
    const g = compileRegexGuard({
      action: 'MASK',
      builtins: ['CREDIT_CARD', 'EMAIL', 'PHONE_NUMBER'],
      matches: [],
    });
    for (const s of requestTextSlots('openai', body)) s.set(g.mask(s.get()).text);
    const m = body.messages as Obj[];
    assert.deepEqual((m[1]!.content as Obj[])[0], { type: 'text', text: 'Card <CREDIT_CARD>,' });
    assert.deepEqual((m[1]!.content as Obj[])[1], {
      type: 'image_url',
      image_url: { url: 'https://x/y.png' },
    });
    assert.deepEqual((m[1]!.content as Obj[])[2], { type: 'text', text: ' mail <EMAIL_ADDRESS>' });
    assert.deepEqual(m[3]!.content, { type: 'text', text: 'call <PHONE_NUMBER>' });
    assert.equal(m[2]!.content, null);
  });
  it('ignores malformed shapes without throwing', () => {
    for (const family of ['openai', 'anthropic', 'gemini'] as const) {
      for (const body of [
        {},
        { messages: 'x' },
        { messages: [null, 1, { content: 5 }] },
        { contents: [{ parts: 'x' }] },
      ])
        assert.deepEqual(requestTextSlots(family, body), []);
    }
  });
});

describe('guard text slots: responses', () => {
  it('OpenAI: every choice (the original masked only choice 0), string or parts', () => {
    const body = {
      choices: [
        { index: 0, message: { role: 'assistant', content: 'first bob@example.com' } },
        { index: 1, message: { role: 'assistant', content: 'second bob@example.com' } },
        { index: 2, message: { role: 'assistant', content: [{ type: 'text', text: 'parts' }] } },
        { index: 3, message: { role: 'assistant', content: null, tool_calls: [] } },
        { index: 4, text: 'legacy completion' },
      ],
    };
    assert.deepEqual(view(responseTextSlots('openai', body)), [
      ['assistant', 'choices[0].message.content', 'first bob@example.com'],
      ['assistant', 'choices[1].message.content', 'second bob@example.com'],
      ['assistant', 'choices[2].message.content[0].text', 'parts'],
      ['assistant', 'choices[4].text', 'legacy completion'],
    ]);
  });
  it('Anthropic: text blocks only', () => {
    const body = {
      type: 'message',
      role: 'assistant',
      content: [
        { type: 'text', text: 'a' },
        { type: 'tool_use', id: 'x', name: 'f', input: {} },
        { type: 'text', text: 'b' },
      ],
    };
    assert.deepEqual(view(responseTextSlots('anthropic', body)), [
      ['assistant', 'content[0].text', 'a'],
      ['assistant', 'content[2].text', 'b'],
    ]);
  });
  it('Gemini: candidates parts', () => {
    const body = {
      candidates: [
        {
          content: { role: 'model', parts: [{ text: 'x' }, { functionCall: { name: 'f' } }, { text: 'y' }] },
        },
        { content: { parts: [{ text: 'z' }] } },
      ],
    };
    assert.deepEqual(view(responseTextSlots('gemini', body)), [
      ['model', 'candidates[0].content.parts[0].text', 'x'],
      ['model', 'candidates[0].content.parts[2].text', 'y'],
      ['model', 'candidates[1].content.parts[0].text', 'z'],
    ]);
  });
});

describe('guard text: webhook request messages', () => {
  it('OpenAI: one entry per message, multi-part concatenated', () => {
    assert.deepEqual(webhookRequestMessages('openai', openaiReq()), [
      { role: 'system', content: 'You are helpful.' },
      { role: 'user', content: 'Card 4111 1111 1111 1111, mail bob@example.com' },
      { role: 'assistant', content: '' },
      { role: 'tool', content: 'call (415) 555-2671' },
    ]);
  });
  it('Anthropic: messages only (system is not a message)', () => {
    assert.deepEqual(webhookRequestMessages('anthropic', anthropicReq()), [
      { role: 'user', content: 'plain 536-22-8726' },
      { role: 'assistant', content: 'block text' },
    ]);
  });
  it('Gemini: one entry per contents[] with the concatenated part texts', () => {
    assert.deepEqual(webhookRequestMessages('gemini', geminiReq()), [
      { role: 'user', content: 'hi bob@example.com' },
      { role: 'model', content: 'ok' },
      { role: 'user', content: 'no role' },
    ]);
  });
  it('applies masks: string replaced, multi-part into the first text part, others emptied', () => {
    const body = openaiReq();
    const before = clone(body);
    const msgs = webhookRequestMessages('openai', body).map((m) => m.content);
    assert.equal(
      applyWebhookRequestMask('openai', body, msgs),
      false,
      'unchanged contents leave the body alone',
    );
    assert.deepEqual(body, before);
    assert.equal(applyWebhookRequestMask('openai', body, ['SYS', 'masked all', '', 'tool masked']), true);
    const m = body.messages as Obj[];
    assert.equal(m[0]!.content, 'SYS');
    assert.deepEqual(m[1]!.content, [
      { type: 'text', text: 'masked all' },
      { type: 'image_url', image_url: { url: 'https://x/y.png' } },
      { type: 'text', text: '' },
    ]);
    assert.equal(m[2]!.content, null, 'an empty content for a content-less message changes nothing');
    assert.deepEqual(m[3]!.content, { type: 'text', text: 'tool masked' });
  });
  it('applies masks for Anthropic and Gemini', () => {
    const a = anthropicReq();
    applyWebhookRequestMask('anthropic', a, ['one', 'two']);
    const am = a.messages as Obj[];
    assert.equal(am[0]!.content, 'one');
    assert.deepEqual((am[1]!.content as Obj[])[0], { type: 'text', text: 'two' });
    assert.equal((am[1]!.content as Obj[])[1]!.type, 'tool_use');

    const g = geminiReq();
    applyWebhookRequestMask('gemini', g, ['HI', 'ok', 'no role']);
    const parts = ((g.contents as Obj[])[0]!.parts as Obj[]).map((p) => p.text);
    assert.deepEqual(parts, ['HI', undefined, '']);
  });
  it('adds a text part when a multi-part message had none', () => {
    const body = { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'u' } }] }] };
    applyWebhookRequestMask('openai', body, ['caption']);
    assert.deepEqual(body.messages[0]!.content[0], { type: 'text', text: 'caption' });
  });
});

describe('guard text: webhook response choices', () => {
  it('OpenAI: one per choice, "" without content', () => {
    const body = {
      choices: [
        { message: { role: 'assistant', content: 'a' } },
        { message: { role: 'assistant', content: null } },
        {
          message: {
            role: 'assistant',
            content: [
              { type: 'text', text: 'b' },
              { type: 'text', text: 'c' },
            ],
          },
        },
      ],
    };
    assert.deepEqual(webhookResponseChoices('openai', body), ['a', '', 'bc']);
    applyWebhookResponseMask('openai', body, ['A', '', 'BC']);
    assert.equal(body.choices[0]!.message.content, 'A');
    assert.equal(body.choices[1]!.message.content, null);
    assert.deepEqual(body.choices[2]!.message.content, [
      { type: 'text', text: 'BC' },
      { type: 'text', text: '' },
    ]);
  });
  it('Anthropic: one per content block; only text blocks are written', () => {
    const body = {
      role: 'assistant',
      content: [
        { type: 'text', text: 'a' },
        { type: 'tool_use', id: 'x', name: 'f', input: {} },
      ],
    };
    assert.deepEqual(webhookResponseChoices('anthropic', body), ['a', '']);
    assert.equal(applyWebhookResponseMask('anthropic', body, ['A', 'ignored']), true);
    assert.deepEqual(body.content, [
      { type: 'text', text: 'A' },
      { type: 'tool_use', id: 'x', name: 'f', input: {} },
    ]);
  });
  it('Gemini: one per candidate, first text part gets the text', () => {
    const body = { candidates: [{ content: { role: 'model', parts: [{ text: 'x' }, { text: 'y' }] } }, {}] };
    assert.deepEqual(webhookResponseChoices('gemini', body), ['xy', '']);
    applyWebhookResponseMask('gemini', body, ['XY', '']);
    assert.deepEqual(body.candidates[0]!.content!.parts, [{ text: 'XY' }, { text: '' }]);
    assert.deepEqual(body.candidates[1], {});
  });
});

describe('guard text: moderation input', () => {
  it('joins "role: {role}:\\n" + text per message with "\\n"', () => {
    assert.equal(
      moderationInput('openai', openaiReq()),
      'role: system:\nYou are helpful.\nrole: user:\nCard 4111 1111 1111 1111, mail bob@example.com\nrole: assistant:\n\nrole: tool:\ncall (415) 555-2671',
    );
    assert.equal(
      moderationInput('gemini', geminiReq()),
      'role: user:\nhi bob@example.com\nrole: model:\nok\nrole: user:\nno role',
    );
    assert.equal(moderationInput('anthropic', { messages: [] }), '');
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { anthropicRequestProblems } from '../../../../mock-provider/rules/anthropic.js';
import { signThinking, verifyThinkingSignature } from '../../../../mock-provider/rules/signature.js';

const verify = { verifySignature: verifyThinkingSignature };
const THINK = 'Let me check the weather tool.';
const toolTurn = (first: unknown[]): unknown[] => [
  { role: 'user', content: 'Weather in Paris?' },
  {
    role: 'assistant',
    content: [...first, { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }],
  },
  {
    role: 'user',
    content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '18C', is_error: false }],
  },
];
const base = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  model: 'claude-sonnet-4-5',
  max_tokens: 16000,
  messages: [{ role: 'user', content: 'hi' }],
  ...extra,
});

test('a plain request and a signed thinking tool loop are accepted', () => {
  assert.deepEqual(anthropicRequestProblems(base()), []);
  const body = base({
    thinking: { type: 'enabled', budget_tokens: 10000 },
    tools: [
      { name: 'get_weather', input_schema: { type: 'object' } },
      { type: 'web_search_20250305', name: 'web_search' },
    ],
    messages: toolTurn([{ type: 'thinking', thinking: THINK, signature: signThinking(THINK) }]),
  });
  assert.deepEqual(anthropicRequestProblems(body, verify), []);
  const redacted = base({
    thinking: { type: 'enabled', budget_tokens: 1024 },
    messages: toolTurn([{ type: 'redacted_thinking', data: 'EmwKAhgBEgy3va' }]),
  });
  assert.deepEqual(anthropicRequestProblems(redacted, verify), []);
});

test('thinking on: the tool turn must start with thinking, and its signature must verify', () => {
  const dropped = base({ thinking: { type: 'enabled', budget_tokens: 10000 }, messages: toolTurn([]) });
  assert.match(
    anthropicRequestProblems(dropped, verify).join('\n'),
    /Expected `thinking` or `redacted_thinking`, but found `tool_use`/,
  );
  const empty = base({
    thinking: { type: 'enabled', budget_tokens: 10000 },
    messages: toolTurn([{ type: 'thinking', thinking: THINK, signature: '' }]),
  });
  assert.match(anthropicRequestProblems(empty, verify).join('\n'), /signature: Field required/);
  const forged = base({
    thinking: { type: 'enabled', budget_tokens: 10000 },
    messages: toolTurn([{ type: 'thinking', thinking: THINK + '!', signature: signThinking(THINK) }]),
  });
  assert.match(anthropicRequestProblems(forged, verify).join('\n'), /Invalid `signature`/);
  // Thinking off: the same history without thinking blocks is fine.
  assert.deepEqual(anthropicRequestProblems(base({ messages: toolTurn([]) }), verify), []);
});

test('budget, sampling and tool_choice limits with thinking', () => {
  const p = (extra: Record<string, unknown>): string => anthropicRequestProblems(base(extra)).join('\n');
  assert.match(p({ thinking: { type: 'enabled', budget_tokens: 1000 } }), /greater than or equal to 1024/);
  assert.match(
    p({ max_tokens: 10000, thinking: { type: 'enabled', budget_tokens: 10000 } }),
    /max_tokens` must be greater/,
  );
  assert.equal(p({ max_tokens: 16000, thinking: { type: 'enabled', budget_tokens: 15999 } }), '');
  assert.match(
    p({ thinking: { type: 'enabled', budget_tokens: 2000 }, temperature: 0.5 }),
    /temperature` may only be set to 1/,
  );
  assert.equal(p({ thinking: { type: 'enabled', budget_tokens: 2000 }, temperature: 1 }), '');
  assert.match(p({ thinking: { type: 'enabled', budget_tokens: 2000 }, top_k: 5 }), /top_k/);
  assert.match(p({ thinking: { type: 'enabled', budget_tokens: 2000 }, top_p: 0.5 }), /top_p/);
  assert.match(
    p({ thinking: { type: 'enabled', budget_tokens: 2000 }, tool_choice: { type: 'any' } }),
    /forces tool use/,
  );
  assert.equal(p({ top_k: 5, temperature: 0.3 }), '');
  assert.match(p({ temperature: 1.5 }), /between 0 and 1/);
});

test('media types, unknown fields, cache breakpoints, tool ids', () => {
  const img = (media: string): Record<string, unknown> =>
    base({
      messages: [
        {
          role: 'user',
          content: [{ type: 'image', source: { type: 'base64', media_type: media, data: 'AAAA' } }],
        },
      ],
    });
  assert.deepEqual(anthropicRequestProblems(img('image/jpeg')), []);
  assert.match(anthropicRequestProblems(img('image/jpg')).join('\n'), /media_type/);
  assert.match(
    anthropicRequestProblems(base({ stream_options: { include_usage: true } })).join('\n'),
    /stream_options: Extra inputs/,
  );
  const cc = { type: 'ephemeral' };
  const sys = [1, 2, 3, 4, 5].map((i) => ({ type: 'text', text: `s${i}`, cache_control: cc }));
  assert.match(anthropicRequestProblems(base({ system: sys })).join('\n'), /maximum of 4/);
  assert.deepEqual(anthropicRequestProblems(base({ system: sys.slice(0, 4) })), []);
  const orphan = base({
    messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_x', content: 'r' }] }],
  });
  assert.match(anthropicRequestProblems(orphan).join('\n'), /corresponding `tool_use`/);
  assert.match(anthropicRequestProblems(base({ max_tokens: undefined })).join('\n'), /max_tokens/);
  assert.deepEqual(anthropicRequestProblems('x'), ['The request body is not a JSON object']);
});

/**
 * The guards read an OpenAI body's `input` when it has no `messages` (embeddings): each string is a
 * user text, token ids are not text; the webhook gets one message per input and its masks go back.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyWebhookRequestMask,
  moderationInput,
  requestTextSlots,
  webhookRequestMessages,
} from '../../../src/guards/text/index.js';

it('a string input is one user slot, a list one slot per string', () => {
  const one: Record<string, unknown> = { model: 'e', input: 'card 1' };
  const slots = requestTextSlots('openai', one);
  assert.deepEqual(
    slots.map((s) => [s.role, s.path, s.get()]),
    [['user', 'input', 'card 1']],
  );
  slots[0]!.set('masked');
  assert.equal(one.input, 'masked');
  const many: Record<string, unknown> = { input: ['a', 'b'] };
  const ms = requestTextSlots('openai', many);
  assert.deepEqual(
    ms.map((s) => s.path),
    ['input[0]', 'input[1]'],
  );
  ms[1]!.set('B');
  assert.deepEqual(many.input, ['a', 'B']);
});

it('token ids, chat bodies and other families are not read as input', () => {
  assert.deepEqual(requestTextSlots('openai', { input: [1, 2, 3] }), []);
  assert.deepEqual(requestTextSlots('openai', { input: [[1, 2]] }), []);
  const chat = requestTextSlots('openai', { messages: [{ role: 'user', content: 'hi' }], input: 'x' });
  assert.deepEqual(
    chat.map((s) => s.path),
    ['messages[0].content'],
  );
  assert.deepEqual(requestTextSlots('anthropic', { input: 'x' }), []);
});

it('webhook and moderation see one user message per input; masks are written back', () => {
  const body: Record<string, unknown> = { input: ['a', 'b'] };
  assert.deepEqual(webhookRequestMessages('openai', body), [
    { role: 'user', content: 'a' },
    { role: 'user', content: 'b' },
  ]);
  assert.equal(moderationInput('openai', body), 'role: user:\na\nrole: user:\nb');
  assert.equal(applyWebhookRequestMask('openai', body, ['a', 'B']), true);
  assert.deepEqual(body.input, ['a', 'B']);
  assert.equal(applyWebhookRequestMask('openai', body, ['a', 'B']), false);
  const one: Record<string, unknown> = { input: 'x' };
  assert.equal(applyWebhookRequestMask('openai', one, ['y']), true);
  assert.equal(one.input, 'y');
});

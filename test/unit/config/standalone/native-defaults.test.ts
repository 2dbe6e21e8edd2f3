import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nativeDefaults } from '../../../../src/config/standalone/native-defaults.js';
import { applyDefaults } from '../../../../src/config/standalone/index.js';
import type { FieldDefault } from '../../../../src/config/standalone/types.js';

const d = (field: string, value: unknown, override = false): FieldDefault => ({ field, value, override });

test('canonical defaults apply under their Anthropic names; the rest is reported, stream_options is moot', () => {
  const defaults = [
    d('max_completion_tokens', 512),
    d('stop', 'END'),
    d('user', 'u-1'),
    d('temperature', 0.2),
    d('top_k', 40),
    d('seed', 7),
    d('frequency_penalty', 0.5),
    d('stream_options.include_usage', true),
  ];
  const native = nativeDefaults('anthropic', defaults);
  assert.deepEqual(native.unsupported, ['seed', 'frequency_penalty']);
  const body: Record<string, unknown> = { model: 'claude', max_tokens: 16000, messages: [] };
  assert.equal(applyDefaults(body, native.defaults), true);
  assert.deepEqual(body, {
    model: 'claude',
    max_tokens: 16000, // the client's own value: a default without override leaves it
    messages: [],
    stop_sequences: ['END'],
    metadata: { user_id: 'u-1' },
    temperature: 0.2,
    top_k: 40,
  });
  // Mapped once per list; OpenAI bodies take the canonical names as they are.
  assert.equal(nativeDefaults('anthropic', defaults), native);
  assert.deepEqual(nativeDefaults('openai', defaults), { defaults, unsupported: [] });
});

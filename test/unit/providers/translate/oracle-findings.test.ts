/**
 * Defects found by measuring against an independent oracle (agentgateway's translation goldens,
 * scripts/oracle.ts), each pinned here with our own minimal input.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { anthropicClient } from '../../../../src/providers/anthropic/index.js';
import type { Json } from '../../../../src/providers/translate/types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests poke at arbitrary JSON
type AnyJson = any;

const call = {
  id: 'call_1',
  type: 'function',
  function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
};

describe('Anthropic client: an answer with tool calls stops on tool_use', () => {
  it('whole answer: finish_reason stop with tool_calls (Gemini OpenAI-compatible) → tool_use', () => {
    const out: AnyJson = anthropicClient.response({
      id: 'c',
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', tool_calls: [call] }, finish_reason: 'stop' }],
    });
    assert.equal(out.stop_reason, 'tool_use');
  });

  it('stream: the same, and a length stop keeps max_tokens', () => {
    const run = (finish: string): string => {
      const enc = anthropicClient.stream();
      const chunk = (delta: Json, f: string | null): Json => ({
        id: 'c',
        model: 'm',
        choices: [{ index: 0, delta, finish_reason: f }],
      });
      return enc.push([chunk({ tool_calls: [{ index: 0, ...call }] }, null), chunk({}, finish)]) + enc.end();
    };
    assert.match(run('stop'), /"stop_reason":"tool_use"/);
    assert.match(run('length'), /"stop_reason":"max_tokens"/);
  });
});

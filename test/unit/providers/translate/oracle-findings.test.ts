/**
 * Defects found by measuring against an independent oracle (agentgateway's translation goldens,
 * scripts/oracle.ts), each pinned here with our own minimal input.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { anthropicClient } from '../../../../src/providers/anthropic/index.js';
import { openaiClient } from '../../../../src/providers/openai/index.js';
import { responsesClient, responsesProvider } from '../../../../src/providers/openai-responses/index.js';
import { providerAdapter } from '../../../../src/providers/translate/registry.js';
import { bedrockRequestProblems } from '../../../../mock-provider/rules/bedrock.js';
import type { Json, UpstreamTarget } from '../../../../src/providers/translate/types.js';

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

describe('cache writes reported as cache_write_tokens count as cache writes', () => {
  it('OpenAI-compatible usage (prompt_tokens_details.cache_write_tokens) → Anthropic usage', () => {
    const out: AnyJson = anthropicClient.response({
      id: 'c',
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
      usage: {
        prompt_tokens: 1000,
        completion_tokens: 10,
        prompt_tokens_details: { cached_tokens: 300, cache_write_tokens: 200 },
      },
    });
    assert.deepEqual(out.usage, {
      input_tokens: 500,
      output_tokens: 10,
      cache_read_input_tokens: 300,
      cache_creation_input_tokens: 200,
    });
  });

  it('Responses usage (input_tokens_details.cache_write_tokens) → Anthropic usage', () => {
    const target: UpstreamTarget = { provider: 'openai', model: 'm', stream: false, openaiApi: 'responses' };
    const completion = responsesProvider.response(
      {
        id: 'resp_1',
        status: 'completed',
        model: 'm',
        output: [],
        usage: {
          input_tokens: 100,
          output_tokens: 5,
          input_tokens_details: { cached_tokens: 20, cache_write_tokens: 30 },
        },
      },
      target,
    );
    const out: AnyJson = anthropicClient.response(completion);
    assert.deepEqual(out.usage, {
      input_tokens: 50,
      output_tokens: 5,
      cache_read_input_tokens: 20,
      cache_creation_input_tokens: 30,
    });
  });
});

describe('Responses upstream: a replayed call without arguments', () => {
  it('sends arguments "{}" (valid JSON), not an empty string', () => {
    const target: UpstreamTarget = { provider: 'openai', model: 'm', stream: false, openaiApi: 'responses' };
    const canonical = openaiClient.request({
      model: 'm',
      messages: [
        { role: 'user', content: 'time?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ ...call, function: { name: 'now', arguments: '' } }],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '12:00' },
      ],
    });
    const body: AnyJson = JSON.parse(responsesProvider.request(canonical, target).body.toString());
    const fc = body.input.find((i: AnyJson) => i.type === 'function_call');
    assert.equal(fc.arguments, '{}');
  });
});

describe('Responses input_file (inline PDF) reaches Anthropic and Bedrock', () => {
  const PDF = 'JVBERi0xLjQK';
  const request = (file: Json): Json => ({
    model: 'm',
    input: [
      {
        role: 'user',
        content: [
          { type: 'input_text', text: 'Summarise' },
          { type: 'input_file', ...file },
        ],
      },
    ],
  });
  const upstream = (body: Json, target: UpstreamTarget): AnyJson =>
    JSON.parse(
      providerAdapter(target.provider).request(responsesClient.request(body), target).body.toString(),
    );
  const anthropic: UpstreamTarget = { provider: 'anthropic', model: 'claude-x', stream: false };
  const bedrock: UpstreamTarget = {
    provider: 'bedrock',
    model: 'anthropic.claude-3-5-haiku-20241022-v1:0',
    stream: false,
    bedrockRegion: 'us-east-1',
  };

  it('a data URL or bare base64 named .pdf becomes an Anthropic document with its title', () => {
    for (const file of [
      { file_data: `data:application/pdf;base64,${PDF}`, filename: 'policy.pdf' },
      { file_data: PDF, filename: 'policy.pdf' },
    ]) {
      const body = upstream(request(file), anthropic);
      assert.deepEqual(body.messages[0].content[1], {
        type: 'document',
        source: { type: 'base64', media_type: 'application/pdf', data: PDF },
        title: 'policy.pdf',
      });
    }
  });

  it('becomes a Converse document with a name Bedrock accepts', () => {
    const body = upstream(
      request({ file_data: `data:application/pdf;base64,${PDF}`, filename: 'Q3 report_v2.pdf' }),
      bedrock,
    );
    assert.deepEqual(body.messages[0].content[1], {
      document: { format: 'pdf', name: 'Q3 report-v2', source: { bytes: PDF } },
    });
    assert.deepEqual(bedrockRequestProblems(body, bedrock.model), []);
  });

  it('a file by id, or neither a PDF nor a text file, is still dropped', () => {
    for (const file of [
      { file_id: 'file_1' },
      { file_data: 'data:application/zip;base64,aGk=', filename: 'a.zip' },
    ]) {
      const body = upstream(request(file), anthropic);
      assert.equal(body.messages[0].content, 'Summarise');
    }
  });
});

describe('Responses clients: the item cut by the output limit is incomplete', () => {
  it('a length stop marks the last item incomplete, earlier ones completed', () => {
    const out: AnyJson = responsesClient.response({
      id: 'c',
      model: 'm',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Let me look.',
            tool_calls: [{ ...call, function: { name: 'f', arguments: '{"a' } }],
          },
          finish_reason: 'length',
        },
      ],
    });
    assert.equal(out.status, 'incomplete');
    assert.deepEqual(
      (out.output as { type: string; status: string }[]).map((i) => [i.type, i.status]),
      [
        ['message', 'completed'],
        ['function_call', 'incomplete'],
      ],
    );
  });
});

describe('Anthropic clients: a stop sequence the server names (vLLM stop_reason)', () => {
  const answer = (choice: Json): AnyJson =>
    anthropicClient.response({ id: 'c', model: 'm', choices: [{ index: 0, ...choice }] });

  it('whole answer: stop_reason stop_sequence with the matched string; a token id or OpenAI answer stays end_turn', () => {
    const message = { role: 'assistant', content: 'before stop' };
    const named = answer({ message, finish_reason: 'stop', stop_reason: 'STOP' });
    assert.deepEqual([named.stop_reason, named.stop_sequence], ['stop_sequence', 'STOP']);
    const eos = answer({ message, finish_reason: 'stop', stop_reason: 151645 });
    assert.deepEqual([eos.stop_reason, eos.stop_sequence], ['end_turn', null]);
  });

  it('stream: the same on message_delta', () => {
    const enc = anthropicClient.stream();
    const text =
      enc.push([
        { id: 'c', model: 'm', choices: [{ index: 0, delta: { content: 'before' }, finish_reason: null }] },
        {
          id: 'c',
          model: 'm',
          choices: [{ index: 0, delta: {}, finish_reason: 'stop', stop_reason: 'STOP' }],
        },
      ]) + enc.end();
    assert.match(text, /"stop_reason":"stop_sequence","stop_sequence":"STOP"/);
  });
});

describe('Responses clients: a refusal is a refusal part, not output_text', () => {
  const refusal = 'I cannot help with that.';

  it('whole answer', () => {
    const out: AnyJson = responsesClient.response({
      id: 'c',
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: null, refusal }, finish_reason: 'stop' }],
    });
    assert.deepEqual(out.output[0].content, [{ type: 'refusal', refusal }]);
  });

  it('stream: refusal delta and done events, and the item holds the refusal part', () => {
    const enc = responsesClient.stream();
    const chunk = (delta: Json, finish: string | null): Json => ({
      id: 'c',
      model: 'm',
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
    const text =
      enc.push([chunk({ refusal: 'I cannot ' }, null), chunk({ refusal: 'help with that.' }, 'stop')]) +
      enc.end();
    const events = text
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l): AnyJson => JSON.parse(l.slice(6)));
    assert.deepEqual(
      events
        .filter((e) => /refusal/.test(String(e.type)))
        .map((e): unknown[] => [String(e.type), String(e.delta ?? e.refusal)]),
      [
        ['response.refusal.delta', 'I cannot '],
        ['response.refusal.delta', 'help with that.'],
        ['response.refusal.done', refusal],
      ],
    );
    const done = events.find((e) => e.type === 'response.completed');
    assert.deepEqual(done.response.output[0].content, [{ type: 'refusal', refusal }]);
  });
});

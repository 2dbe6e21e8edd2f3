/**
 * The Responses API as an upstream (a backend with `openai: { api: responses }`): canonical requests →
 * Responses requests (pinned, and checked against OpenAI's Responses 400 rules), Responses answers and
 * streams → canonical (streams whole and one byte at a time give the same chunks).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { anthropicClient } from '../../../../src/providers/anthropic/index.js';
import { responsesProvider } from '../../../../src/providers/openai-responses/index.js';
import { providerAdapterFor } from '../../../../src/providers/translate/registry.js';
import type { Json, OpenAIChatChunk, UpstreamTarget } from '../../../../src/providers/translate/types.js';
import { TranslationError } from '../../../../src/providers/translate/types.js';
import { responsesRequestProblems } from '../../../../mock-provider/rules/openai-responses.js';

const DIR = path.resolve('test/fixtures/translate');
const TARGET: UpstreamTarget = {
  provider: 'openai',
  model: 'gpt-5-pro',
  stream: false,
  openaiApi: 'responses',
};
const read = (file: string): Json => JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')) as Json;

describe('canonical → Responses upstream (requests)', () => {
  it('the registry picks the Responses adapter for such a target only', () => {
    assert.equal(providerAdapterFor(TARGET), responsesProvider);
    assert.notEqual(providerAdapterFor({ provider: 'openai', model: 'm' }), responsesProvider);
  });

  it('a chat request with tools, a tool turn, json_schema, effort and sampling', () => {
    const req = read('openai/req-openai-stream.in.json');
    const out = responsesProvider.request(
      {
        ...req,
        reasoning_effort: 'low',
        response_format: { type: 'json_schema', json_schema: { name: 'w', schema: { type: 'object' } } },
        max_completion_tokens: 8,
        seed: 3,
      },
      TARGET,
    );
    const body = JSON.parse(out.body.toString()) as Json;
    assert.equal(out.path, '/v1/responses');
    assert.equal(body.store, false);
    assert.equal(body.max_output_tokens, 16, 'OpenAI refuses less than 16');
    assert.deepEqual(body.reasoning, { effort: 'low', summary: 'auto' });
    assert.deepEqual(body.text, { format: { type: 'json_schema', name: 'w', schema: { type: 'object' } } });
    assert.ok(out.droppedParams.includes('seed'));
    assert.deepEqual(responsesRequestProblems(body), []);
  });

  for (const c of ['basic', 'tools']) {
    it(`an Anthropic client's ${c} request (thinking budget, tool turns) passes the Responses rules`, () => {
      const input = read(`anthropic/client-request/${c}.in.json`);
      const canonical = anthropicClient.request(input);
      const out = responsesProvider.request(canonical, { ...TARGET, stream: canonical.stream === true });
      const body = JSON.parse(out.body.toString()) as Json;
      assert.deepEqual(responsesRequestProblems(body), []);
      for (const item of body.input as Json[])
        if (item.type === 'function_call_output')
          assert.ok(
            (body.input as Json[]).some((i) => i.type === 'function_call' && i.call_id === item.call_id),
          );
    });
  }
});

describe('Responses upstream → canonical (answers and streams)', () => {
  it('an incomplete answer: reasoning text, partial content, finish_reason length, usage', () => {
    const out = responsesProvider.response(
      read('openai-responses/upstream-response-incomplete.json'),
      TARGET,
    );
    assert.deepEqual(out, {
      id: 'resp_up2',
      object: 'chat.completion',
      created: 1772657185,
      model: 'gpt-5-pro',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Hello! How can',
            reasoning_content: 'The user asked for a short greeting.',
          },
          logprobs: null,
          finish_reason: 'length',
        },
      ],
      usage: {
        prompt_tokens: 11,
        completion_tokens: 16,
        total_tokens: 27,
        prompt_tokens_details: { cached_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 9 },
      },
    });
  });

  it('a stream with reasoning, text and a function call: whole and byte by byte', () => {
    const bytes = fs.readFileSync(path.join(DIR, 'openai-responses/upstream-stream-tool.sse'));
    const run = (pieces: Buffer[]): OpenAIChatChunk[] => {
      const dec = responsesProvider.stream({ ...TARGET, stream: true });
      const out: OpenAIChatChunk[] = [];
      for (const p of pieces) out.push(...dec.push(p));
      return [...out, ...dec.end()];
    };
    const whole = run([bytes]);
    assert.deepEqual(run([...bytes].map((b) => Buffer.from([b]))), whole);
    const deltas = whole.map((c) => (c.choices as Json[])[0]?.delta as Json | undefined);
    assert.equal(
      deltas.map((d) => (typeof d?.reasoning_content === 'string' ? d.reasoning_content : '')).join(''),
      'Need the weather — call the tool.',
    );
    assert.equal(deltas.map((d) => (typeof d?.content === 'string' ? d.content : '')).join(''), 'Checking…');
    const calls = deltas.flatMap((d) => (d?.tool_calls as Json[] | undefined) ?? []);
    assert.deepEqual(calls[0], {
      index: 0,
      id: 'call_H5Dx',
      type: 'function',
      function: { name: 'weather', arguments: '' },
    });
    assert.equal(calls.map((c) => (c.function as Json).arguments).join(''), '{"location":"Paris"}');
    assert.equal((whole.at(-2)!.choices as Json[])[0]!.finish_reason, 'tool_calls');
    assert.deepEqual(whole.at(-1)!.usage, {
      prompt_tokens: 30,
      completion_tokens: 12,
      total_tokens: 42,
      prompt_tokens_details: { cached_tokens: 4 },
      completion_tokens_details: { reasoning_tokens: 6 },
    });
    assert.ok(whole.every((c) => c.id === 'resp_up1' && c.model === 'gpt-5-pro'));
  });

  it('response.failed and error events become a mid-stream error', () => {
    const dec = responsesProvider.stream({ ...TARGET, stream: true });
    const failed =
      'event: response.failed\ndata: {"type":"response.failed","response":{"error":{"code":"server_error","message":"boom"}}}\n\n';
    assert.throws(
      () => {
        dec.push(Buffer.from(failed));
        dec.end();
      },
      (e: unknown) => e instanceof TranslationError && e.message === 'boom',
    );
  });
});

/**
 * Golden tests for the Responses client API over the canonical form: Responses requests against every
 * provider (requests pinned under test/fixtures/translate/pairs/responses-to-*.json, checked against the
 * providers' 400 rules in provider-rules.test.ts), provider answers and streams encoded for a
 * Responses client (streams replayed whole and one byte at a time). UPDATE_GOLDEN=1 rewrites them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { responsesClient } from '../../../../src/providers/openai-responses/index.js';
import { providerAdapter } from '../../../../src/providers/translate/registry.js';
import { TranslationError } from '../../../../src/providers/translate/types.js';
import type {
  Json,
  OpenAIChatChunk,
  ProviderKind,
  UpstreamTarget,
} from '../../../../src/providers/translate/types.js';
import { responsesDroppedParams } from '../../../../src/providers/openai-responses/index.js';
import { assertGolden } from '../../../helpers/golden.js';

const DIR = path.resolve('test/fixtures/translate');
const OUT = path.join(DIR, 'pairs');

const golden = (name: string, actual: unknown): void => assertGolden(OUT, name, actual);

const TARGETS: UpstreamTarget[] = [
  { provider: 'openai', model: 'gpt-4.1-mini', stream: false },
  { provider: 'anthropic', model: 'claude-sonnet-4-5', stream: false },
  { provider: 'gemini', model: 'gemini-2.5-flash', stream: false },
  {
    provider: 'bedrock',
    model: 'anthropic.claude-3-7-sonnet-20250219-v1:0',
    stream: false,
    bedrockRegion: 'us-east-1',
  },
];

const input = (name: string): Json =>
  JSON.parse(fs.readFileSync(path.join(DIR, 'openai-responses', `${name}.in.json`), 'utf8')) as Json;

describe('Responses client → every provider (requests)', () => {
  for (const c of ['basic', 'tools']) {
    for (const target of TARGETS) {
      it(`${c} → ${target.provider}`, () => {
        const body = input(c);
        const canonical = responsesClient.request(structuredClone(body));
        const t = providerAdapter(target.provider).request(canonical, {
          ...target,
          stream: canonical.stream === true,
        });
        golden(`responses-to-${target.provider}.${c}.json`, {
          path: t.path,
          headers: t.headers,
          droppedParams: [...responsesDroppedParams(body), ...t.droppedParams],
          body: JSON.parse(t.body.toString()) as unknown,
        });
      });
    }
  }

  it('canonical form: instructions, items, reasoning carrier, text.format, effort', () => {
    const canonical = responsesClient.request(input('tools'));
    const messages = canonical.messages as Json[];
    assert.deepEqual(messages[1], {
      role: 'assistant',
      content: null,
      reasoning_content: 'I should call the weather tool.',
      thinking_blocks: [
        { type: 'thinking', thinking: 'I should call the weather tool.', signature: 'sig-abc' },
      ],
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      ],
    });
    assert.deepEqual(messages[2], { role: 'tool', tool_call_id: 'call_1', content: '18C, light rain' });
    assert.equal(canonical.reasoning_effort, 'medium');
    assert.equal(canonical.max_completion_tokens, 4000);
    assert.deepEqual(canonical.stream_options, { include_usage: true });
    assert.deepEqual(responsesDroppedParams(input('tools')), ['tools.web_search_preview']);
    assert.deepEqual(responsesDroppedParams(input('basic')), ['text.verbosity', 'truncation', 'include']);
  });

  it('previous_response_id, store: true and item references are a 400 off OpenAI', () => {
    for (const body of [
      { model: 'm', input: 'hi', previous_response_id: 'resp_1' },
      { model: 'm', input: 'hi', store: true },
      { model: 'm', input: [{ type: 'item_reference', id: 'msg_1' }] },
    ]) {
      assert.throws(
        () => responsesClient.request(body),
        (e: unknown) =>
          e instanceof TranslationError && e.status === 400 && /previous_response_id/.test(e.message),
      );
    }
    assert.throws(() => responsesClient.request({ model: 'm' }), TranslationError);
    assert.throws(
      () => responsesClient.request({ model: 'm', input: [{ role: 'robot', content: 'x' }] }),
      TranslationError,
    );
  });
});

describe('provider answers → Responses client', () => {
  const cases: [string, ProviderKind, string][] = [
    ['anthropic-thinking', 'anthropic', 'anthropic/provider-response/thinking.in.json'],
    ['openai-tool-call', 'openai', 'openai/resp-openai-tool-call.in.json'],
    ['bedrock-text-tool-length', 'bedrock', 'bedrock/response-text-tool-length.converse.json'],
  ];
  for (const [name, provider, file] of cases) {
    it(name, () => {
      const raw = JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')) as Json;
      // Some fixtures wrap the provider body with its target.
      const body = (provider === 'anthropic' ? raw.body : raw) as Json;
      const target: UpstreamTarget = { provider, model: 'm', stream: false, bedrockRegion: 'us-east-1' };
      const completion = providerAdapter(provider).response(body, target);
      const out = responsesClient.response(completion);
      // Bedrock answers carry no id: the adapter makes a random one.
      const text = JSON.stringify({ ...out, created_at: 0 }).replace(/bedrock-[0-9a-f]+/g, 'bedrock-ID');
      golden(`${name}.to-responses.json`, JSON.parse(text));
    });
  }

  it('errors keep the OpenAI error shape', () => {
    assert.deepEqual(responsesClient.error({ status: 429, message: 'slow down', type: 'rate_limit_error' }), {
      error: { message: 'slow down', type: 'rate_limit_error', param: null, code: null },
    });
  });
});

describe('provider streams → Responses client SSE', () => {
  const streams: [string, ProviderKind, string][] = [
    ['anthropic-thinking', 'anthropic', 'anthropic/provider-stream/thinking.sse'],
    ['anthropic-tools', 'anthropic', 'anthropic/provider-stream/tools-streamed-args.sse'],
    ['anthropic-max-tokens', 'anthropic', 'anthropic/provider-stream/max-tokens.sse'],
    ['anthropic-overloaded', 'anthropic', 'anthropic/provider-stream/error-overloaded.sse'],
    ['gemini-tools', 'gemini', 'gemini/stream-tool-calls.sse'],
    ['openai-usage', 'openai', 'openai/stream-openai-usage.sse'],
  ];
  for (const [name, provider, file] of streams) {
    it(`${name}: whole and byte by byte give the same client stream`, () => {
      const bytes = fs.readFileSync(path.join(DIR, file));
      const target: UpstreamTarget = { provider, model: 'm', stream: true };
      const run = (pieces: Buffer[]): string => {
        const dec = providerAdapter(provider).stream(target);
        const enc = responsesClient.stream();
        let out = '';
        const push = (chunks: OpenAIChatChunk[]): void => {
          out += enc.push(chunks);
        };
        try {
          for (const p of pieces) push(dec.push(p));
          push(dec.end());
        } catch (err) {
          // A mid-stream provider error: the codec pushes it in-band, as here.
          if (!(err instanceof TranslationError)) throw err;
          push([{ error: { message: err.message, type: err.type, status: err.status } }]);
        }
        return out + enc.end();
      };
      // Anthropic streams carry no timestamp: the decoder reads the clock, which may tick between runs.
      const clockless = (s: string): string => s.replace(/"created_at":\d+/g, '"created_at":0');
      const whole = clockless(run([bytes]));
      const byByte = clockless(run([...bytes].map((b) => Buffer.from([b]))));
      assert.equal(byByte, whole);
      let last = -1;
      for (const m of whole.matchAll(/"sequence_number":(\d+)/g)) {
        assert.equal(Number(m[1]), last + 1);
        last += 1;
      }
      golden(`${name}.to-responses.sse`, whole);
    });
  }
});

/**
 * Golden tests for the Gemini-native client API over the canonical form: Gemini requests against every
 * provider (pinned under test/fixtures/translate/pairs/gemini-to-*.json, checked against the providers'
 * 400 rules in provider-rules.test.ts), provider answers and streams encoded for a Gemini client, in
 * both stream forms (SSE and the JSON array), replayed whole and one byte at a time. UPDATE_GOLDEN=1
 * rewrites them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { geminiCall, geminiClientFor } from '../../../../src/providers/gemini-client/index.js';
import { providerAdapter } from '../../../../src/providers/translate/registry.js';
import { TranslationError } from '../../../../src/providers/translate/types.js';
import type {
  Json,
  OpenAIChatChunk,
  ProviderKind,
  UpstreamTarget,
} from '../../../../src/providers/translate/types.js';
import { assertGolden } from '../../../helpers/golden.js';

const DIR = path.resolve('test/fixtures/translate');
const OUT = path.join(DIR, 'pairs');

const golden = (name: string, actual: unknown): void => assertGolden(OUT, name, actual);

const TARGETS: UpstreamTarget[] = [
  { provider: 'openai', model: 'gpt-4.1-mini', stream: false },
  { provider: 'anthropic', model: 'claude-sonnet-4-5', stream: false },
  {
    provider: 'bedrock',
    model: 'anthropic.claude-3-7-sonnet-20250219-v1:0',
    stream: false,
    bedrockRegion: 'us-east-1',
  },
  { provider: 'mistral', model: 'mistral-large-latest', stream: false },
];

const input = (name: string): Json =>
  JSON.parse(fs.readFileSync(path.join(DIR, 'gemini-client', `${name}.in.json`), 'utf8')) as Json;
const client = (p: string): ReturnType<typeof geminiClientFor> => geminiClientFor(geminiCall(p));

describe('Gemini client paths', () => {
  it('reads the model and the method from the path, v1beta and v1', () => {
    assert.deepEqual(geminiCall('/v1beta/models/gemini-2.5-flash:generateContent'), {
      model: 'gemini-2.5-flash',
      method: 'generateContent',
      sse: false,
      version: 'v1beta',
    });
    assert.equal(geminiCall('/v1/models/my%2Falias:streamGenerateContent?alt=sse&key=k')?.model, 'my/alias');
    assert.equal(geminiCall('/v1/models/m:streamGenerateContent?alt=sse')?.sse, true);
    assert.equal(geminiCall('/v1/models/m:streamGenerateContent')?.sse, false);
    assert.equal(geminiCall('/v1beta/models/m:countTokens')?.method, 'countTokens');
    for (const p of [
      '/v1/chat/completions',
      '/v1beta/models/m:embedContent',
      '/v1beta/models/:generateContent',
    ])
      assert.equal(geminiCall(p), undefined, p);
  });
});

describe('Gemini client → every provider (requests)', () => {
  for (const c of ['basic', 'tools']) {
    for (const stream of [false, true]) {
      for (const target of TARGETS) {
        const kind = stream ? 'stream' : 'json';
        it(`${c} (${kind}) → ${target.provider}`, () => {
          const body = input(c);
          const g = client(
            stream
              ? '/v1beta/models/alias:streamGenerateContent?alt=sse'
              : '/v1beta/models/alias:generateContent',
          );
          const canonical = g.request(structuredClone(body));
          assert.equal(canonical.model, 'alias');
          const t = providerAdapter(target.provider).request(canonical, { ...target, stream });
          golden(`gemini-to-${target.provider}.${c}.${kind}.json`, {
            path: t.path,
            headers: t.headers,
            droppedParams: [...g.droppedParams(body), ...t.droppedParams],
            body: JSON.parse(t.body.toString()) as unknown,
          });
        });
      }
    }
  }

  it('canonical form: system, tools, two-turn function calls, thinking budget, JSON schema', () => {
    const canonical = client('/v1beta/models/m:generateContent').request(input('tools'));
    const messages = canonical.messages as Json[];
    assert.deepEqual(messages[1], {
      role: 'assistant',
      content: null,
      tool_calls: [
        {
          id: 'call_0',
          type: 'function',
          function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
          extra_content: { google: { thought_signature: 'c2lnLTEyMw==' } },
        },
      ],
    });
    assert.deepEqual(messages[2], { role: 'tool', tool_call_id: 'call_0', content: '{"temperature":"18C"}' });
    assert.deepEqual(canonical.thinking, { type: 'enabled', budget_tokens: 2048 });
    assert.equal(canonical.tool_choice, 'auto');
    const basic = client('/v1beta/models/m:generateContent').request(input('basic'));
    assert.deepEqual(basic.response_format, {
      type: 'json_schema',
      json_schema: {
        name: 'response',
        schema: {
          type: 'object',
          properties: { colour: { type: ['string', 'null'] } },
          required: ['colour'],
        },
      },
    });
    assert.deepEqual(client('/v1beta/models/m:generateContent').droppedParams(input('basic')), [
      'generationConfig.responseModalities',
      'safetySettings',
    ]);
    assert.deepEqual(client('/v1beta/models/m:generateContent').droppedParams(input('tools')), [
      'contents[].parts.thought',
      'tools.googleSearch',
    ]);
  });

  it('invalid bodies are a 400 in the Gemini error shape', () => {
    const g = client('/v1beta/models/m:generateContent');
    for (const body of [
      {},
      { contents: 'hi' },
      { contents: [{ role: 'robot', parts: [{ text: 'x' }] }] },
      { contents: [{ role: 'user', parts: [{ functionResponse: { name: 'f', response: {} } }] }] },
      { contents: [], generationConfig: { temperature: 'hot' } },
    ])
      assert.throws(
        () => g.request(body),
        (e: unknown) => e instanceof TranslationError && e.status === 400,
      );
    assert.deepEqual(g.error({ status: 400, message: 'bad', type: 'invalid_request_error' }), {
      error: { code: 400, message: 'bad', status: 'INVALID_ARGUMENT' },
    });
    assert.deepEqual(g.error({ status: 429, message: 'slow', type: 'rate_limit_error' }), {
      error: { code: 429, message: 'slow', status: 'RESOURCE_EXHAUSTED' },
    });
  });
});

describe('provider answers → Gemini client', () => {
  const cases: [string, ProviderKind, string][] = [
    ['anthropic-thinking', 'anthropic', 'anthropic/provider-response/thinking.in.json'],
    ['anthropic-tool-use', 'anthropic', 'anthropic/provider-response/tool-use.in.json'],
    ['openai-tool-call', 'openai', 'openai/resp-openai-tool-call.in.json'],
    ['bedrock-text-tool-length', 'bedrock', 'bedrock/response-text-tool-length.converse.json'],
  ];
  for (const [name, provider, file] of cases) {
    it(name, () => {
      const raw = JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')) as Json;
      const body = (provider === 'anthropic' ? raw.body : raw) as Json;
      const target: UpstreamTarget = { provider, model: 'm', stream: false, bedrockRegion: 'us-east-1' };
      const completion = providerAdapter(provider).response(body, target);
      const out = client('/v1beta/models/m:generateContent').response(completion);
      const text = JSON.stringify(out).replace(/bedrock-[0-9a-f]+/g, 'bedrock-ID');
      golden(`${name}.to-gemini.json`, JSON.parse(text));
    });
  }
});

describe('provider streams → Gemini client (SSE and JSON array)', () => {
  const streams: [string, ProviderKind, string][] = [
    ['anthropic-thinking', 'anthropic', 'anthropic/provider-stream/thinking.sse'],
    ['anthropic-tools', 'anthropic', 'anthropic/provider-stream/tools-streamed-args.sse'],
    ['anthropic-max-tokens', 'anthropic', 'anthropic/provider-stream/max-tokens.sse'],
    ['anthropic-overloaded', 'anthropic', 'anthropic/provider-stream/error-overloaded.sse'],
    ['openai-usage', 'openai', 'openai/stream-openai-usage.sse'],
    ['openai-tool-args', 'openai', 'openai/stream-openai-tool-args-crlf.sse'],
  ];
  for (const [name, provider, file] of streams) {
    for (const sse of [true, false]) {
      it(`${name} (${sse ? 'sse' : 'array'}): whole and byte by byte give the same client stream`, () => {
        const bytes = fs.readFileSync(path.join(DIR, file));
        const target: UpstreamTarget = { provider, model: 'm', stream: true };
        const p = `/v1beta/models/m:streamGenerateContent${sse ? '?alt=sse' : ''}`;
        const run = (pieces: Buffer[]): string => {
          const dec = providerAdapter(provider).stream(target);
          const enc = client(p).stream();
          let out = '';
          const push = (chunks: OpenAIChatChunk[]): void => {
            out += enc.push(chunks);
          };
          try {
            for (const piece of pieces) push(dec.push(piece));
            push(dec.end());
          } catch (err) {
            if (!(err instanceof TranslationError)) throw err;
            push([{ error: { message: err.message, type: err.type, status: err.status } }]);
          }
          return out + enc.end();
        };
        const whole = run([bytes]);
        assert.equal(run([...bytes].map((b) => Buffer.from([b]))), whole);
        if (sse) {
          assert.ok(whole.endsWith('\r\n\r\n'));
          for (const ev of whole.split('\r\n\r\n').filter((e) => e !== ''))
            assert.ok(JSON.parse(ev.replace(/^data: /, '')) as unknown);
        } else {
          const chunks = JSON.parse(whole) as Json[];
          assert.ok(Array.isArray(chunks) && chunks.length > 0);
        }
        golden(`${name}.to-gemini.${sse ? 'sse' : 'array.json'}`, whole);
      });
    }
  }
});

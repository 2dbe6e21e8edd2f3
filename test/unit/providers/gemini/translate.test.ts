/**
 * Gemini / Vertex AI adapters: golden request and response translation, errors.
 * Fixtures: test/fixtures/translate/gemini/{req-*,resp-*}.in.json → *.out.json.
 * Regenerate outputs with UPDATE_GOLDEN=1 (then review the diff).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import {
  openAIToGeminiSchema,
  geminiProvider,
  vertexProvider,
} from '../../../../src/providers/gemini/index.js';
import type { Json, ProviderAdapter, UpstreamTarget } from '../../../../src/providers/translate/types.js';
import { TranslationError } from '../../../../src/providers/translate/types.js';

const DIR = path.resolve('test/fixtures/translate/gemini');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const readJson = (name: string): unknown => JSON.parse(readFileSync(path.join(DIR, name), 'utf8'));

function golden(name: string, actual: unknown): void {
  const file = path.join(DIR, name);
  if (UPDATE) writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
  assert.deepStrictEqual(actual, JSON.parse(readFileSync(file, 'utf8')));
}

const GENERATED_ID = /^chatcmpl-[0-9a-f]{24}$/;

/** Replaces generated ids and the wall-clock `created` (when the input had no createTime) by constants. */
function stable(obj: Json, hadCreateTime: boolean): Json {
  const out = { ...obj };
  if (typeof out.id === 'string' && GENERATED_ID.test(out.id)) out.id = 'chatcmpl-GENERATED';
  if (!hadCreateTime) {
    assert.ok(typeof out.created === 'number' && Math.abs(out.created - Date.now() / 1000) < 120);
    out.created = 0;
  }
  return out;
}

const adapterFor = (t: UpstreamTarget): ProviderAdapter =>
  t.provider === 'vertex-ai' ? vertexProvider : geminiProvider;

const names = (prefix: string): string[] =>
  readdirSync(DIR)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.in.json'))
    .map((f) => f.slice(0, -'.in.json'.length))
    .sort();

describe('gemini adapters: identity', () => {
  it('provider kinds', () => {
    assert.equal(geminiProvider.provider, 'gemini');
    assert.equal(vertexProvider.provider, 'vertex-ai');
  });
});

describe('gemini request goldens', () => {
  for (const name of names('req-')) {
    it(name, () => {
      const { target, request } = readJson(`${name}.in.json`) as { target: UpstreamTarget; request: Json };
      const frozen = structuredClone(request);
      const out = adapterFor(target).request(request, target);
      assert.deepStrictEqual(request, frozen, 'the client request is not mutated');
      golden(`${name}.out.json`, {
        path: out.path,
        headers: out.headers,
        droppedParams: out.droppedParams,
        body: JSON.parse(out.body.toString('utf8')),
      });
    });
  }
});

describe('gemini request errors', () => {
  const target: UpstreamTarget = { provider: 'gemini', model: 'gemini-2.5-flash', stream: false };
  const user = { role: 'user', content: 'hi' };
  const cases: Array<[string, Json, number, RegExp]> = [
    ['messages not an array', { messages: 'hi' }, 400, /messages must be an array/],
    ['unknown role', { messages: [{ role: 'robot', content: 'x' }] }, 400, /role "robot"/],
    [
      'tool result for an unknown call',
      { messages: [user, { role: 'tool', tool_call_id: 'call_9', content: 'x' }] },
      400,
      /call_9.*matches no earlier/,
    ],
    [
      'tool arguments not a JSON object',
      {
        messages: [
          user,
          {
            role: 'assistant',
            tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '[1,2]' } }],
          },
        ],
      },
      400,
      /arguments must be a JSON object/,
    ],
    [
      'ftp image',
      { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://x/y.png' } }] }] },
      400,
      /Unsupported URL scheme/,
    ],
    [
      'unknown content part',
      { messages: [{ role: 'user', content: [{ type: 'video', video: {} }] }] },
      400,
      /unsupported content part type "video"/,
    ],
    [
      'OpenAI file id',
      { messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-abc' } }] }] },
      400,
      /file parts need file_data/,
    ],
    ['non-function tool', { messages: [user], tools: [{ type: 'web_search' }] }, 400, /only function tools/],
    [
      'bad tool_choice',
      { messages: [user], tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: 'sometimes' },
      400,
      /tool_choice must be/,
    ],
    ['bad temperature', { messages: [user], temperature: 'hot' }, 400, /temperature must be a number/],
    ['bad stop', { messages: [user], stop: [1] }, 400, /stop must be/],
    [
      'bad response_format',
      { messages: [user], response_format: { type: 'xml' } },
      400,
      /response_format.type/,
    ],
    [
      'image type Gemini does not take',
      {
        messages: [
          {
            role: 'user',
            content: [{ type: 'image_url', image_url: { url: 'data:image/bmp;base64,AA==' } }],
          },
        ],
      },
      400,
      /image\/bmp.*not supported by Gemini/,
    ],
  ];
  for (const [label, req, status, message] of cases) {
    it(label, () => {
      assert.throws(
        () => geminiProvider.request(req, target),
        (e: unknown) => e instanceof TranslationError && e.status === status && message.test(e.message),
      );
    });
  }

  it('Vertex without project or location is a 500 (backend misconfigured)', () => {
    const base = { provider: 'vertex-ai', model: 'gemini-2.5-pro', stream: false } as const;
    for (const t of [base, { ...base, vertexProject: 'p' }, { ...base, vertexLocation: 'l' }]) {
      assert.throws(
        () => vertexProvider.request({ messages: [user] }, t),
        (e: unknown) =>
          e instanceof TranslationError && e.status === 500 && /backend misconfigured/.test(e.message),
      );
    }
  });

  it('Gemini path ignores Vertex fields and encodes the model', () => {
    const out = geminiProvider.request(
      { messages: [user] },
      { provider: 'gemini', model: 'tunedModels/my model', stream: true, vertexProject: 'p' },
    );
    assert.equal(out.path, '/v1beta/models/tunedModels%2Fmy%20model:streamGenerateContent?alt=sse');
  });
});

describe('gemini response goldens', () => {
  const target: UpstreamTarget = { provider: 'gemini', model: 'gemini-target-model', stream: false };
  for (const name of names('resp-')) {
    it(name, () => {
      const body = readJson(`${name}.in.json`) as Json;
      const out = geminiProvider.response(body, target);
      golden(`${name}.out.json`, stable(out, typeof body.createTime === 'string'));
      // Vertex shares the translation.
      assert.deepStrictEqual(
        stable(vertexProvider.response(body, target), typeof body.createTime === 'string'),
        stable(out, typeof body.createTime === 'string'),
      );
    });
  }

  it('generates a fresh id when responseId is absent', () => {
    const body = readJson('resp-thinking.in.json') as Json;
    const a = geminiProvider.response(body, target);
    const b = geminiProvider.response(body, target);
    assert.match(String(a.id), GENERATED_ID);
    assert.notEqual(a.id, b.id);
  });

  it('tool call ids restart at call_0 for every response', () => {
    const body = readJson('resp-tool-calls.in.json') as Json;
    const ids = (c: Json): unknown[] => ((c.choices as Json[])[0]?.message as Json).tool_calls as unknown[];
    assert.deepStrictEqual(
      ids(geminiProvider.response(body, target)),
      ids(geminiProvider.response(body, target)),
    );
  });
});

describe('gemini errors', () => {
  const cases = readJson('errors.json') as Array<{
    name: string;
    status: number;
    body: string;
    expected: Json;
  }>;
  for (const c of cases) {
    it(c.name, () => {
      assert.deepStrictEqual(geminiProvider.error(c.status, Buffer.from(c.body, 'utf8')), c.expected);
      assert.deepStrictEqual(vertexProvider.error(c.status, Buffer.from(c.body, 'utf8')), c.expected);
    });
  }
});

describe('openAIToGeminiSchema', () => {
  it('inlines recursive $refs up to a depth limit, and does not mutate the input', () => {
    const schema: Json = {
      type: 'object',
      properties: { root: { $ref: '#/definitions/Node' } },
      definitions: {
        Node: {
          type: 'object',
          properties: { child: { $ref: '#/definitions/Node' }, v: { type: 'integer' } },
        },
      },
    };
    const frozen = structuredClone(schema);
    const out = openAIToGeminiSchema(schema);
    assert.deepStrictEqual(schema, frozen);
    let depth = 0;
    let node = (out.properties as Json).root as Json;
    while (node.properties !== undefined) {
      depth++;
      node = (node.properties as Json).child as Json;
    }
    assert.ok(depth >= 5 && depth <= 10, `depth ${depth}`);
    assert.deepStrictEqual(node, {});
  });

  it('type unions, oneOf, unknown $ref, and non-string formats', () => {
    assert.deepStrictEqual(
      openAIToGeminiSchema({
        type: 'object',
        properties: {
          a: { type: ['integer', 'string'] },
          b: { oneOf: [{ type: 'string' }, { type: 'number', format: 'double' }] },
          c: { $ref: 'https://example.com/schema.json', description: 'remote' },
          d: { type: 'integer', format: 'int64', exclusiveMinimum: 0 },
          properties: { type: 'string', title: 'a property named "properties"' },
        },
      }),
      {
        type: 'object',
        properties: {
          a: { anyOf: [{ type: 'integer' }, { type: 'string' }] },
          b: { anyOf: [{ type: 'string' }, { type: 'number', format: 'double' }] },
          c: { description: 'remote' },
          d: { type: 'integer', format: 'int64' },
          properties: { type: 'string', title: 'a property named "properties"' },
        },
      },
    );
  });
});

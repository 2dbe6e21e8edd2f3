import assert from 'node:assert/strict';
import { test } from 'node:test';
import { geminiRequestProblems } from '../../../../mock-provider/rules/gemini.js';

const base = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
  ...extra,
});
const has = (body: unknown, re: RegExp): void => {
  const problems = geminiRequestProblems(body);
  assert.ok(
    problems.some((p) => re.test(p)),
    `expected ${String(re)} in ${JSON.stringify(problems)}`,
  );
};

test('a plain request, thinking, images and a response schema are accepted', () => {
  assert.deepEqual(geminiRequestProblems(base()), []);
  const body = base({
    contents: [
      {
        role: 'user',
        parts: [{ text: 'What is it?' }, { inlineData: { mimeType: 'image/jpeg', data: '/9j/4AAQ' } }],
      },
      { role: 'model', parts: [{ functionCall: { name: 'f', args: {} }, thoughtSignature: 'EvsF' }] },
    ],
    generationConfig: {
      thinkingConfig: { thinkingBudget: -1, includeThoughts: true },
      responseMimeType: 'application/json',
      responseSchema: { type: 'OBJECT', properties: { a: { type: 'string', nullable: true } } },
    },
  });
  assert.deepEqual(geminiRequestProblems(body), []);
});

test('the documented 400s', () => {
  has(base({ generationConfig: { thinkingConfig: { thinkingBudget: 40000 } } }), /thinking budget 40000/);
  has(base({ generationConfig: { thinkingConfig: { thinkingBudget: 1.5 } } }), /thinking budget/);
  has(
    base({ contents: [{ role: 'user', parts: [{ inlineData: { mimeType: 'image/jpg', data: 'AA==' } }] }] }),
    /Unsupported MIME type: image\/jpg/,
  );
  has(base({ generationConfig: { responseSchema: { type: 'OBJECT' } } }), /application\/json/);
  has(
    base({
      generationConfig: {
        responseMimeType: 'application/json',
        responseSchema: { type: 'object', additionalProperties: false },
      },
    }),
    /Unknown name "additionalProperties"/,
  );
  has(base({ generationConfig: { reasoning_effort: 'high' } }), /Unknown name "reasoning_effort"/);
  has(base({ thinking: {} }), /Unknown name "thinking"/);
  has({ contents: [] }, /contents is not specified/);
  has(base({ contents: [{ role: 'assistant', parts: [{ text: 'x' }] }] }), /valid role/);
  has(
    base({ contents: [{ role: 'user', parts: [{ text: 'a', functionCall: { name: 'f' } }] }] }),
    /exactly one/,
  );
});

test('Gemini 3: function calls of the current turn need their thought signatures', () => {
  const turn = (call: Record<string, unknown>): Record<string, unknown> =>
    base({
      contents: [
        { role: 'user', parts: [{ text: 'Weather?' }] },
        { role: 'model', parts: [{ functionCall: { name: 'f', args: {} }, ...call }] },
        { role: 'user', parts: [{ functionResponse: { name: 'f', response: {} } }] },
      ],
    });
  assert.deepEqual(geminiRequestProblems(turn({ thoughtSignature: 'EvsF' }), 'gemini-3-pro-preview'), []);
  assert.deepEqual(geminiRequestProblems(turn({}), 'gemini-2.5-flash'), []);
  assert.match(
    geminiRequestProblems(turn({}), 'gemini-3-pro-preview')[0] ?? '',
    /missing a thought_signature/,
  );
});

test('structured output: responseJsonSchema (full JSON Schema) or responseSchema, never both', () => {
  const json = { type: 'object', $defs: { a: { type: 'string' } }, properties: { a: { $ref: '#/$defs/a' } } };
  const withJson = {
    responseMimeType: 'application/json',
    responseJsonSchema: { ...json, additionalProperties: false },
  };
  assert.deepEqual(geminiRequestProblems(base({ generationConfig: withJson })), []);
  has(base({ generationConfig: { responseJsonSchema: json } }), /application\/json/);
  has(base({ generationConfig: { ...withJson, responseSchema: { type: 'OBJECT' } } }), /cannot both be set/);
  has(
    base({ generationConfig: { responseMimeType: 'application/json', responseJsonSchema: 'object' } }),
    /responseJsonSchema must be an object/,
  );
});

test('Gemini 3: text-part signatures are strings; an empty signed text part is taken', () => {
  const model = (part: Record<string, unknown>): Record<string, unknown> =>
    base({
      contents: [
        { role: 'user', parts: [{ text: 'hi' }] },
        { role: 'model', parts: [part] },
        { role: 'user', parts: [{ text: 'again' }] },
      ],
    });
  assert.deepEqual(
    geminiRequestProblems(model({ text: '', thoughtSignature: 'EvsF' }), 'gemini-3-pro-preview'),
    [],
  );
  has(model({ text: 'x', thoughtSignature: 7 }), /thoughtSignature must be a base64 string/);
});

test('function declarations: parametersJsonSchema (full JSON Schema) or parameters, never both', () => {
  const json = {
    type: 'object',
    properties: { a: { type: ['string', 'null'] } },
    additionalProperties: false,
  };
  const decl = (fd: Record<string, unknown>): unknown => base({ tools: [{ functionDeclarations: [fd] }] });
  assert.deepEqual(geminiRequestProblems(decl({ name: 'f', parametersJsonSchema: json })), []);
  assert.deepEqual(
    geminiRequestProblems(
      decl({ name: 'f', parameters: { type: 'object', properties: { a: { type: 'string' } } } }),
    ),
    [],
  );
  has(decl({ name: 'f', parametersJsonSchema: json, parameters: { type: 'object' } }), /cannot both be set/);
  has(decl({ name: 'f', parametersJsonSchema: 'object' }), /parametersJsonSchema must be an object/);
  // The OpenAPI subset still refuses JSON Schema keywords under `parameters`.
  has(decl({ name: 'f', parameters: json }), /./);
});

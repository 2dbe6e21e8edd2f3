import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openAIToAnthropicRequest } from '../../../../src/providers/anthropic/openai-to-anthropic.request.js';
import { openAIToGeminiRequest } from '../../../../src/providers/gemini/openai-to-gemini.request.js';
import type { Json, OpenAIChatRequest } from '../../../../src/providers/translate/types.js';

const SCHEMA = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
const request = (jsonSchema: Json): OpenAIChatRequest => ({
  model: 'm',
  messages: [{ role: 'user', content: 'Paris is nice.' }],
  response_format: { type: 'json_schema', json_schema: jsonSchema },
});

test("a json_schema format's description reaches schema-only providers inside the schema", () => {
  const req = request({ name: 'city', description: 'The city named', schema: SCHEMA });
  const anthropic = JSON.parse(
    openAIToAnthropicRequest(req, {
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      stream: false,
    }).body.toString(),
  ) as Json;
  const expected = { ...SCHEMA, description: 'The city named' };
  assert.deepEqual(anthropic.output_config, { format: { type: 'json_schema', schema: expected } });
  const gemini = openAIToGeminiRequest(req, { provider: 'gemini', model: 'gemini-2.5-flash', stream: false });
  assert.deepEqual((gemini.body.generationConfig as Json).responseJsonSchema, expected);
  // The schema's own description wins; the client's schema object is not changed.
  const own = { ...SCHEMA, description: 'mine' };
  const kept = openAIToGeminiRequest(request({ name: 'city', description: 'other', schema: own }), {
    provider: 'gemini',
    model: 'gemini-2.5-flash',
    stream: false,
  });
  assert.deepEqual((kept.body.generationConfig as Json).responseJsonSchema, own);
  assert.equal((SCHEMA as Json).description, undefined);
});

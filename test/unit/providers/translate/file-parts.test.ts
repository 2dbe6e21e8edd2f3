import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { responsesClient } from '../../../../src/providers/openai-responses/index.js';
import { providerAdapterFor } from '../../../../src/providers/translate/registry.js';
import type { Json, UpstreamTarget } from '../../../../src/providers/translate/types.js';
import { anthropicRequestProblems } from '../../../../mock-provider/rules/anthropic.js';
import { bedrockRequestProblems } from '../../../../mock-provider/rules/bedrock.js';
import { geminiRequestProblems } from '../../../../mock-provider/rules/gemini.js';
import { openaiRequestProblems } from '../../../../mock-provider/rules/openai.js';
import { responsesRequestProblems } from '../../../../mock-provider/rules/openai-responses.js';

type AnyJson = ReturnType<typeof JSON.parse>;

const TEXT = 'shelf B12';
const B64 = Buffer.from(TEXT).toString('base64');

/** A Responses client's request with a text file, as a data URL or bare base64 named by its extension. */
const request = (file: Json): Json => ({
  model: 'm',
  input: [
    {
      role: 'user',
      content: [
        { type: 'input_text', text: 'Where is item A-17?' },
        { type: 'input_file', ...file },
      ],
    },
  ],
});
const FILES: Json[] = [
  { file_data: `data:text/plain;base64,${B64}`, filename: 'location.txt' },
  { file_data: B64, filename: 'location.txt' },
];

const upstream = (body: Json, target: UpstreamTarget): AnyJson =>
  JSON.parse(providerAdapterFor(target).request(responsesClient.request(body), target).body.toString());

const ANTHROPIC: UpstreamTarget = { provider: 'anthropic', model: 'claude-sonnet-4-5', stream: false };
const BEDROCK: UpstreamTarget = {
  provider: 'bedrock',
  model: 'anthropic.claude-3-5-haiku-20241022-v1:0',
  stream: false,
  bedrockRegion: 'us-east-1',
};
const GEMINI: UpstreamTarget = { provider: 'gemini', model: 'gemini-2.5-flash', stream: false };
const OPENAI: UpstreamTarget = { provider: 'openai', model: 'gpt-4.1', stream: false };
const RESPONSES: UpstreamTarget = {
  provider: 'openai',
  model: 'o3-pro',
  stream: false,
  openaiApi: 'responses',
};

describe('Responses input_file holding a text file reaches every provider', () => {
  it('Anthropic: a document with a plain-text source and its title', () => {
    for (const file of FILES) {
      const body = upstream(request(file), ANTHROPIC);
      assert.deepEqual(body.messages[0].content[1], {
        type: 'document',
        source: { type: 'text', media_type: 'text/plain', data: TEXT },
        title: 'location.txt',
      });
      assert.deepEqual(anthropicRequestProblems(body), []);
    }
    assert.deepEqual(responsesClient.droppedParams?.(request(FILES[0] ?? {})), []);
  });

  it('Bedrock: a txt, md or csv Converse document', () => {
    for (const [type, format] of [
      ['text/plain', 'txt'],
      ['text/markdown', 'md'],
      ['text/csv', 'csv'],
    ] as const) {
      const body = upstream(request({ file_data: `data:${type};base64,${B64}`, filename: 'notes' }), BEDROCK);
      assert.deepEqual(body.messages[0].content[1], {
        document: { format, name: 'notes', source: { bytes: B64 } },
      });
      assert.deepEqual(bedrockRequestProblems(body, BEDROCK.model), []);
    }
  });

  it('Gemini: inline data of its media type', () => {
    const body = upstream(request(FILES[0] ?? {}), GEMINI);
    assert.deepEqual(body.contents[0].parts[1], { inlineData: { mimeType: 'text/plain', data: B64 } });
    assert.deepEqual(geminiRequestProblems(body, GEMINI.model), []);
  });

  it('OpenAI chat and Responses upstreams: the text, named by the file', () => {
    const chat = upstream(request(FILES[0] ?? {}), OPENAI);
    assert.deepEqual(chat.messages[0].content[1], { type: 'text', text: `location.txt:\n${TEXT}` });
    assert.deepEqual(openaiRequestProblems(chat), []);
    const responses = upstream(request(FILES[0] ?? {}), RESPONSES);
    assert.deepEqual(responses.input[0].content[1], { type: 'input_text', text: `location.txt:\n${TEXT}` });
    assert.deepEqual(responsesRequestProblems(responses), []);
  });

  it('a PDF reaches a Responses upstream as an input_file', () => {
    const pdf = 'JVBERi0xLjQK';
    const body = upstream(
      request({ file_data: `data:application/pdf;base64,${pdf}`, filename: 'p.pdf' }),
      RESPONSES,
    );
    assert.deepEqual(body.input[0].content[1], {
      type: 'input_file',
      file_data: `data:application/pdf;base64,${pdf}`,
      filename: 'p.pdf',
    });
    assert.deepEqual(responsesRequestProblems(body), []);
  });

  it('the mock refuses what Anthropic refuses: a base64 document that is not a PDF', () => {
    const body = {
      model: 'claude-sonnet-4-5',
      max_tokens: 10,
      messages: [
        {
          role: 'user',
          content: [{ type: 'document', source: { type: 'base64', media_type: 'text/plain', data: B64 } }],
        },
      ],
    };
    assert.match(anthropicRequestProblems(body).join(';'), /media_type/);
  });
});

/**
 * Gemini thought signatures across turns for an OpenAI client: the signatures of Gemini 3's recorded answers
 * (test/fixtures/translate/gemini/*gemini3*, copied from real traffic) reach the client, whole and streamed,
 * the client's own message (what the official `openai` SDK accumulates) is replayed, and the next request puts
 * every signature back on its part; Gemini 3's rule (a function call of the current turn without its
 * signature is a 400, mock-provider/rules/gemini.ts) accepts that request and refuses it without them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ChatCompletionStream } from 'openai/lib/ChatCompletionStream';

import { geminiProvider } from '../../../../src/providers/gemini/index.js';
import type { Json, OpenAIChatChunk, UpstreamTarget } from '../../../../src/providers/translate/types.js';
import { geminiRequestProblems } from '../../../../mock-provider/rules/gemini.js';

const DIR = path.resolve('test/fixtures/translate/gemini');
const GEMINI3: UpstreamTarget = { provider: 'gemini', model: 'gemini-3-pro-preview', stream: false };
const TOOLS = [
  {
    type: 'function',
    function: {
      name: 'weather',
      parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
    },
  },
];

const fixture = (name: string): Buffer => readFileSync(path.join(DIR, name));
const json = (name: string): Json => JSON.parse(fixture(name).toString('utf8')) as Json;
/** The signature of every part of a recorded response (or stream), in order. */
function recordedSignatures(objects: Json[]): string[] {
  const out: string[] = [];
  for (const o of objects) {
    const cand = (o.candidates as Json[])[0] as Json;
    for (const p of (cand.content as Json).parts as Json[]) {
      if (typeof p.thoughtSignature === 'string') out.push(p.thoughtSignature);
    }
  }
  return out;
}
const jsonl = (name: string): Json[] =>
  fixture(name)
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Json);

/** The assistant message the official SDK builds from our stream (chunks as its NDJSON input). */
async function sdkMessage(chunks: OpenAIChatChunk[]): Promise<Json> {
  const body = chunks.map((c) => JSON.stringify(c)).join('\n') + '\n';
  const stream = ChatCompletionStream.fromReadableStream(new Blob([body]).stream());
  const done = await stream.finalChatCompletion();
  return done.choices[0]?.message as unknown as Json;
}

function decodeStream(name: string): OpenAIChatChunk[] {
  const dec = geminiProvider.stream({ ...GEMINI3, stream: true });
  return [...dec.push(fixture(name)), ...dec.end()];
}

function nextRequest(history: Json[]): Json {
  const out = geminiProvider.request({ model: 'm', messages: history, tools: TOOLS }, GEMINI3);
  return JSON.parse(out.body.toString('utf8')) as Json;
}

const modelTurns = (body: Json): Json[][] =>
  (body.contents as Json[]).filter((c) => c.role === 'model').map((c) => c.parts as Json[]);

describe('Gemini thought signatures across turns (OpenAI client)', () => {
  it('a text part signature: whole response → client message → back on the text part', () => {
    const resp = json('resp-text-signature-gemini3.in.json');
    const [sig] = recordedSignatures([resp]);
    const msg = (geminiProvider.response(resp, GEMINI3).choices as Json[])[0]?.message as Json;
    const body = nextRequest([
      { role: 'user', content: 'How many r?' },
      msg,
      { role: 'user', content: 'Sure?' },
    ]);
    assert.deepEqual(modelTurns(body), [[{ text: msg.content, thoughtSignature: sig }]]);
    assert.deepEqual(geminiRequestProblems(body, GEMINI3.model), []);
  });

  it('a streamed text signature (a final empty text part) → the SDK message → back on the text part', async () => {
    const chunks = decodeStream('stream-text-signature-gemini3.jsonl');
    const [sig] = recordedSignatures(jsonl('stream-text-signature-gemini3.jsonl'));
    const msg = await sdkMessage(chunks);
    assert.equal(
      msg.content,
      'There are **3** "r"s in strawberry.\n\nHere is the breakdown: st**r**awbe**rr**y.',
    );
    const body = nextRequest([
      { role: 'user', content: 'How many r?' },
      msg,
      { role: 'user', content: 'Sure?' },
    ]);
    assert.deepEqual(modelTurns(body), [[{ text: msg.content, thoughtSignature: sig }]]);
  });

  it('a streamed function call keeps its signature; Gemini 3 takes the replay and refuses it without', async () => {
    const msg = await sdkMessage(decodeStream('stream-tool-call-gemini3.jsonl'));
    const [sig] = recordedSignatures(jsonl('stream-tool-call-gemini3.jsonl'));
    const call = (msg.tool_calls as Json[])[0] as Json;
    const history = [
      { role: 'user', content: 'Weather in San Francisco?' },
      msg,
      { role: 'tool', tool_call_id: call.id, content: '{"temp_c":17}' },
    ];
    const body = nextRequest(history);
    assert.equal(modelTurns(body)[0]?.[0]?.thoughtSignature, sig);
    assert.deepEqual(geminiRequestProblems(body, GEMINI3.model), []);

    const stripped = structuredClone(body);
    delete ((stripped.contents as Json[])[1]?.parts as Json[])[0]?.thoughtSignature;
    assert.match(geminiRequestProblems(stripped, GEMINI3.model).join(), /missing a thought_signature/);
    // Earlier models do not validate.
    assert.deepEqual(geminiRequestProblems(stripped, 'gemini-2.5-flash'), []);
  });

  it('a message with a text signature and no text replays an empty signed text part', () => {
    const msg = {
      role: 'assistant',
      content: null,
      extra_content: { google: { thought_signature: 'RXFz' } },
    };
    const body = nextRequest([{ role: 'user', content: 'hi' }, msg, { role: 'user', content: 'again' }]);
    assert.deepEqual(modelTurns(body), [[{ text: '', thoughtSignature: 'RXFz' }]]);
    assert.deepEqual(geminiRequestProblems(body, GEMINI3.model), []);
  });
});

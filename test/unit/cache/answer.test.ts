import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { anthropicAnswer, openaiAnswer, toEntry } from '../../../src/cache/answer.js';
import { StreamRecorder } from '../../../src/cache/stream-recorder.js';
import { synthesizeHit } from '../../../src/cache/synthesize.js';
import { SseDecoder } from '../../../src/streaming/sse-decoder.js';

const completion = (finish: string, extra: Record<string, unknown> = {}) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Paris.', ...extra }, finish_reason: finish }],
  usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 },
});

function sseEvents(body: string) {
  const d = new SseDecoder();
  return [...d.push(Buffer.from(body)), ...d.end()];
}

describe('what the cache stores', () => {
  it('a finished single-choice text answer; not a truncated one, not several choices', () => {
    const a = openaiAnswer(completion('stop'))!;
    assert.deepEqual(
      { text: a.text, finish: a.finish, p: a.promptTokens, c: a.completionTokens },
      { text: 'Paris.', finish: 'stop', p: 12, c: 3 },
    );
    assert.equal(openaiAnswer(completion('length')), undefined);
    assert.equal(openaiAnswer({ ...completion('stop'), choices: [{}, {}] }), undefined);
    assert.equal(openaiAnswer(completion('stop', { refusal: 'no' })), undefined);
  });

  it('tool calls only when the route allows them', () => {
    const c = completion('tool_calls', {
      content: null,
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
    });
    const a = openaiAnswer(c)!;
    assert.equal(toEntry(a, false), undefined);
    const e = toEntry(a, true)!;
    assert.deepEqual((e.completion.choices as { message: unknown }[])[0]!.message, {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
    });
  });

  it('Anthropic messages: end_turn text; thinking blocks and max_tokens are not stored', () => {
    const msg = {
      model: 'claude',
      stop_reason: 'end_turn',
      content: [{ type: 'text', text: 'Hi' }],
      usage: { input_tokens: 5, output_tokens: 1 },
    };
    assert.equal(anthropicAnswer(msg)!.text, 'Hi');
    assert.equal(anthropicAnswer({ ...msg, stop_reason: 'max_tokens' }), undefined);
    assert.equal(anthropicAnswer({ ...msg, content: [{ type: 'thinking', thinking: 'x' }] }), undefined);
  });
});

describe('streams: recorded, then replayed as a hit', () => {
  const chunks = [
    { id: 'c', model: 'gpt-4o-mini', choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] },
    { id: 'c', model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: 'Par' } }] },
    {
      id: 'c',
      model: 'gpt-4o-mini',
      choices: [{ index: 0, delta: { content: 'is.' }, finish_reason: null }],
    },
    { id: 'c', model: 'gpt-4o-mini', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
    { id: 'c', model: 'gpt-4o-mini', choices: [], usage: { prompt_tokens: 12, completion_tokens: 3 } },
  ];
  const body = chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('') + 'data: [DONE]\n\n';

  it('an OpenAI stream that finished is an answer; one cut before its finish is not', () => {
    const r = new StreamRecorder('openai');
    r.push(sseEvents(body));
    assert.deepEqual(r.answer(), {
      text: 'Paris.',
      toolCalls: [],
      finish: 'stop',
      model: 'gpt-4o-mini',
      promptTokens: 12,
      completionTokens: 3,
      usage: { prompt_tokens: 12, completion_tokens: 3 },
    });
    const cut = new StreamRecorder('openai');
    cut.push(
      sseEvents(
        chunks
          .slice(0, 3)
          .map((c) => `data: ${JSON.stringify(c)}\n\n`)
          .join(''),
      ),
    );
    assert.equal(cut.answer(), undefined);
  });

  it('the synthesized OpenAI stream records back to the same answer (with [DONE])', () => {
    const r = new StreamRecorder('openai');
    r.push(sseEvents(body));
    const entry = toEntry(r.answer()!, false)!;
    const hit = synthesizeHit(entry, { api: 'openai', stream: true, includeUsage: true });
    assert.equal(hit.contentType, 'text/event-stream');
    assert.ok(hit.body.endsWith('data: [DONE]\n\n'));
    const again = new StreamRecorder('openai');
    again.push(sseEvents(hit.body));
    assert.deepEqual(again.answer(), r.answer());
  });

  it('an Anthropic client gets message_start … message_stop with the text and end_turn', () => {
    const entry = toEntry(openaiAnswer(completion('stop'))!, false)!;
    const hit = synthesizeHit(entry, { api: 'anthropic', stream: true, includeUsage: false });
    const events = sseEvents(hit.body);
    assert.equal(events[0]!.event, 'message_start');
    assert.equal(events[events.length - 1]!.event, 'message_stop');
    const rec = new StreamRecorder('anthropic');
    rec.push(events);
    const a = rec.answer()!;
    assert.equal(a.text, 'Paris.');
    assert.equal(a.finish, 'stop');
    assert.equal(a.completionTokens, 3);
    const json = JSON.parse(
      synthesizeHit(entry, { api: 'anthropic', stream: false, includeUsage: false }).body,
    );
    assert.equal(json.type, 'message');
    assert.equal(json.stop_reason, 'end_turn');
    assert.match(json.id, /^msg_cache_/);
  });
});

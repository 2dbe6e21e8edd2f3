/** Edge cases of the Anthropic provider (OpenAI → Anthropic): 400s, mappings, odd streams. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { anthropicProvider, createAnthropicProvider } from '../../../../src/providers/anthropic/index.js';
import { TranslationError } from '../../../../src/providers/translate/types.js';
import type { Json, OpenAIChatRequest, UpstreamTarget } from '../../../../src/providers/translate/types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests poke at arbitrary JSON
type AnyJson = any;

const target: UpstreamTarget = { provider: 'anthropic', model: 'claude-x', stream: false };
const provider = createAnthropicProvider({ clock: () => 1 });
const user = { role: 'user', content: 'hi' };

function upstreamBody(req: OpenAIChatRequest): AnyJson {
  return JSON.parse(provider.request(req, target).body.toString('utf8'));
}

function is400(pattern: RegExp): (err: unknown) => boolean {
  return (err) => err instanceof TranslationError && err.status === 400 && pattern.test(err.message);
}

function sse(events: Json[]): Buffer {
  return Buffer.from(events.map((e) => `event: ${String(e.type)}\ndata: ${JSON.stringify(e)}\n\n`).join(''));
}

function decode(bytes: Buffer): AnyJson[] {
  const dec = provider.stream({ ...target, stream: true });
  return [...dec.push(bytes), ...dec.end()];
}

const start = (id: string): Json => ({
  type: 'message_start',
  message: {
    id,
    type: 'message',
    role: 'assistant',
    model: 'claude-x',
    content: [],
    usage: { input_tokens: 3, output_tokens: 1 },
  },
});

describe('provider request: invalid input is a 400', () => {
  const cases: [string, OpenAIChatRequest, RegExp][] = [
    ['messages missing', {}, /messages must be an array/],
    [
      'only system messages',
      { messages: [{ role: 'system', content: 'x' }] },
      /at least one user or assistant/,
    ],
    [
      'unknown role',
      { messages: [{ role: 'function', name: 'f', content: 'x' }] },
      /unsupported message role "function"/,
    ],
    [
      'tool-call arguments that are not JSON',
      {
        messages: [
          user,
          {
            role: 'assistant',
            tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{"x":' } }],
          },
        ],
      },
      /messages\[1\]\.tool_calls\[0\]: function.arguments is not valid JSON/,
    ],
    [
      'tool-call arguments that are a JSON array',
      {
        messages: [
          user,
          { role: 'assistant', tool_calls: [{ id: 'a', function: { name: 'f', arguments: '[1]' } }] },
        ],
      },
      /must encode a JSON object/,
    ],
    [
      'tool message without tool_call_id',
      { messages: [user, { role: 'tool', content: 'x' }] },
      /tool_call_id/,
    ],
    [
      'image URL that is neither data: nor http(s)',
      { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://x/y.png' } }] }] },
      /data: URL or an http\(s\) URL/,
    ],
    [
      'data URL that is not base64',
      {
        messages: [
          { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png,abc' } }] },
        ],
      },
      /base64/,
    ],
    [
      'audio input',
      {
        messages: [
          { role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'x', format: 'wav' } }] },
        ],
      },
      /content part type "input_audio"/,
    ],
    [
      'image in a system message',
      {
        messages: [
          { role: 'system', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] },
          user,
        ],
      },
      /content part type "image_url"/,
    ],
    [
      'non-function tool',
      { messages: [user], tools: [{ type: 'custom', custom: { name: 'x' } }] },
      /tool type "custom"/,
    ],
    [
      'bad tool_choice',
      { messages: [user], tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: 'sometimes' },
      /tool_choice/,
    ],
    ['max_tokens zero', { messages: [user], max_tokens: 0 }, /positive integer/],
    ['temperature as text', { messages: [user], temperature: 'hot' }, /temperature must be a number/],
    ['stop as number', { messages: [user], stop: 5 }, /stop must be/],
  ];
  for (const [name, req, pattern] of cases) {
    it(name, () => assert.throws(() => provider.request(req, target), is400(pattern)));
  }
});

describe('provider request: mappings', () => {
  const tools = [{ type: 'function', function: { name: 'f' } }];
  it('tool_choice auto/none and parallel_tool_calls', () => {
    assert.deepEqual(upstreamBody({ messages: [user], tools, tool_choice: 'auto' }).tool_choice, {
      type: 'auto',
    });
    assert.deepEqual(
      upstreamBody({ messages: [user], tools, tool_choice: 'none', parallel_tool_calls: false }).tool_choice,
      {
        type: 'none',
      },
    );
    assert.deepEqual(upstreamBody({ messages: [user], tools, parallel_tool_calls: false }).tool_choice, {
      type: 'auto',
      disable_parallel_tool_use: true,
    });
    assert.equal(upstreamBody({ messages: [user], tools }).tool_choice, undefined);
  });

  it('user turns put tool_result blocks first after merging', () => {
    const body = upstreamBody({
      messages: [
        user,
        {
          role: 'assistant',
          tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{}' } }],
        },
        { role: 'user', content: 'also this' },
        { role: 'tool', tool_call_id: 't', content: 'done' },
      ],
    });
    assert.deepEqual(
      body.messages[2].content.map((b: AnyJson) => String(b.type)),
      ['tool_result', 'text'],
    );
  });

  it('max_completion_tokens wins over max_tokens; stream follows the target', () => {
    const out = provider.request(
      { messages: [user], max_tokens: 10, max_completion_tokens: 20, stream: true },
      target,
    );
    const body = JSON.parse(out.body.toString('utf8'));
    assert.equal(body.max_tokens, 20);
    assert.equal(body.stream, undefined);
    assert.deepEqual(out.droppedParams, []);
  });

  it('the default adapter stamps created with the current time', () => {
    const now = Math.floor(Date.now() / 1000);
    const out: AnyJson = anthropicProvider.response(
      { id: 'm', content: [], stop_reason: 'end_turn' },
      target,
    );
    assert.ok(Math.abs(out.created - now) <= 2);
    assert.equal(out.usage, undefined, 'no usage is invented');
  });
});

describe('provider stream: odd upstreams', () => {
  it('a repeated message_start gives one role chunk; usage is cumulative', () => {
    const chunks = decode(
      sse([
        start('msg_a'),
        start('msg_a'),
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: 'Hi' } },
        { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 4 } },
        { type: 'message_stop' },
        { type: 'message_stop' },
      ]),
    );
    assert.deepEqual(
      chunks.map((c): unknown => c.choices[0]?.delta ?? c.usage),
      [
        { role: 'assistant', content: '' },
        { content: 'Hi' },
        {},
        {
          prompt_tokens: 3,
          completion_tokens: 4,
          total_tokens: 7,
          prompt_tokens_details: { cached_tokens: 0 },
        },
      ],
    );
  });

  it('a spliced second message_start keeps tool indices distinct', () => {
    const tool = (id: string): Json => ({
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'tool_use', id, name: 'f', input: {} },
    });
    const chunks = decode(
      sse([start('msg_a'), tool('t1'), start('msg_b'), tool('t2'), { type: 'message_stop' }]),
    );
    const calls: AnyJson[] = chunks.flatMap((c): AnyJson[] => c.choices[0]?.delta.tool_calls ?? []);
    assert.deepEqual(
      calls.map((t: AnyJson): unknown[] => [t.index, t.id]).filter((x) => x[1] !== undefined),
      [
        [0, 't1'],
        [1, 't2'],
      ],
    );
    assert.equal(chunks[0].id, 'msg_a');
  });

  it('complete tool input in content_block_start is sent at once', () => {
    const chunks = decode(
      sse([
        start('m'),
        {
          type: 'content_block_start',
          index: 0,
          content_block: { type: 'tool_use', id: 't', name: 'f', input: { a: 1 } },
        },
        { type: 'content_block_stop', index: 0 },
      ]),
    );
    const calls: AnyJson[] = chunks.flatMap((c): AnyJson[] => c.choices[0]?.delta.tool_calls ?? []);
    assert.deepEqual(calls, [
      { index: 0, id: 't', type: 'function', function: { name: 'f', arguments: '{"a":1}' } },
    ]);
  });

  it('skips unknown events and server-tool blocks; non-JSON data is a 502 after the chunks before it', () => {
    const dec = provider.stream({ ...target, stream: true });
    const bytes = Buffer.concat([
      sse([
        start('m'),
        {
          type: 'content_block_start',
          index: 0,
          content_block: { type: 'server_tool_use', id: 's', name: 'web_search', input: {} },
        },
      ]),
      sse([
        {
          type: 'content_block_delta',
          index: 0,
          delta: { type: 'input_json_delta', partial_json: '{"q":1}' },
        },
        { type: 'brand_new_event' },
      ]),
      Buffer.from('event: content_block_delta\ndata: {oops\n\n'),
    ]);
    assert.equal(dec.push(bytes).length, 1, 'the role chunk');
    const is502 = (e: unknown): boolean =>
      e instanceof TranslationError && e.status === 502 && e.type === 'api_error';
    assert.throws(() => dec.end(), is502);
    assert.throws(() => dec.push(Buffer.from('event: ping\ndata: {}\n\n')), is502);
  });

  it('an error event before any chunk throws at once, with the Anthropic status', () => {
    const dec = provider.stream({ ...target, stream: true });
    const bytes = sse([{ type: 'error', error: { type: 'rate_limit_error', message: 'slow' } }]);
    assert.throws(
      () => dec.push(bytes),
      (e: unknown) =>
        e instanceof TranslationError &&
        e.status === 429 &&
        e.type === 'rate_limit_error' &&
        e.message === 'slow',
    );
  });

  it('an oversized event is a 502', () => {
    const dec = provider.stream({ ...target, stream: true });
    const huge = Buffer.from(`data: "${'x'.repeat(1024 * 1024 + 10)}"\n\n`);
    assert.throws(
      () => dec.push(huge),
      (e: unknown) => e instanceof TranslationError && e.status === 502,
    );
  });

  it('an empty body gives no chunks', () => assert.deepEqual(decode(Buffer.alloc(0)), []));
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { bedrockProvider } from '../../../../src/providers/bedrock/index.js';
import type { AnyJson } from './translate-fixtures.js';
import {
  MODEL,
  PNG_1PX,
  assert400,
  fixture,
  golden,
  image,
  target,
  translate,
  user,
} from './translate-fixtures.js';

describe('bedrock request: golden fixtures', () => {
  for (const scenario of ['chat', 'tools', 'image']) {
    it(`request-${scenario}`, () => {
      const req = fixture(`request-${scenario}.openai.json`);
      const out = bedrockProvider.request(req, target(req.stream === true));
      const actual = {
        path: out.path,
        headers: out.headers,
        droppedParams: out.droppedParams,
        body: JSON.parse(out.body.toString('utf8')),
      };
      assert.deepEqual(actual, golden(`request-${scenario}.converse.json`, actual));
    });
  }

  it('is idempotent and does not mutate the request', () => {
    const req = fixture('request-tools.openai.json');
    const before = structuredClone(req);
    const a = bedrockProvider.request(req, target(true));
    const b = bedrockProvider.request(req, target(true));
    assert.deepEqual(req, before);
    assert.deepEqual(a.body, b.body);
  });
});

describe('bedrock request: path and headers', () => {
  it('percent-encodes the model id (ARNs included) and picks converse-stream when streaming', () => {
    const arn =
      'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0';
    const out = bedrockProvider.request({ messages: [user('hi')] }, target(true, arn));
    assert.equal(
      out.path,
      '/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream',
    );
    assert.deepEqual(out.headers, [
      ['content-type', 'application/json'],
      ['accept', 'application/vnd.amazon.eventstream'],
    ]);
  });

  it('uses the target, not the body, for the stream flag and the model', () => {
    const out = translate({ model: 'alias', stream: true, messages: [user('hi')] }, false);
    assert.equal(out.path, `/model/${encodeURIComponent(MODEL)}/converse`);
    assert.deepEqual(out.json, { messages: [{ role: 'user', content: [{ text: 'hi' }] }] });
    assert.deepEqual(out.droppedParams, []);
  });

  it('accepts max_tokens alone and a single stop string', () => {
    const out = translate({ messages: [user('hi')], max_tokens: 12, stop: 'STOP' });
    assert.deepEqual(out.json.inferenceConfig, { maxTokens: 12, stopSequences: ['STOP'] });
  });

  it('reports non-default values of otherwise harmless params', () => {
    const out = translate({
      messages: [user('hi')],
      n: 2,
      logprobs: true,
      top_logprobs: 2,
      parallel_tool_calls: false,
      response_format: { type: 'json_object' },
      reasoning_effort: 'turbo',
      functions: [{ name: 'f' }],
      metadata: null,
    });
    assert.deepEqual(out.droppedParams, [
      'n',
      'logprobs',
      'top_logprobs',
      'parallel_tool_calls',
      'functions',
      'reasoning_effort',
      'response_format',
    ]);
  });

  it('rejects ill-typed sampling params', () => {
    assert400(() => translate({ messages: [user('hi')], max_tokens: 0 }), /max_tokens/);
    assert400(() => translate({ messages: [user('hi')], max_tokens: 1.5 }), /max_tokens/);
    assert400(
      () => translate({ messages: [user('hi')], temperature: '0.5' }),
      /temperature must be a number/,
    );
    assert400(() => translate({ messages: [user('hi')], top_p: Number.NaN }), /top_p/);
    assert400(() => translate({ messages: [user('hi')], stop: [1] }), /stop must be/);
  });
});

describe('bedrock request: images', () => {
  it('maps png, jpeg (and jpg), gif and webp data URLs to base64 image blocks', () => {
    for (const [mime, format] of [
      ['image/png', 'png'],
      ['image/jpeg', 'jpeg'],
      ['image/jpg', 'jpeg'],
      ['image/gif', 'gif'],
      ['image/webp', 'webp'],
      ['IMAGE/PNG', 'png'],
    ] as const) {
      const out = translate({ messages: [image(`data:${mime};base64,${PNG_1PX}`)] });
      assert.deepEqual(out.json.messages[0].content, [{ image: { format, source: { bytes: PNG_1PX } } }]);
    }
  });

  it('accepts the string form of image_url', () => {
    const out = translate({
      messages: [user([{ type: 'image_url', image_url: `data:image/png;base64,${PNG_1PX}` }])],
    });
    assert.equal(out.json.messages[0].content[0].image.format, 'png');
  });

  it('answers an http(s) image URL with a clear 400: base64 data URLs only, nothing is fetched', () => {
    for (const url of [
      'https://example.com/cat.png',
      'http://example.com/cat.png',
      'HTTPS://EXAMPLE.COM/x.jpg',
    ]) {
      assert400(
        () => translate({ messages: [image(url)] }),
        /messages\[0\]\.content\[0\]: image is an http\(s\) URL\. Bedrock accepts images only as base64 data URLs .*does not fetch image URLs/,
      );
    }
    assert400(
      () => translate({ messages: [image('ftp://example.com/x.png')] }),
      /not a data URL.*base64 data URLs/,
    );
  });

  it('rejects unsupported image types, non-base64 and invalid base64 data URLs', () => {
    assert400(
      () => translate({ messages: [image(`data:image/bmp;base64,${PNG_1PX}`)] }),
      /'image\/bmp' is not supported/,
    );
    assert400(() => translate({ messages: [image('data:image/png,rawbytes')] }), /must be base64-encoded/);
    assert400(() => translate({ messages: [image('data:image/png;base64,not*base64!')] }), /valid base64/);
    assert400(() => translate({ messages: [image('data:image/png;base64,')] }), /valid base64/);
    assert400(
      () => translate({ messages: [user([{ type: 'image_url', image_url: {} }])] }),
      /url must be a string/,
    );
  });

  it('rejects other content part types', () => {
    assert400(
      () =>
        translate({
          messages: [user([{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }])],
        }),
      /content part type 'input_audio' is not supported by Bedrock/,
    );
  });
});

describe('bedrock request: messages', () => {
  it('merges consecutive same-role turns, tool results included, and keeps system anywhere', () => {
    const out = translate({
      messages: [
        user('a'),
        { role: 'system', content: 'late system' },
        user('b'),
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'c' },
            { type: 'refusal', refusal: 'd' },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '' } }],
        },
        {
          role: 'tool',
          tool_call_id: 't1',
          content: [
            { type: 'text', text: 'r1' },
            { type: 'text', text: 'r2' },
          ],
        },
        { role: 'tool', tool_call_id: 't2', content: '[1,2]' },
      ],
    });
    assert.deepEqual(out.json.system, [{ text: 'late system' }]);
    assert.deepEqual(out.json.messages, [
      { role: 'user', content: [{ text: 'a' }, { text: 'b' }] },
      {
        role: 'assistant',
        content: [{ text: 'c' }, { text: 'd' }, { toolUse: { toolUseId: 't1', name: 'f', input: {} } }],
      },
      {
        role: 'user',
        content: [
          { toolResult: { toolUseId: 't1', content: [{ text: 'r1' }, { text: 'r2' }] } },
          { toolResult: { toolUseId: 't2', content: [{ text: '[1,2]' }] } },
        ],
      },
    ]);
    // Tool blocks in the history but no tools: Bedrock needs a toolConfig, so one is synthesised.
    assert.deepEqual(out.json.toolConfig, {
      tools: [{ toolSpec: { name: 'f', inputSchema: { json: { type: 'object', properties: {} } } } }],
    });
  });

  it('rejects malformed messages with a 400 naming the message', () => {
    assert400(() => translate({}), /messages must be an array/);
    assert400(() => translate({ messages: ['hi'] }), /messages\[0\] must be an object/);
    assert400(
      () => translate({ messages: [{ role: 'function', content: 'x' }] }),
      /role 'function' is not supported/,
    );
    assert400(() => translate({ messages: [user('')] }), /messages\[0\] has no content/);
    assert400(() => translate({ messages: [user(42)] }), /content must be a string or an array/);
    assert400(() => translate({ messages: [{ role: 'tool', content: 'x' }] }), /needs a tool_call_id/);
    assert400(
      () => translate({ messages: [{ role: 'assistant', function_call: { name: 'f', arguments: '{}' } }] }),
      /function_call is not supported/,
    );
    const call = (args: unknown) => ({
      role: 'assistant',
      tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: args } }],
    });
    assert400(() => translate({ messages: [call('{not json')] }), /arguments must be a JSON object/);
    assert400(() => translate({ messages: [call('[1]')] }), /arguments must be a JSON object/);
    assert400(() => translate({ messages: [call({ a: 1 })] }), /arguments must be a JSON string/);
    assert400(
      () => translate({ messages: [{ role: 'assistant', tool_calls: [{ function: { name: 'f' } }] }] }),
      /tool_calls\[0\] needs an id/,
    );
  });
});

describe('bedrock request: tools', () => {
  const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }];
  const history = [
    user('q'),
    {
      role: 'assistant',
      tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{}' } }],
    },
    { role: 'tool', tool_call_id: 't', content: 'ok' },
  ];

  it('maps auto → auto, required → any, named → tool', () => {
    const choice = (tool_choice: unknown): AnyJson =>
      translate({ messages: [user('q')], tools, tool_choice }).json.toolConfig;
    assert.deepEqual(choice('auto').toolChoice, { auto: {} });
    assert.deepEqual(choice('required').toolChoice, { any: {} });
    assert.deepEqual(choice({ type: 'function', function: { name: 'f' } }).toolChoice, {
      tool: { name: 'f' },
    });
    assert.equal(choice(undefined).toolChoice, undefined);
  });

  it('tool_choice none without tool history: tools are left out, nothing dropped', () => {
    const out = translate({ messages: [user('q')], tools, tool_choice: 'none' });
    assert.equal(out.json.toolConfig, undefined);
    assert.deepEqual(out.droppedParams, []);
  });

  it('tool_choice none with tool history: tools kept without a choice, tool_choice reported', () => {
    const out = translate({ messages: history, tools, tool_choice: 'none' });
    assert.deepEqual(out.json.toolConfig, {
      tools: [{ toolSpec: { name: 'f', inputSchema: { json: { type: 'object' } } } }],
    });
    assert.deepEqual(out.droppedParams, ['tool_choice']);
  });

  it('tool_choice auto / none without tools is accepted, others need tools', () => {
    assert.equal(translate({ messages: [user('q')], tool_choice: 'auto' }).json.toolConfig, undefined);
    assert.equal(translate({ messages: [user('q')], tool_choice: 'none' }).json.toolConfig, undefined);
    assert400(
      () => translate({ messages: [user('q')], tool_choice: 'required' }),
      /tool_choice requires tools/,
    );
  });

  it('rejects unsupported tools and tool_choice shapes', () => {
    assert400(() => translate({ messages: [user('q')], tools: {} }), /tools must be an array/);
    assert400(
      () => translate({ messages: [user('q')], tools: [{ type: 'custom', custom: { name: 'x' } }] }),
      /tool type 'custom' is not supported/,
    );
    assert400(
      () => translate({ messages: [user('q')], tools: [{ type: 'function', function: {} }] }),
      /name is required/,
    );
    assert400(
      () =>
        translate({
          messages: [user('q')],
          tools: [{ type: 'function', function: { name: 'f', parameters: 'x' } }],
        }),
      /parameters must be an object/,
    );
    assert400(
      () => translate({ messages: [user('q')], tools, tool_choice: { type: 'allowed_tools' } }),
      /tool_choice/,
    );
  });
});

/**
 * Golden tests for cross-API fidelity (reasoning, structured output, prompt caching, images): each canonical
 * request case is translated for Anthropic, Gemini, Bedrock and OpenAI; the result (body and dropped params)
 * is pinned in test/fixtures/translate/cross-api/<case>.<provider>.json, and every body is also checked
 * against that provider's documented 400 rules (mock-provider/rules/), signatures verified as the mock
 * provider signs them. UPDATE_GOLDEN=1 rewrites the expected files (then review the diff).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { anthropicClient, anthropicDroppedParams } from '../../../../src/providers/anthropic/index.js';
import { providerAdapter } from '../../../../src/providers/translate/registry.js';
import type { Json, ProviderKind, UpstreamTarget } from '../../../../src/providers/translate/types.js';
import { anthropicRequestProblems } from '../../../../mock-provider/rules/anthropic.js';
import { bedrockRequestProblems } from '../../../../mock-provider/rules/bedrock.js';
import { geminiRequestProblems } from '../../../../mock-provider/rules/gemini.js';
import { openaiRequestProblems } from '../../../../mock-provider/rules/openai.js';
import { signThinking, verifyThinkingSignature } from '../../../../mock-provider/rules/signature.js';

const OUT = path.resolve('test/fixtures/translate/cross-api');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

function golden(name: string, actual: unknown): void {
  const file = path.join(OUT, name);
  const text = JSON.stringify(actual, null, 2) + '\n';
  if (UPDATE || !fs.existsSync(file)) {
    if (!UPDATE) assert.fail(`missing golden ${name}; run with UPDATE_GOLDEN=1 and review it`);
    fs.mkdirSync(OUT, { recursive: true });
    fs.writeFileSync(file, text);
    return;
  }
  assert.equal(text, fs.readFileSync(file, 'utf8'), name);
}

type Kind = Extract<ProviderKind, 'anthropic' | 'gemini' | 'bedrock' | 'openai'>;
const TARGETS: Record<Kind, UpstreamTarget> = {
  anthropic: { provider: 'anthropic', model: 'claude-sonnet-4-5', stream: false },
  gemini: { provider: 'gemini', model: 'gemini-2.5-flash', stream: false },
  bedrock: { provider: 'bedrock', model: 'us.anthropic.claude-sonnet-4-5-v1:0', stream: false },
  openai: { provider: 'openai', model: 'gpt-5-mini', stream: false },
};

const opts = { verifySignature: verifyThinkingSignature };
/** The provider's 400 rules for a translated body. */
function problems(kind: Kind, body: Json): string[] {
  switch (kind) {
    case 'anthropic':
      return anthropicRequestProblems(body, opts);
    case 'gemini':
      return geminiRequestProblems(body);
    case 'bedrock':
      return bedrockRequestProblems(body, TARGETS.bedrock.model, opts);
    case 'openai':
      return openaiRequestProblems(body);
  }
}

const THOUGHT = 'I should look the order up first.';
const SIGNED = { type: 'thinking', thinking: THOUGHT, signature: signThinking(THOUGHT) };
const TOOLS = [
  {
    type: 'function',
    function: {
      name: 'lookup_order',
      parameters: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
    },
  },
];
const toolTurn = (extra: Json): Json[] => [
  { role: 'user', content: 'Where is order 7?' },
  {
    role: 'assistant',
    content: null,
    tool_calls: [
      { id: 'call_1', type: 'function', function: { name: 'lookup_order', arguments: '{"id":"7"}' } },
    ],
    ...extra,
  },
  { role: 'tool', tool_call_id: 'call_1', content: '{"status":"shipped"}' },
];
const JPEG_B64 = '/9j/4AAQSkZJRgABAQ==';
const SCHEMA = {
  type: 'object',
  properties: { city: { type: 'string' }, temp_c: { type: 'number' } },
  required: ['city', 'temp_c'],
  additionalProperties: false,
};

/** Canonical (OpenAI chat) requests, as an OpenAI SDK client sends them. */
const CASES: Record<string, Json> = {
  ...Object.fromEntries(
    ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'turbo'].map((effort) => [
      `effort-${effort}`,
      { model: 'm', messages: [{ role: 'user', content: 'Is 221 prime?' }], reasoning_effort: effort },
    ]),
  ),
  'effort-high-small-max': {
    model: 'm',
    messages: [{ role: 'user', content: 'Is 221 prime?' }],
    reasoning_effort: 'high',
    max_completion_tokens: 2000,
    temperature: 0.2,
  },
  'thinking-exact-budget': {
    model: 'm',
    messages: [{ role: 'user', content: 'Is 221 prime?' }],
    thinking: { type: 'enabled', budget_tokens: 10000 },
    reasoning_effort: 'high',
    max_completion_tokens: 16000,
  },
  'thinking-adaptive': {
    model: 'm',
    messages: [{ role: 'user', content: 'Is 221 prime?' }],
    thinking: { type: 'adaptive' },
  },
  'tool-turn-signed': {
    model: 'm',
    messages: toolTurn({ reasoning_content: THOUGHT, thinking_blocks: [SIGNED] }),
    tools: TOOLS,
    reasoning_effort: 'medium',
  },
  'tool-turn-unsigned': {
    model: 'm',
    messages: toolTurn({ reasoning_content: THOUGHT }),
    tools: TOOLS,
    reasoning_effort: 'medium',
  },
  'forced-tool-with-effort': {
    model: 'm',
    messages: [{ role: 'user', content: 'Where is order 7?' }],
    tools: TOOLS,
    tool_choice: 'required',
    reasoning_effort: 'low',
  },
  'json-schema': {
    model: 'm',
    messages: [{ role: 'user', content: 'Weather in Paris as JSON.' }],
    response_format: { type: 'json_schema', json_schema: { name: 'weather', strict: true, schema: SCHEMA } },
  },
  'json-object': {
    model: 'm',
    messages: [{ role: 'user', content: 'Weather in Paris as JSON.' }],
    response_format: { type: 'json_object' },
  },
  'cache-control': {
    model: 'm',
    messages: [
      {
        role: 'system',
        content: [{ type: 'text', text: 'A long shared preamble.', cache_control: { type: 'ephemeral' } }],
      },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'The document…', cache_control: { type: 'ephemeral' } },
          { type: 'text', text: 'Summarise it.' },
        ],
      },
    ],
  },
  'image-jpg': {
    model: 'm',
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image_url', image_url: { url: `data:image/jpg;base64,${JPEG_B64}` } },
        ],
      },
    ],
  },
};

/**
 * OpenAI client → OpenAI is the same-API pair: the client's own values pass as they are, and OpenAI answers
 * for them (an unknown effort, temperature on a reasoning model).
 */
const CLIENT_OWN_VALUES = new Set(['effort-turbo.openai', 'effort-high-small-max.openai']);

describe('cross-API requests: golden, and accepted by the provider rules', () => {
  for (const [name, req] of Object.entries(CASES)) {
    for (const kind of Object.keys(TARGETS) as Kind[]) {
      it(`${name} → ${kind}`, () => {
        const out = providerAdapter(kind).request(structuredClone(req), TARGETS[kind]);
        const body = JSON.parse(out.body.toString('utf8')) as Json;
        if (!CLIENT_OWN_VALUES.has(`${name}.${kind}`)) {
          assert.deepEqual(problems(kind, body), [], `${kind} would refuse it`);
        }
        golden(`${name}.${kind}.json`, { droppedParams: out.droppedParams, body });
      });
    }
  }
});

describe('cross-API requests: the properties that matter', () => {
  const body = (kind: Kind, req: Json) =>
    JSON.parse(providerAdapter(kind).request(req, TARGETS[kind]).body.toString('utf8')) as Json;
  const dropped = (kind: Kind, req: Json) => providerAdapter(kind).request(req, TARGETS[kind]).droppedParams;

  it('every reasoning_effort value is taken, never a 400; an unknown one is dropped and listed', () => {
    for (const kind of Object.keys(TARGETS) as Kind[]) {
      for (const effort of ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'turbo']) {
        const req = CASES[`effort-${effort}`] ?? {};
        assert.doesNotThrow(() => providerAdapter(kind).request(req, TARGETS[kind]), `${kind} ${effort}`);
      }
      if (kind !== 'openai')
        assert.ok(dropped(kind, CASES['effort-turbo'] ?? {}).includes('reasoning_effort'));
    }
  });

  it('a budget is kept exactly where both sides speak budgets', () => {
    const req = CASES['thinking-exact-budget'] ?? {};
    assert.deepEqual(body('anthropic', req).thinking, { type: 'enabled', budget_tokens: 10000 });
    assert.equal(body('anthropic', req).max_tokens, 16000);
    const b = body('bedrock', req);
    assert.deepEqual((b.additionalModelRequestFields as Json).thinking, {
      type: 'enabled',
      budget_tokens: 10000,
    });
    assert.equal((body('gemini', req).generationConfig as Json).thinkingConfig !== undefined, true);
    assert.deepEqual(
      ((body('gemini', req).generationConfig as Json).thinkingConfig as Json).thinkingBudget,
      10000,
    );
    assert.equal(body('openai', req).reasoning_effort, 'high');
    assert.equal(body('openai', req).thinking, undefined);
  });

  it('signed thinking replays first in the tool turn; without it thinking is off and listed', () => {
    const signed = body('anthropic', CASES['tool-turn-signed'] ?? {});
    const assistant = (signed.messages as Json[])[1] as Json;
    assert.deepEqual((assistant.content as Json[])[0], SIGNED);
    const b = body('bedrock', CASES['tool-turn-signed'] ?? {});
    const bAssistant = (b.messages as Json[])[1] as Json;
    assert.deepEqual((bAssistant.content as Json[])[0], {
      reasoningContent: { reasoningText: { text: THOUGHT, signature: SIGNED.signature } },
    });
    for (const kind of ['anthropic', 'bedrock'] as const) {
      const req = CASES['tool-turn-unsigned'] ?? {};
      const out = body(kind, req);
      assert.equal(out.thinking ?? out.additionalModelRequestFields, undefined);
      assert.ok(dropped(kind, req).includes('reasoning_effort'));
    }
  });

  it('Claude models with adaptive thinking get it, with the effort, on Anthropic and Bedrock', () => {
    const req = {
      model: 'm',
      messages: [{ role: 'user', content: 'Is 221 prime?' }],
      reasoning_effort: 'xhigh',
    };
    const opus: UpstreamTarget = { provider: 'anthropic', model: 'claude-opus-4-7', stream: false };
    const a = JSON.parse(providerAdapter('anthropic').request(req, opus).body.toString('utf8')) as Json;
    assert.deepEqual(a.thinking, { type: 'adaptive' });
    assert.deepEqual(a.output_config, { effort: 'max' });
    assert.deepEqual(anthropicRequestProblems(a), []);
    const sonnet: UpstreamTarget = {
      provider: 'bedrock',
      model: 'us.anthropic.claude-sonnet-4-6',
      stream: false,
    };
    const b = JSON.parse(providerAdapter('bedrock').request(req, sonnet).body.toString('utf8')) as Json;
    assert.deepEqual(b.additionalModelRequestFields, {
      thinking: { type: 'adaptive' },
      output_config: { effort: 'high' },
    });
    assert.deepEqual(bedrockRequestProblems(b, sonnet.model), []);
    // An exact budget is the client's own choice, and stays.
    const exact = { ...req, thinking: { type: 'enabled', budget_tokens: 2048 } };
    const e = JSON.parse(providerAdapter('anthropic').request(exact, opus).body.toString('utf8')) as Json;
    assert.deepEqual(e.thinking, { type: 'enabled', budget_tokens: 2048 });
  });

  it('Gemini: thinking levels for Gemini 3, and no budget 0 for a model that always thinks', () => {
    const effort = (e: string, model: string): { cfg: Json; dropped: readonly string[] } => {
      const req = { model: 'm', messages: [{ role: 'user', content: 'hi' }], reasoning_effort: e };
      const out = providerAdapter('gemini').request(req, { provider: 'gemini', model, stream: false });
      const body = JSON.parse(out.body.toString('utf8')) as Json;
      return { cfg: (body.generationConfig as Json | undefined) ?? {}, dropped: out.droppedParams };
    };
    assert.deepEqual(effort('minimal', 'gemini-3-pro-preview').cfg.thinkingConfig, {
      thinkingLevel: 'low',
      includeThoughts: true,
    });
    assert.deepEqual(effort('xhigh', 'gemini-3-flash-preview').cfg.thinkingConfig, {
      thinkingLevel: 'high',
      includeThoughts: true,
    });
    const pro = effort('none', 'gemini-2.5-pro');
    assert.equal(pro.cfg.thinkingConfig, undefined);
    assert.deepEqual(pro.dropped, ['reasoning_effort']);
    assert.deepEqual(effort('none', 'gemini-2.5-flash').cfg.thinkingConfig, { thinkingBudget: 0 });
  });

  it('thinking for an OpenAI chat model that does not reason is dropped and listed, not sent', () => {
    const req = CASES['thinking-exact-budget'] ?? {};
    const gpt4o: UpstreamTarget = { provider: 'openai', model: 'gpt-4o', stream: false };
    const out = providerAdapter('openai').request(req, gpt4o);
    const b = JSON.parse(out.body.toString('utf8')) as Json;
    assert.equal(b.reasoning_effort, undefined);
    assert.equal(b.thinking, undefined);
    assert.ok(out.droppedParams.includes('thinking'));
    assert.deepEqual(openaiRequestProblems(b), []);
  });

  it('image/jpg is sent as image/jpeg', () => {
    const req = CASES['image-jpg'] ?? {};
    assert.match(JSON.stringify(body('anthropic', req)), /"media_type":"image\/jpeg"/);
    assert.match(JSON.stringify(body('gemini', req)), /"mimeType":"image\/jpeg"/);
    assert.match(JSON.stringify(body('bedrock', req)), /"format":"jpeg"/);
  });
});

describe('Anthropic client (extended thinking, two tool turns) → every provider', () => {
  const request = {
    model: 'claude-sonnet-4-5',
    max_tokens: 16000,
    temperature: 1,
    thinking: { type: 'enabled', budget_tokens: 10000 },
    tools: [
      { name: 'lookup_order', input_schema: { type: 'object', properties: { id: { type: 'string' } } } },
    ],
    messages: [
      { role: 'user', content: 'Where is order 7?' },
      {
        role: 'assistant',
        content: [SIGNED, { type: 'tool_use', id: 'toolu_1', name: 'lookup_order', input: { id: '7' } }],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'shipped' }] },
    ],
  };
  it('client side drops nothing', () => assert.deepEqual(anthropicDroppedParams(request), []));
  for (const kind of Object.keys(TARGETS) as Kind[]) {
    it(`→ ${kind}`, () => {
      const canonical = anthropicClient.request(structuredClone(request));
      const out = providerAdapter(kind).request(canonical, TARGETS[kind]);
      const body = JSON.parse(out.body.toString('utf8')) as Json;
      assert.deepEqual(problems(kind, body), [], `${kind} would refuse it`);
      golden(`anthropic-client-thinking-tools.${kind}.json`, { droppedParams: out.droppedParams, body });
    });
  }
});

describe('Gemini 3 thought signatures in the current turn', () => {
  const gemini3: UpstreamTarget = { provider: 'gemini', model: 'gemini-3-pro-preview', stream: false };
  const parts = (req: Json, target: UpstreamTarget): Json[] => {
    const body = JSON.parse(providerAdapter('gemini').request(req, target).body.toString('utf8')) as Json;
    return (body.contents as Json[]).map((c) => (c.parts as Json[])[0] ?? {});
  };
  const call = (extra: Json): Json => ({
    role: 'assistant',
    content: null,
    tool_calls: [
      { id: 'c1', type: 'function', function: { name: 'lookup_order', arguments: '{}' }, ...extra },
    ],
  });
  const history = (extra: Json): Json[] => [
    { role: 'user', content: 'Where is order 7?' },
    call(extra),
    { role: 'tool', tool_call_id: 'c1', content: 'shipped' },
  ];

  it('a signature that came back is sent as it is', () => {
    const sig = { extra_content: { google: { thought_signature: 'EvsFCvgF' } } };
    assert.equal(parts({ messages: history(sig), tools: TOOLS }, gemini3)[1]?.thoughtSignature, 'EvsFCvgF');
  });

  it('a call without one (an Anthropic client, another provider) gets the documented placeholder', () => {
    assert.equal(
      parts({ messages: history({}), tools: TOOLS }, gemini3)[1]?.thoughtSignature,
      'skip_thought_signature_validator',
    );
    const body = JSON.parse(
      providerAdapter('gemini')
        .request({ messages: history({}), tools: TOOLS }, gemini3)
        .body.toString('utf8'),
    ) as Json;
    assert.deepEqual(geminiRequestProblems(body, gemini3.model), []);
    // Earlier turns are not validated, nor are earlier models.
    const older = [
      ...history({}),
      { role: 'assistant', content: 'Shipped.' },
      { role: 'user', content: 'Thanks' },
    ];
    assert.equal(parts({ messages: older, tools: TOOLS }, gemini3)[1]?.thoughtSignature, undefined);
    assert.equal(
      parts({ messages: history({}), tools: TOOLS }, TARGETS.gemini)[1]?.thoughtSignature,
      undefined,
    );
  });
});

describe('Anthropic client adaptive thinking with an effort', () => {
  const request = {
    model: 'claude-opus-4-7',
    max_tokens: 16000,
    thinking: { type: 'adaptive' },
    output_config: { effort: 'max' },
    messages: [{ role: 'user', content: 'Is 221 prime?' }],
  };
  const send = (target: UpstreamTarget): { body: Json; dropped: readonly string[] } => {
    const out = providerAdapter(target.provider).request(
      anthropicClient.request(structuredClone(request)),
      target,
    );
    return { body: JSON.parse(out.body.toString('utf8')) as Json, dropped: out.droppedParams };
  };

  it('reaches every provider in its own terms', () => {
    assert.deepEqual(anthropicDroppedParams(request), []);
    const canonical = anthropicClient.request(structuredClone(request));
    assert.equal(canonical.reasoning_effort, 'xhigh');
    const claude = send({ provider: 'anthropic', model: 'claude-opus-4-7', stream: false });
    assert.deepEqual(claude.body.thinking, { type: 'adaptive' });
    assert.deepEqual(claude.body.output_config, { effort: 'max' });
    const bedrock = send({ provider: 'bedrock', model: 'us.anthropic.claude-sonnet-4-6', stream: false });
    assert.deepEqual(bedrock.body.additionalModelRequestFields, {
      thinking: { type: 'adaptive' },
      output_config: { effort: 'high' },
    });
    const gpt = send(TARGETS.openai);
    assert.equal(gpt.body.reasoning_effort, 'xhigh');
    assert.deepEqual(openaiRequestProblems(gpt.body), []);
    const gemini = send(TARGETS.gemini);
    assert.deepEqual((gemini.body.generationConfig as Json).thinkingConfig, {
      thinkingBudget: -1,
      includeThoughts: true,
    });
    for (const out of [claude, bedrock, gpt, gemini]) assert.deepEqual(out.dropped, []);
  });
});

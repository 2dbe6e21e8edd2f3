/**
 * Prompt caching on tools and tool results across APIs: an Anthropic client's `cache_control` on a tool
 * definition and on a tool_result (Claude Code marks both) reaches Anthropic as it is and Bedrock Converse as
 * a cachePoint after that tool / toolResult, at most 4 checkpoints; Gemini and OpenAI-compatible APIs drop
 * and list it. Goldens: test/fixtures/translate/cross-api/cache-*.json (UPDATE_GOLDEN=1 rewrites them);
 * every body is checked against the provider's 400 rules (mock-provider/rules/).
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

const OUT = path.resolve('test/fixtures/translate/cross-api');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

function golden(name: string, actual: unknown): void {
  const file = path.join(OUT, name);
  const text = JSON.stringify(actual, null, 2) + '\n';
  if (UPDATE || !fs.existsSync(file)) {
    if (!UPDATE) assert.fail(`missing golden ${name}; run with UPDATE_GOLDEN=1 and review it`);
    fs.writeFileSync(file, text);
    return;
  }
  assert.equal(text, fs.readFileSync(file, 'utf8'), name);
}

type Kind = Extract<ProviderKind, 'anthropic' | 'gemini' | 'bedrock' | 'openai'>;
const BEDROCK_MODEL = 'us.anthropic.claude-sonnet-4-5-v1:0';
const TARGETS: Record<Kind, UpstreamTarget> = {
  anthropic: { provider: 'anthropic', model: 'claude-sonnet-4-5', stream: false },
  gemini: { provider: 'gemini', model: 'gemini-2.5-flash', stream: false },
  bedrock: { provider: 'bedrock', model: BEDROCK_MODEL, stream: false },
  openai: { provider: 'openai', model: 'gpt-5-mini', stream: false },
};

function problems(kind: Kind, body: Json): string[] {
  switch (kind) {
    case 'anthropic':
      return anthropicRequestProblems(body);
    case 'gemini':
      return geminiRequestProblems(body);
    case 'bedrock':
      return bedrockRequestProblems(body, BEDROCK_MODEL);
    case 'openai':
      return openaiRequestProblems(body);
  }
}

const EPHEMERAL = { type: 'ephemeral' };
const tool = (name: string, cached = false): Json => ({
  name,
  input_schema: { type: 'object', properties: { id: { type: 'string' } } },
  ...(cached ? { cache_control: EPHEMERAL } : {}),
});

/** A Claude Code-style request: the tool list, the system prompt and the latest tool result are cached. */
const CLAUDE_CODE: Json = {
  model: 'claude-sonnet-4-5',
  max_tokens: 4096,
  system: [{ type: 'text', text: 'You are a coding agent.', cache_control: EPHEMERAL }],
  tools: [tool('read_file'), tool('lookup_order', true)],
  messages: [
    { role: 'user', content: 'Where is order 7?' },
    {
      role: 'assistant',
      content: [{ type: 'tool_use', id: 'toolu_1', name: 'lookup_order', input: { id: '7' } }],
    },
    {
      role: 'user',
      content: [
        {
          type: 'tool_result',
          tool_use_id: 'toolu_1',
          content: '{"status":"shipped"}',
          cache_control: EPHEMERAL,
        },
      ],
    },
  ],
};

/** Six breakpoints: more than Bedrock takes. */
const TOO_MANY: Json = {
  ...CLAUDE_CODE,
  tools: [tool('read_file', true), tool('lookup_order', true)],
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'Where is order 7?', cache_control: EPHEMERAL }] },
    ...(CLAUDE_CODE.messages as Json[]).slice(1, 2),
    {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'toolu_1', content: 'shipped', cache_control: EPHEMERAL },
        { type: 'text', text: 'And order 8?', cache_control: EPHEMERAL },
      ],
    },
  ],
};

const translate = (req: Json, kind: Kind): { droppedParams: readonly string[]; body: Json } => {
  const out = providerAdapter(kind).request(anthropicClient.request(structuredClone(req)), TARGETS[kind]);
  return { droppedParams: out.droppedParams, body: JSON.parse(out.body.toString('utf8')) as Json };
};

const cachePoints = (list: unknown): number =>
  (Array.isArray(list) ? (list as Json[]) : []).filter((b) => b.cachePoint !== undefined).length;

describe('cache_control on tools and tool results: Anthropic client → every provider', () => {
  it('the client side keeps every marker (nothing dropped)', () => {
    assert.deepEqual(anthropicDroppedParams(CLAUDE_CODE), []);
  });
  for (const [name, req] of [
    ['cache-tools-tool-result', CLAUDE_CODE],
    ['cache-too-many', TOO_MANY],
  ] as const) {
    for (const kind of Object.keys(TARGETS) as Kind[]) {
      it(`${name} → ${kind}`, () => {
        const out = translate(req, kind);
        assert.deepEqual(problems(kind, out.body), [], `${kind} would refuse it`);
        golden(`${name}.${kind}.json`, out);
      });
    }
  }

  it('Bedrock: a cachePoint right after the cached tool and after the toolResult block', () => {
    const { body, droppedParams } = translate(CLAUDE_CODE, 'bedrock');
    const tools = (body.toolConfig as Json).tools as Json[];
    assert.deepEqual(
      tools.map((t) => Object.keys(t)[0]),
      ['toolSpec', 'toolSpec', 'cachePoint'],
    );
    const last = (body.messages as Json[]).at(-1)?.content as Json[];
    assert.deepEqual(
      last.map((b) => Object.keys(b)[0]),
      ['toolResult', 'cachePoint'],
    );
    assert.deepEqual(droppedParams, []);
  });

  it('Anthropic: the markers stay on the tool and the tool_result block', () => {
    const { body } = translate(CLAUDE_CODE, 'anthropic');
    assert.deepEqual(((body.tools as Json[])[1] as Json).cache_control, EPHEMERAL);
    const result = ((body.messages as Json[]).at(-1)?.content as Json[])[0] as Json;
    assert.equal(result.type, 'tool_result');
    assert.deepEqual(result.cache_control, EPHEMERAL);
  });

  it('Anthropic: more than 4 breakpoints keeps the first 4 in prompt order and lists cache_control', () => {
    const { body, droppedParams } = translate(TOO_MANY, 'anthropic');
    const marked = JSON.stringify(body).match(/"cache_control"/g) ?? [];
    assert.equal(marked.length, 4);
    assert.equal(((body.messages as Json[]).at(-1)?.content as Json[])[1]?.cache_control, undefined);
    assert.ok(droppedParams.includes('cache_control'));
  });

  it('Bedrock: more than 4 checkpoints keeps the first 4 in prompt order and lists cache_control', () => {
    const { body, droppedParams } = translate(TOO_MANY, 'bedrock');
    const messages = body.messages as Json[];
    const counts = [
      cachePoints((body.toolConfig as Json).tools),
      cachePoints(body.system),
      ...messages.map((m) => cachePoints(m.content)),
    ];
    assert.deepEqual(counts, [2, 1, 1, 0, 0]);
    assert.ok(droppedParams.includes('cache_control'));
  });

  it('Gemini and OpenAI: no marker is sent, cache_control is listed', () => {
    for (const kind of ['gemini', 'openai'] as const) {
      const { body, droppedParams } = translate(CLAUDE_CODE, kind);
      assert.ok(!JSON.stringify(body).includes('cache_control'), kind);
      assert.ok(droppedParams.includes('cache_control'), kind);
    }
  });
});

describe('Bedrock cache point rules (mock provider)', () => {
  const base = (extra: Json): Json => ({
    messages: [{ role: 'user', content: [{ text: 'hi' }, { cachePoint: { type: 'default' } }] }],
    ...extra,
  });
  const spec = { toolSpec: { name: 'f', inputSchema: { json: { type: 'object' } } } };
  const point = { cachePoint: { type: 'default' } };
  it('takes a cachePoint after a tool, a system block and a message block', () => {
    const body = base({ system: [{ text: 'sys' }, point], toolConfig: { tools: [spec, point] } });
    assert.deepEqual(bedrockRequestProblems(body, BEDROCK_MODEL), []);
  });
  it('refuses a cachePoint first, twice in a row, or more than 4', () => {
    const has = (body: Json, re: RegExp): void =>
      assert.match(bedrockRequestProblems(body, BEDROCK_MODEL).join('; '), re);
    has(base({ toolConfig: { tools: [point, spec] } }), /must follow/);
    has(base({ system: [{ text: 'sys' }, point, point] }), /must follow/);
    has({ messages: [{ role: 'user', content: [point] }] }, /must follow/);
    has(base({ toolConfig: { tools: [point] } }), /no toolSpec/);
    has(
      base({
        system: [{ text: 'a' }, point, { text: 'b' }, point],
        toolConfig: { tools: [spec, point, spec, point] },
      }),
      /maximum of 4 cache points/,
    );
  });
});

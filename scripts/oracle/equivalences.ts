/**
 * The documented choices: differences that are deliberate on both sides, each with a one-line
 * justification. A case that agrees only after some of these is "agree with a documented choice";
 * anything these do not cover is a difference. Each rule rewrites both values the same way.
 */
import { isObj } from '../../src/json.js';
import type { JsonObject } from '../../src/json.js';
import { mapObjects } from './json-diff.js';
import { RESPONSE_EQUIVALENCES } from './response-equivalences.js';

export interface CaseContext {
  readonly kind: 'request' | 'response';
  /** The client's input (request) or the provider's recorded answer (response). */
  readonly input: JsonObject;
}

export interface Equivalence {
  readonly name: string;
  readonly why: string;
  readonly apply: (v: unknown, ctx: CaseContext) => unknown;
}

const dropKeys =
  (keys: readonly string[]) =>
  (v: unknown): unknown =>
    mapObjects(v, (o) => {
      for (const k of keys) delete o[k];
      return o;
    });

/** Whether the client named an output limit (then both sides must carry it, unchanged). */
function clientLimit(input: JsonObject): boolean {
  const gc = isObj(input.generationConfig) ? input.generationConfig : {};
  return (
    ['max_tokens', 'max_completion_tokens', 'max_output_tokens'].some((k) => k in input) ||
    'maxOutputTokens' in gc
  );
}

const textBlock = (text: unknown): JsonObject => ({ type: 'text', text });

export const EQUIVALENCES: readonly Equivalence[] = [
  {
    name: 'responses-input-shorthand',
    why: 'Responses input `{role, content: "x"}` is the documented short form of a message item with one input_text/output_text part',
    apply: (v) => (isObj(v) && Array.isArray(v.input) ? { ...v, input: v.input.map(longInputItem) } : v),
  },
  {
    name: 'responses-instructions',
    why: 'a leading system/developer message and `instructions` reach the model the same way on a stateless request',
    apply: (v) => (isObj(v) && Array.isArray(v.input) ? instructionsAsInput(v) : v),
  },
  {
    name: 'responses-store-false',
    why: 'we send store: false (stateless translation: OpenAI keeps no copy the client did not ask for)',
    apply: (v) => (isObj(v) && Array.isArray(v.input) && v.store === false ? dropTop(v, 'store') : v),
  },
  {
    name: 'responses-item-echo',
    why: '`id` and `status` of replayed function_call/_output items are optional echoes of output items (OpenAI wants fc_… ids there)',
    apply: (v) =>
      isObj(v) && Array.isArray(v.input)
        ? {
            ...v,
            input: (v.input as unknown[]).map((i) =>
              isObj(i) && /^function_call/.test(String(i.type)) ? withoutEcho(i) : i,
            ),
          }
        : v,
  },
  {
    name: 'null-is-absent',
    why: 'an optional field sent as null and one left out mean the same to every provider API here',
    apply: (v) => mapObjects(v, (o) => Object.fromEntries(Object.entries(o).filter(([, x]) => x !== null))),
  },
  {
    name: 'default-max-tokens',
    why: 'a required output limit the client did not set: each gateway picks its own default',
    apply: (v, ctx) =>
      ctx.kind === 'request' && !clientLimit(ctx.input)
        ? mapObjects(v, (o) => {
            for (const k of ['max_tokens', 'max_output_tokens', 'maxTokens', 'max_completion_tokens'])
              delete o[k];
            return Object.keys(o).length === 0 ? undefined : o;
          })
        : v,
  },
  {
    name: 'stream-false',
    why: '`stream: false` is the default of every API that has the field',
    apply: (v) =>
      mapObjects(v, (o) => {
        if (o.stream === false) delete o.stream;
        return o;
      }),
  },
  {
    name: 'text-as-blocks',
    why: 'Anthropic/OpenAI accept a plain string wherever a single text block is accepted (content, system, tool_result)',
    apply: (v) =>
      mapObjects(v, (o) => {
        for (const k of ['content', 'system'])
          if (typeof o[k] === 'string' && ('role' in o || k === 'system' || o.type === 'tool_result'))
            o[k] = [textBlock(o[k])];
        return o;
      }),
  },
  {
    name: 'bedrock-model-in-path',
    why: 'Converse takes the model id in the URL (/model/{id}/converse); older snapshots also show it in the body',
    apply: dropKeys(['modelId']),
  },
  {
    name: 'thinking-budget',
    why: 'the token budget per reasoning effort is each gateway’s own table (both documented)',
    apply: (v) =>
      mapObjects(v, (o) => {
        for (const k of ['budget_tokens', 'thinkingBudget']) if (typeof o[k] === 'number') o[k] = 'N';
        return o;
      }),
  },
  {
    name: 'gemini-json-schema',
    why: 'Gemini takes full JSON Schema in parametersJsonSchema/responseJsonSchema; the OpenAPI-subset parameters/responseSchema drop keywords such as additionalProperties',
    apply: (v) =>
      mapObjects(v, (o) => {
        for (const [from, to] of [
          ['parametersJsonSchema', 'parameters'],
          ['responseJsonSchema', 'responseSchema'],
        ] as const)
          if (from in o) {
            o[to] = o[from];
            delete o[from];
          }
        if (isObj(o.parameters) || isObj(o.responseSchema)) {
          for (const k of ['parameters', 'responseSchema'])
            if (isObj(o[k])) o[k] = dropKeys(['additionalProperties', '$schema'])(o[k]);
        }
        return o;
      }),
  },
  {
    name: 'document-title',
    why: 'an Anthropic document’s `title` (the client’s filename) is optional metadata, kept by both gateways on some paths',
    apply: (v, ctx) =>
      ctx.kind === 'request'
        ? mapObjects(v, (o) => {
            if (o.type === 'document') delete o.title;
            return o;
          })
        : v,
  },
  {
    name: 'merged-user-turns',
    why: 'Anthropic merges consecutive user turns; one user turn with all tool_results is the same request',
    apply: (v) => (isObj(v) && Array.isArray(v.messages) ? { ...v, messages: mergeTurns(v.messages) } : v),
  },
  ...RESPONSE_EQUIVALENCES,
  {
    name: 'response-model-echo',
    why: 'the answer names the model: theirs the client’s requested name, ours the provider’s',
    apply: (v, ctx) => (ctx.kind === 'response' ? dropKeys(['model'])(v) : v),
  },
];

function longInputItem(item: unknown): unknown {
  if (!isObj(item) || typeof item.role !== 'string' || (item.type !== undefined && item.type !== 'message'))
    return item;
  const part = item.role === 'assistant' ? 'output_text' : 'input_text';
  const content = typeof item.content === 'string' ? [{ type: part, text: item.content }] : item.content;
  return { ...item, type: 'message', content };
}

/** Leading system/developer messages folded into `instructions` (joined by newlines). */
function instructionsAsInput(v: JsonObject): JsonObject {
  const input = [...(v.input as unknown[])];
  const texts: string[] = typeof v.instructions === 'string' ? [v.instructions] : [];
  while (input.length > 0) {
    const first = input[0];
    if (!isObj(first) || (first.role !== 'system' && first.role !== 'developer')) break;
    const parts = Array.isArray(first.content) ? first.content : [{ text: first.content }];
    texts.push(parts.map((p) => (isObj(p) ? String(p.text) : '')).join('\n'));
    input.shift();
  }
  const out: JsonObject = { ...v, input };
  if (texts.length > 0) out.instructions = texts.join('\n');
  return out;
}

function dropTop(v: JsonObject, key: string): JsonObject {
  const o = { ...v };
  delete o[key];
  return o;
}

function withoutEcho(i: JsonObject): JsonObject {
  const o = { ...i };
  delete o.id;
  delete o.status;
  return o;
}

function mergeTurns(messages: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const m of messages) {
    const prev = out[out.length - 1];
    if (
      isObj(m) &&
      isObj(prev) &&
      m.role === 'user' &&
      prev.role === 'user' &&
      Array.isArray(m.content) &&
      Array.isArray(prev.content)
    )
      out[out.length - 1] = { ...prev, content: [...prev.content, ...m.content] };
    else out.push(m);
  }
  return out;
}

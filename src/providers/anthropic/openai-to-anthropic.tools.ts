/** OpenAI `tools`, `tool_choice` and `parallel_tool_calls` → Anthropic `tools` and `tool_choice`. */
import type { Json } from '../translate/types.js';
import { TranslationError } from '../translate/types.js';
import type { DroppedParams } from './dropped.js';
import { asArray, asObj, asString } from '../../json.js';

function bad(where: string, message: string): TranslationError {
  return new TranslationError(400, `${where}: ${message}`);
}

/** Function tools → `{name, description, input_schema}`; other tool types are a 400. */
export function openAIToAnthropicTools(tools: unknown, dropped: DroppedParams): Json[] {
  if (tools !== undefined && tools !== null && !Array.isArray(tools)) throw bad('tools', 'must be an array');
  return asArray(tools).map((t, i) => {
    const where = `tools[${i}]`;
    const tool = asObj(t);
    if (tool === undefined) throw bad(where, 'a tool must be an object');
    if (tool.type !== 'function') throw bad(where, `tool type "${String(tool.type)}" is not supported`);
    const fn = asObj(tool.function);
    const name = asString(fn?.name);
    if (fn === undefined || name === undefined || name === '') {
      throw bad(where, 'function.name must be a non-empty string');
    }
    const out: Json = { name };
    const description = asString(fn.description);
    if (description !== undefined) out.description = description;
    out.input_schema = asObj(fn.parameters) ?? { type: 'object', properties: {} };
    if (fn.strict === true) dropped.add('tools[].function.strict');
    if (asObj(tool.cache_control) !== undefined) out.cache_control = tool.cache_control;
    return out;
  });
}

function choiceOf(toolChoice: unknown): Json {
  switch (toolChoice) {
    case 'auto':
      return { type: 'auto' };
    case 'none':
      return { type: 'none' };
    case 'required':
      return { type: 'any' };
    default: {
      const c = asObj(toolChoice);
      const name = asString(asObj(c?.function)?.name);
      if (c?.type === 'function' && name !== undefined && name !== '') return { type: 'tool', name };
      throw bad(
        'tool_choice',
        'must be "auto", "none", "required" or {"type":"function","function":{"name"}}',
      );
    }
  }
}

/**
 * The Anthropic tool_choice, or undefined to leave Anthropic's default (auto). Without tools it is dropped
 * and reported. `parallel_tool_calls: false` becomes `disable_parallel_tool_use: true` (not on "none").
 */
export function openAIToAnthropicToolChoice(
  toolChoice: unknown,
  parallelToolCalls: unknown,
  hasTools: boolean,
  dropped: DroppedParams,
): Json | undefined {
  const given = toolChoice !== undefined && toolChoice !== null;
  if (!hasTools) {
    if (given) dropped.add('tool_choice');
    return undefined;
  }
  let choice = given ? choiceOf(toolChoice) : undefined;
  if (parallelToolCalls === false && choice?.type !== 'none') {
    choice = { ...(choice ?? { type: 'auto' }), disable_parallel_tool_use: true };
  }
  return choice;
}

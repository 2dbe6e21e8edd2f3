/**
 * Responses custom tools (`{type: 'custom', name, description, format}`: the model answers with free
 * text, e.g. Codex's `apply_patch`) on providers that only have function tools. The tool becomes a
 * function taking one string parameter, `content` (agentgateway's convention too, so a history moves
 * between the two gateways); the text format or grammar goes in its description for the model to
 * follow. The model's call comes back to the client as a `custom_tool_call` with that string as
 * `input`, and a replayed `custom_tool_call` goes upstream as a call with `{content: input}`.
 */
import type { Json } from '../translate/types.js';
import { asArray, asObj, asString, parseJsonObject } from '../../json.js';

export const CUSTOM_INPUT = 'content';

/** The canonical function tool for a custom tool (the caller checked `name`). */
export function customToolAsFunction(tool: Json, name: string): Json {
  const format = asObj(tool.format);
  const grammar =
    format?.type === 'grammar' && typeof format.definition === 'string'
      ? ` It must match this ${asString(format.syntax) ?? ''} grammar:\n${format.definition}`
      : '';
  const fn: Json = {
    name,
    parameters: {
      type: 'object',
      properties: {
        [CUSTOM_INPUT]: { type: 'string', description: `The ${name} input, as free text.${grammar}` },
      },
      required: [CUSTOM_INPUT],
    },
  };
  if (typeof tool.description === 'string') fn.description = tool.description;
  return { type: 'function', function: fn };
}

/** A replayed custom tool call's arguments. */
export function customCallArguments(input: unknown): string {
  return JSON.stringify({ [CUSTOM_INPUT]: typeof input === 'string' ? input : '' });
}

/** The free-text input of a call the model made to a custom tool (its arguments as sent, if not ours). */
export function customInputOf(args: string): string {
  const input = parseJsonObject(args)?.[CUSTOM_INPUT];
  return typeof input === 'string' ? input : args;
}

/** The names of a Responses request's custom tools. */
export function customToolNames(body: Json): ReadonlySet<string> {
  const names = new Set<string>();
  for (const t of asArray(body.tools)) {
    const tool = asObj(t);
    const name = asString(tool?.name);
    if (tool?.type === 'custom' && name) names.add(name);
  }
  return names;
}

export function customToolCallItem(callId: string, name: string, input: string, status: string): Json {
  return { id: `ctc_${callId}`, type: 'custom_tool_call', status, call_id: callId, name, input };
}

/**
 * OpenAI `messages` → Converse `system` + `messages`.
 *
 * - `system` and `developer` messages, wherever they appear, become the top-level `system` text blocks.
 * - `tool` messages become `toolResult` blocks in a user turn.
 * - Consecutive turns of the same role are merged (Converse requires alternating roles).
 * - Assistant `reasoning_content` and message `name` are not sent (Bedrock needs the provider's signature
 *   to replay reasoning, and has no per-message names).
 */
import type {
  ConverseContentBlock,
  ConverseMessage,
  ConverseRole,
  ConverseTextBlock,
  ConverseToolResultContent,
} from './converse-types.js';
import { asArray, asObj, asString, parseJsonObject } from '../../json.js';
import { invalid } from './invalid-request.js';
import { textBlocks, openAIToBedrockContent } from './openai-to-bedrock.content.js';

export interface ConvertedMessages {
  system: ConverseTextBlock[];
  messages: ConverseMessage[];
  /** Names of the tools used by assistant `tool_calls` in the history, in first-use order. */
  historyToolNames: string[];
  /** The history holds toolUse or toolResult blocks (Bedrock then requires a toolConfig). */
  hasToolBlocks: boolean;
}

export function openAIToBedrockMessages(raw: unknown): ConvertedMessages {
  if (!Array.isArray(raw)) throw invalid('messages must be an array');
  const out: ConvertedMessages = { system: [], messages: [], historyToolNames: [], hasToolBlocks: false };
  raw.forEach((m, i) => {
    const where = `messages[${i}]`;
    const msg = asObj(m);
    if (msg === undefined) throw invalid(`${where} must be an object`);
    switch (msg.role) {
      case 'system':
      case 'developer':
        out.system.push(...textBlocks(msg.content, `${where}.content`));
        return;
      case 'user':
        append(out.messages, 'user', openAIToBedrockContent(msg.content, `${where}.content`), where);
        return;
      case 'assistant':
        append(out.messages, 'assistant', assistantBlocks(msg, where, out), where);
        return;
      case 'tool':
        out.hasToolBlocks = true;
        append(out.messages, 'user', [toolResultBlock(msg, where)], where);
        return;
      default:
        throw invalid(`${where}: role '${String(msg.role)}' is not supported by Bedrock`);
    }
  });
  return out;
}

function append(
  turns: ConverseMessage[],
  role: ConverseRole,
  blocks: ConverseContentBlock[],
  where: string,
): void {
  if (blocks.length === 0) throw invalid(`${where} has no content Bedrock can accept`);
  const last = turns[turns.length - 1];
  if (last?.role === role) last.content.push(...blocks);
  else turns.push({ role, content: blocks });
}

function assistantBlocks(
  msg: Record<string, unknown>,
  where: string,
  out: ConvertedMessages,
): ConverseContentBlock[] {
  if (msg.function_call !== undefined && msg.function_call !== null) {
    throw invalid(`${where}: function_call is not supported; use tool_calls`);
  }
  const blocks: ConverseContentBlock[] = textBlocks(msg.content, `${where}.content`);
  asArray(msg.tool_calls).forEach((c, j) => {
    const at = `${where}.tool_calls[${j}]`;
    const call = asObj(c);
    const fn = asObj(call?.function);
    const id = asString(call?.id);
    const name = asString(fn?.name);
    if (id === undefined || id === '' || name === undefined || name === '') {
      throw invalid(`${at} needs an id and a function.name`);
    }
    blocks.push({ toolUse: { toolUseId: id, name, input: toolInput(fn?.arguments, at) } });
    out.hasToolBlocks = true;
    if (!out.historyToolNames.includes(name)) out.historyToolNames.push(name);
  });
  return blocks;
}

/** Tool-call `arguments` (a JSON string) → the JSON object Bedrock wants as `input`. */
function toolInput(args: unknown, where: string): unknown {
  if (args === undefined || args === null || args === '') return {};
  if (typeof args !== 'string') throw invalid(`${where}.function.arguments must be a JSON string`);
  const parsed = parseJsonObject(args);
  if (parsed === undefined) throw invalid(`${where}.function.arguments must be a JSON object`);
  return parsed;
}

function toolResultBlock(msg: Record<string, unknown>, where: string): ConverseContentBlock {
  const id = asString(msg.tool_call_id);
  if (id === undefined || id === '') throw invalid(`${where}: tool message needs a tool_call_id`);
  return { toolResult: { toolUseId: id, content: toolResultContent(msg.content, `${where}.content`) } };
}

/** A string holding a JSON object becomes a `json` block; any other text stays `text`. */
function toolResultContent(content: unknown, where: string): ConverseToolResultContent[] {
  if (typeof content === 'string') {
    const parsed = parseJsonObject(content);
    return parsed !== undefined ? [{ json: parsed }] : [{ text: content }];
  }
  const blocks = textBlocks(content, where);
  return blocks.length > 0 ? blocks : [{ text: '' }];
}

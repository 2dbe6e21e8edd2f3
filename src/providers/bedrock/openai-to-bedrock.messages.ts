/**
 * OpenAI `messages` → Converse `system` + `messages`.
 *
 * - `system` and `developer` messages, wherever they appear, become the top-level `system` text blocks.
 * - `tool` messages become `toolResult` blocks in a user turn.
 * - Consecutive turns of the same role are merged (Converse requires alternating roles).
 * - With thinking on, an assistant message's signed `thinking_blocks` (../translate/reasoning.ts) open its
 *   turn as `reasoningContent` blocks; bare `reasoning_content` cannot be replayed (no signature) and is
 *   reported. With thinking off they are left out, as Claude ignores earlier thinking. Message `name` is not
 *   sent (Converse has no per-message names).
 */
import type {
  ConverseCachePointBlock,
  ConverseContentBlock,
  ConverseMessage,
  ConverseReasoningBlock,
  ConverseRole,
  ConverseTextBlock,
  ConverseToolResultContent,
} from './converse-types.js';
import type { Json } from '../translate/types.js';
import { asArray, asObj, asString, parseJsonObject } from '../../json.js';
import { isSigned, thinkingBlocksOf } from '../translate/reasoning.js';
import { invalid } from './invalid-request.js';
import { textBlocks, openAIToBedrockContent } from './openai-to-bedrock.content.js';

export interface ConvertedMessages {
  system: (ConverseTextBlock | ConverseCachePointBlock)[];
  /** Message fields that could not be sent. */
  dropped: string[];
  messages: ConverseMessage[];
  /** Names of the tools used by assistant `tool_calls` in the history, in first-use order. */
  historyToolNames: string[];
  /** The history holds toolUse or toolResult blocks (Bedrock then requires a toolConfig). */
  hasToolBlocks: boolean;
}

export function openAIToBedrockMessages(raw: unknown, replayThinking = false): ConvertedMessages {
  if (!Array.isArray(raw)) throw invalid('messages must be an array');
  const out: ConvertedMessages = {
    system: [],
    dropped: [],
    messages: [],
    historyToolNames: [],
    hasToolBlocks: false,
  };
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
        append(out.messages, 'assistant', assistantBlocks(msg, where, out, replayThinking), where);
        return;
      case 'tool':
        out.hasToolBlocks = true;
        append(out.messages, 'user', toolResultBlocks(msg, where), where);
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

function reasoningBlocks(msg: Json, where: string, out: ConvertedMessages): ConverseReasoningBlock[] {
  const signed = thinkingBlocksOf(msg, where).filter(isSigned);
  if (signed.length === 0 && typeof msg.reasoning_content === 'string' && msg.reasoning_content !== '') {
    if (!out.dropped.includes('messages[].reasoning_content'))
      out.dropped.push('messages[].reasoning_content');
  }
  return signed.map((b) =>
    b.type === 'thinking'
      ? { reasoningContent: { reasoningText: { text: b.thinking, signature: b.signature } } }
      : { reasoningContent: { redactedContent: b.data } },
  );
}

function assistantBlocks(
  msg: Json,
  where: string,
  out: ConvertedMessages,
  replayThinking: boolean,
): ConverseContentBlock[] {
  if (msg.function_call !== undefined && msg.function_call !== null) {
    throw invalid(`${where}: function_call is not supported; use tool_calls`);
  }
  const reasoning = reasoningBlocks(msg, where, out);
  const blocks: ConverseContentBlock[] = [
    ...(replayThinking ? reasoning : []),
    ...textBlocks(msg.content, `${where}.content`),
  ];
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

/**
 * The toolResult block, then a cachePoint when the tool message (an Anthropic client's tool_result) or a
 * part of it asked for one (none fits inside a toolResult).
 */
function toolResultBlocks(msg: Record<string, unknown>, where: string): ConverseContentBlock[] {
  const id = asString(msg.tool_call_id);
  if (id === undefined || id === '') throw invalid(`${where}: tool message needs a tool_call_id`);
  const blocks = typeof msg.content === 'string' ? [] : textBlocks(msg.content, `${where}.content`);
  const texts = blocks.filter((b): b is ConverseTextBlock => 'text' in b);
  const content = toolResultContent(msg.content, texts);
  const result: ConverseContentBlock = { toolResult: { toolUseId: id, content } };
  const marked = texts.length < blocks.length || asObj(msg.cache_control) !== undefined;
  return marked ? [result, { cachePoint: { type: 'default' } }] : [result];
}

/** A string holding a JSON object becomes a `json` block; any other text stays `text`. */
function toolResultContent(content: unknown, texts: ConverseTextBlock[]): ConverseToolResultContent[] {
  if (typeof content === 'string') {
    const parsed = parseJsonObject(content);
    return parsed !== undefined ? [{ json: parsed }] : [{ text: content }];
  }
  return texts.length > 0 ? texts : [{ text: '' }];
}

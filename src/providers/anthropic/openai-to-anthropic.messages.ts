/** OpenAI chat messages → Anthropic `system` plus alternating user/assistant `messages`. */
import type { Json } from '../translate/types.js';
import { TranslationError } from '../translate/types.js';
import type { DroppedParams } from './dropped.js';
import { openAIToAnthropicContent } from './openai-to-anthropic.content.js';
import { asArray, asObj, asString } from '../../json.js';
import { isSigned, thinkingBlocksOf } from '../translate/reasoning.js';

type Role = 'user' | 'assistant';

interface Turn {
  role: Role;
  blocks: Json[];
}

export interface AnthropicConversation {
  /** Top-level system text blocks, in message order (system and developer messages). */
  readonly system: Json[];
  readonly messages: Json[];
}

function bad(where: string, message: string): TranslationError {
  return new TranslationError(400, `${where}: ${message}`);
}

/** Tool-call arguments (a JSON text) → the tool_use input object. Empty text means no arguments. */
function toolInput(args: unknown, where: string): Json {
  if (args === undefined || args === null || (typeof args === 'string' && args.trim() === '')) return {};
  if (typeof args !== 'string') throw bad(where, 'function.arguments must be a JSON string');
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    throw bad(where, 'function.arguments is not valid JSON');
  }
  const input = asObj(parsed);
  if (input === undefined) throw bad(where, 'function.arguments must encode a JSON object');
  return input;
}

function toolUseBlocks(toolCalls: unknown, where: string): Json[] {
  return asArray(toolCalls).map((t, i) => {
    const w = `${where}.tool_calls[${i}]`;
    const call = asObj(t);
    const fn = asObj(call?.function);
    const id = asString(call?.id);
    const name = asString(fn?.name);
    if (call === undefined || id === undefined || id === '') throw bad(w, 'a tool call needs a string id');
    if (call.type !== undefined && call.type !== 'function')
      throw bad(w, 'only function tool calls are supported');
    if (name === undefined || name === '') throw bad(w, 'function.name must be a non-empty string');
    return { type: 'tool_use', id, name, input: toolInput(fn?.arguments, w) };
  });
}

function toolResultBlock(msg: Json, where: string, dropped: DroppedParams): Json {
  const id = asString(msg.tool_call_id);
  if (id === undefined || id === '') throw bad(where, 'a tool message needs a string tool_call_id');
  const block: Json = { type: 'tool_result', tool_use_id: id };
  if (typeof msg.content === 'string') block.content = msg.content;
  else {
    const blocks = openAIToAnthropicContent(msg.content, 'tool', `${where}.content`, dropped);
    if (blocks.length > 0) block.content = blocks;
  }
  if (asObj(msg.cache_control) !== undefined) block.cache_control = msg.cache_control;
  return block;
}

/** One OpenAI message → the turn it contributes to (system text goes to `system` instead). */
function turnOf(
  msg: Json,
  where: string,
  system: Json[],
  dropped: DroppedParams,
  replayThinking: boolean,
): Turn | undefined {
  if (msg.name !== undefined && msg.role !== 'tool') dropped.add('messages[].name');
  switch (msg.role) {
    case 'system':
    case 'developer':
      system.push(...openAIToAnthropicContent(msg.content, 'text', `${where}.content`, dropped));
      return undefined;
    case 'user':
      return {
        role: 'user',
        blocks: openAIToAnthropicContent(msg.content, 'user', `${where}.content`, dropped),
      };
    case 'assistant': {
      if (msg.function_call !== undefined && msg.function_call !== null) {
        throw bad(where, 'legacy function_call messages are not supported; use tool_calls');
      }
      // Signed blocks replay as they came; bare reasoning text cannot (Anthropic checks signatures). With
      // thinking off, Anthropic ignores earlier thinking, so the blocks are left out.
      const thinking = thinkingBlocksOf(msg, where).filter(isSigned);
      if (
        thinking.length === 0 &&
        typeof msg.reasoning_content === 'string' &&
        msg.reasoning_content !== ''
      ) {
        dropped.add('messages[].reasoning_content');
      }
      const text = openAIToAnthropicContent(msg.content, 'text', `${where}.content`, dropped);
      const replayed: Json[] = replayThinking ? thinking : [];
      return { role: 'assistant', blocks: [...replayed, ...text, ...toolUseBlocks(msg.tool_calls, where)] };
    }
    case 'tool':
      return { role: 'user', blocks: [toolResultBlock(msg, where, dropped)] };
    default:
      throw bad(where, `unsupported message role "${String(msg.role)}"`);
  }
}

/** Anthropic wants tool_result blocks first in a user turn; a string suffices for one plain text block. */
function finishTurn(turn: Turn): Json {
  let blocks = turn.blocks;
  if (turn.role === 'user' && blocks.some((b) => b.type === 'tool_result')) {
    blocks = [
      ...blocks.filter((b) => b.type === 'tool_result'),
      ...blocks.filter((b) => b.type !== 'tool_result'),
    ];
  }
  const only = blocks.length === 1 ? blocks[0] : undefined;
  if (only?.type === 'text' && only.cache_control === undefined)
    return { role: turn.role, content: only.text };
  return { role: turn.role, content: blocks };
}

/**
 * Converts the messages. System and developer messages are hoisted to `system` wherever they appear. Tool
 * messages become user tool_result blocks. Empty messages are skipped, and consecutive messages of the same
 * role are merged into one, as Anthropic requires alternating roles. With `replayThinking`, an assistant
 * message's signed `thinking_blocks` open its turn.
 */
export function openAIToAnthropicMessages(
  messages: readonly unknown[],
  dropped: DroppedParams,
  replayThinking = false,
): AnthropicConversation {
  const system: Json[] = [];
  const turns: Turn[] = [];
  messages.forEach((m, i) => {
    const where = `messages[${i}]`;
    const msg = asObj(m);
    if (msg === undefined) throw bad(where, 'a message must be an object');
    const turn = turnOf(msg, where, system, dropped, replayThinking);
    if (turn === undefined || turn.blocks.length === 0) return;
    const last = turns.at(-1);
    if (last?.role === turn.role) last.blocks.push(...turn.blocks);
    else turns.push(turn);
  });
  return { system, messages: turns.map(finishTurn) };
}

/** Anthropic `system` and `messages` → OpenAI chat messages. */
import type { Json } from '../translate/types.js';
import { TranslationError } from '../translate/types.js';
import {
  simplify,
  toolCall,
  toolMessage,
  anthropicToOpenAIContent,
  withCacheControl,
} from './anthropic-to-openai.content.js';
import type { DroppedParams } from './dropped.js';
import { asArray, asObj, asString } from '../../json.js';
import { thinkingBlocks } from './openai-to-anthropic.response.js';
import { THINKING_BLOCKS } from '../translate/reasoning.js';
import type { GoogleSignature } from '../translate/google-signatures.js';
import { applyGoogleSignatures, decodeGoogleSignature } from '../translate/google-signatures.js';

function bad(where: string, message: string): TranslationError {
  return new TranslationError(400, `${where}: ${message}`);
}

function blocksOf(content: unknown, where: string): Json[] {
  if (!Array.isArray(content)) throw bad(where, 'content must be a string or an array of content blocks');
  return content.map((c, i) => {
    const block = asObj(c);
    if (block === undefined) throw bad(`${where}[${i}]`, 'a content block must be an object');
    return block;
  });
}

/** `system` (a string or text blocks) → one system message, or none when empty. */
export function systemMessages(system: unknown): Json[] {
  if (system === undefined || system === null || system === '') return [];
  if (typeof system === 'string') return [{ role: 'system', content: system }];
  const parts = blocksOf(system, 'system').map((b, i) => {
    if (b.type !== 'text') throw bad(`system[${i}]`, 'system blocks must be text');
    return withCacheControl({ type: 'text', text: asString(b.text) ?? '' }, b);
  });
  return parts.length === 0 ? [] : [{ role: 'system', content: simplify(parts) }];
}

/** A user turn → its tool messages (first, as OpenAI wants them right after the tool calls) then the rest. */
function userMessages(content: unknown, where: string, dropped: DroppedParams): Json[] {
  if (typeof content === 'string') return [{ role: 'user', content }];
  const tools: Json[] = [];
  const parts: Json[] = [];
  blocksOf(content, where).forEach((block, i) => {
    const w = `${where}[${i}]`;
    if (block.type === 'tool_result') tools.push(toolMessage(block, w, dropped));
    else {
      const part = anthropicToOpenAIContent(block, w, dropped);
      if (part !== undefined) parts.push(part);
    }
  });
  return parts.length === 0 ? tools : [...tools, { role: 'user', content: simplify(parts) }];
}

/**
 * An assistant turn → one message: text joined into content, tool_use blocks as tool_calls, thinking and
 * redacted_thinking blocks as thinking_blocks.
 */
function assistantMessage(content: unknown, where: string, dropped: DroppedParams): Json {
  if (typeof content === 'string') return { role: 'assistant', content };
  let text: string | undefined;
  const calls: Json[] = [];
  const thinking: Json[] = [];
  const google: GoogleSignature[] = [];
  blocksOf(content, where).forEach((block, i) => {
    if (block.cache_control !== undefined && block.cache_control !== null) dropped.add('cache_control');
    const carried = block.type === 'thinking' ? decodeGoogleSignature(block.signature) : undefined;
    if (carried !== undefined) google.push(carried);
    else if (block.type === 'text') text = (text ?? '') + (asString(block.text) ?? '');
    else if (block.type === 'tool_use') calls.push(toolCall(block, `${where}[${i}]`, dropped));
    else if (block.type === 'thinking' || block.type === 'redacted_thinking') thinking.push(block);
    else dropped.add(`messages[].content.${String(block.type)}`);
  });
  const msg: Json = { role: 'assistant', content: text ?? null };
  if (calls.length > 0) msg.tool_calls = calls;
  // Gemini's signatures, carried in thinking blocks, go back where Gemini wants them (never to Claude).
  applyGoogleSignatures(msg, google);
  // Signed thinking travels as thinking_blocks (../translate/reasoning.ts) for providers that replay it.
  const blocks = thinkingBlocks(thinking);
  if (blocks.length > 0) msg[THINKING_BLOCKS] = blocks;
  return msg;
}

export function anthropicToOpenAIMessages(messages: unknown, dropped: DroppedParams): Json[] {
  if (!Array.isArray(messages)) throw bad('messages', 'must be an array');
  return asArray(messages).flatMap((m, i) => {
    const where = `messages[${i}]`;
    const msg = asObj(m);
    if (msg === undefined) throw bad(where, 'a message must be an object');
    if (msg.role === 'user') return userMessages(msg.content, `${where}.content`, dropped);
    if (msg.role === 'assistant') return [assistantMessage(msg.content, `${where}.content`, dropped)];
    throw bad(where, `role must be "user" or "assistant", got "${String(msg.role)}"`);
  });
}

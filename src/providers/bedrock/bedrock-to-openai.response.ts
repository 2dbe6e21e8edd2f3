/**
 * Converse response → OpenAI `chat.completion`.
 *
 * Text blocks are concatenated into `content`, `toolUse` blocks become `tool_calls`, and
 * `reasoningContent.reasoningText.text` becomes `reasoning_content`, and every reasoning block with its
 * signature (redacted ones as `redacted_thinking`) is carried in `thinking_blocks` for replay
 * (../translate/reasoning.ts). `content` is null when the reply is tool calls only.
 */
import type { Json, OpenAIChatCompletion, UpstreamTarget } from '../translate/types.js';
import type { CompletionStamp } from './completion-ids.js';
import { bedrockToOpenAIFinishReason } from './bedrock-to-openai.finish-reason.js';
import { asArray, asObj, asString } from '../../json.js';
import { bedrockToOpenAIUsage } from './bedrock-to-openai.usage.js';
import { THINKING_BLOCKS } from '../translate/reasoning.js';

export function bedrockToOpenAIResponse(
  body: Json,
  target: UpstreamTarget,
  stamp: CompletionStamp,
): OpenAIChatCompletion {
  let text = '';
  let reasoning: string | undefined;
  const toolCalls: Json[] = [];
  const thinkingBlocks: Json[] = [];
  const blocks = asArray(asObj(asObj(body.output)?.message)?.content);
  for (const b of blocks) {
    const block = asObj(b);
    if (block === undefined) continue;
    const t = asString(block.text);
    if (t !== undefined) text += t;
    const toolUse = asObj(block.toolUse);
    if (toolUse !== undefined) toolCalls.push(toolCall(toolUse));
    const rc = asObj(block.reasoningContent);
    const rt = asObj(rc?.reasoningText);
    const r = asString(rt?.text);
    if (r !== undefined) reasoning = (reasoning ?? '') + r;
    const signature = asString(rt?.signature);
    if (r !== undefined && signature !== undefined && signature !== '') {
      thinkingBlocks.push({ type: 'thinking', thinking: r, signature });
    }
    const redacted = asString(rc?.redactedContent);
    if (redacted !== undefined) thinkingBlocks.push({ type: 'redacted_thinking', data: redacted });
  }
  const message: Json = { role: 'assistant', content: text === '' && toolCalls.length > 0 ? null : text };
  if (reasoning !== undefined) message.reasoning_content = reasoning;
  if (thinkingBlocks.length > 0) message[THINKING_BLOCKS] = thinkingBlocks;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  const completion: Json = {
    id: stamp.id,
    object: 'chat.completion',
    created: stamp.created,
    model: target.model,
    choices: [
      { index: 0, message, logprobs: null, finish_reason: bedrockToOpenAIFinishReason(body.stopReason) },
    ],
  };
  const usage = bedrockToOpenAIUsage(body.usage);
  if (usage !== undefined) completion.usage = usage;
  return completion;
}

function toolCall(toolUse: Json): Json {
  return {
    id: asString(toolUse.toolUseId) ?? '',
    type: 'function',
    function: { name: asString(toolUse.name) ?? '', arguments: JSON.stringify(toolUse.input ?? {}) },
  };
}

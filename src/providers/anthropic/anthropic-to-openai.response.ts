/** Anthropic Messages response → OpenAI chat.completion. */
import type { Json, OpenAIChatCompletion, UpstreamTarget } from '../translate/types.js';
import { asArray, asObj, asString } from '../../json.js';
import { THINKING_BLOCKS } from '../translate/reasoning.js';
import { anthropicBlockCitations, urlAnnotation } from '../translate/citations.js';
import type { UrlCitation } from '../translate/citations.js';
import { anthropicToOpenAIFinishReason } from './stop-reasons.js';
import type { AnthropicUsage } from './usage.js';
import { mergeAnthropicUsage, anthropicToOpenAIUsage } from './usage.js';

/** Seconds since the epoch, for `created`. */
export type Clock = () => number;
export const systemClock: Clock = () => Math.floor(Date.now() / 1000);

/**
 * Builds the assistant message: text blocks joined → content (null when there is none), thinking blocks
 * joined → reasoning_content, thinking and redacted_thinking blocks with their signatures → thinking_blocks
 * (see ../translate/reasoning.ts), tool_use blocks → tool_calls (input serialised as the arguments JSON),
 * web search citations → url_citation annotations (../translate/citations.ts).
 * Server tool blocks have no OpenAI form and are left out.
 */
function assistantMessage(content: unknown): Json {
  let text: string | undefined;
  let reasoning: string | undefined;
  const toolCalls: Json[] = [];
  const thinkingBlocks: Json[] = [];
  const citations: UrlCitation[] = [];
  for (const b of asArray(content)) {
    const block = asObj(b);
    switch (block?.type) {
      case 'text': {
        const start = text?.length ?? 0;
        text = (text ?? '') + (asString(block.text) ?? '');
        citations.push(...anthropicBlockCitations(block.citations, start, text.length));
        break;
      }
      case 'thinking':
        reasoning = (reasoning ?? '') + (asString(block.thinking) ?? '');
        thinkingBlocks.push({
          type: 'thinking',
          thinking: asString(block.thinking) ?? '',
          signature: asString(block.signature) ?? '',
        });
        break;
      case 'redacted_thinking':
        thinkingBlocks.push({ type: 'redacted_thinking', data: asString(block.data) ?? '' });
        break;
      case 'tool_use':
        toolCalls.push({
          id: asString(block.id) ?? '',
          type: 'function',
          function: { name: asString(block.name) ?? '', arguments: JSON.stringify(block.input ?? {}) },
        });
        break;
      default:
        break;
    }
  }
  const message: Json = { role: 'assistant', content: text ?? null };
  if (reasoning !== undefined) message.reasoning_content = reasoning;
  if (thinkingBlocks.length > 0) message[THINKING_BLOCKS] = thinkingBlocks;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (citations.length > 0) message.annotations = citations.map(urlAnnotation);
  return message;
}

export function anthropicToOpenAIResponse(
  body: Json,
  target: UpstreamTarget,
  clock: Clock,
): OpenAIChatCompletion {
  const usage: AnthropicUsage = {};
  const completion: Json = {
    id: asString(body.id) ?? '',
    object: 'chat.completion',
    created: clock(),
    model: asString(body.model) ?? target.model,
    choices: [
      {
        index: 0,
        message: assistantMessage(body.content),
        logprobs: null,
        finish_reason: anthropicToOpenAIFinishReason(body.stop_reason),
      },
    ],
  };
  // No usage is better than a made-up zero usage.
  if (mergeAnthropicUsage(usage, body.usage)) completion.usage = anthropicToOpenAIUsage(usage);
  return completion;
}

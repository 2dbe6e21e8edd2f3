/** Anthropic Messages response bodies (JSON and SSE events). */
import { withThinkingBlock } from './anthropic-thinking.js';
import type { Ids, MockResponsePlan, MockUsage } from './types.js';
import { toolArgPieces } from './usage.js';

function anthropicUsage(u: MockUsage, outputTokens: number): Record<string, unknown> {
  return {
    input_tokens: u.promptTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: u.cachedTokens,
    output_tokens: outputTokens,
  };
}

export function anthropicJson(p: MockResponsePlan, ids: Ids, request: unknown): unknown {
  const content = p.toolCall
    ? [
        {
          type: 'tool_use',
          id: `toolu_mock${ids.seq}`,
          name: p.toolCall.name,
          input: JSON.parse(p.toolCall.argumentsJson) as unknown,
        },
      ]
    : [{ type: 'text', text: p.texts[0] ?? '' }];
  return {
    id: `msg_mock${ids.seq}`,
    type: 'message',
    role: 'assistant',
    model: p.model,
    content: withThinkingBlock(content, request),
    stop_reason: p.toolCall ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: anthropicUsage(p.usage, p.usage.completionTokens),
  };
}

/** [event name, data] pairs. */
export function anthropicEvents(p: MockResponsePlan, ids: Ids): [string, unknown][] {
  const out: [string, unknown][] = [];
  out.push([
    'message_start',
    {
      type: 'message_start',
      message: {
        id: `msg_mock${ids.seq}`,
        type: 'message',
        role: 'assistant',
        model: p.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: anthropicUsage(p.usage, 1),
      },
    },
  ]);
  const tool = p.toolCall;
  const block = tool
    ? { type: 'tool_use', id: `toolu_mock${ids.seq}`, name: tool.name, input: {} }
    : { type: 'text', text: '' };
  out.push(['content_block_start', { type: 'content_block_start', index: 0, content_block: block }]);
  out.push(['ping', { type: 'ping' }]);
  const pieces = tool ? toolArgPieces(tool.argumentsJson) : (p.pieces[0] ?? []);
  for (const piece of pieces) {
    const delta = tool
      ? { type: 'input_json_delta', partial_json: piece }
      : { type: 'text_delta', text: piece };
    out.push(['content_block_delta', { type: 'content_block_delta', index: 0, delta }]);
  }
  out.push(['content_block_stop', { type: 'content_block_stop', index: 0 }]);
  out.push([
    'message_delta',
    {
      type: 'message_delta',
      delta: { stop_reason: tool ? 'tool_use' : 'end_turn', stop_sequence: null },
      usage: { output_tokens: p.usage.completionTokens },
    },
  ]);
  out.push(['message_stop', { type: 'message_stop' }]);
  return out;
}

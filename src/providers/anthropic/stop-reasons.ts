/** Anthropic stop_reason ⇄ OpenAI finish_reason. */

/**
 * Anthropic stop_reason → OpenAI finish_reason. `refusal` becomes `content_filter`; `pause_turn` (a server
 * tool paused the turn) and unknown values become `stop`; `model_context_window_exceeded` becomes `length`.
 */
export function anthropicToOpenAIFinishReason(stopReason: unknown): string {
  switch (stopReason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'stop';
  }
}

/** OpenAI finish_reason → Anthropic stop_reason (null when the upstream gave none). */
export function openAIToAnthropicStopReason(finishReason: unknown): string | null {
  switch (finishReason) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    case null:
    case undefined:
      return null;
    default:
      return 'end_turn';
  }
}

/**
 * The stop_reason of an answer that holds tool calls: tool_use even when the upstream said `stop`
 * (Gemini's OpenAI-compatible endpoint and some local servers do), since Anthropic clients run the
 * tools only on tool_use. An answer that is only a refusal (OpenAI's `refusal` field) stops on
 * `refusal`, as Claude's own refusals do. Length and filter stops keep their own reason.
 */
export function stopReasonWithTools(
  finishReason: unknown,
  hasToolCalls: boolean,
  refused = false,
): string | null {
  const reason = openAIToAnthropicStopReason(finishReason);
  if (reason !== 'end_turn') return reason;
  return hasToolCalls ? 'tool_use' : refused ? 'refusal' : reason;
}

/** Whether an answer (or its stream so far) is a refusal: refusal text and no content. */
export const isRefusal = (refusal: unknown, content: unknown): boolean =>
  typeof refusal === 'string' && refusal !== '' && (typeof content !== 'string' || content === '');

/**
 * The stop sequence that ended the answer, when an OpenAI-compatible server names it: vLLM and SGLang
 * put the matched string in the choice's `stop_reason` (a token id or null otherwise). OpenAI does not.
 */
export function matchedStopSequence(
  choice: { finish_reason?: unknown; stop_reason?: unknown } | undefined,
): string | null {
  const matched = choice?.stop_reason;
  return choice?.finish_reason === 'stop' && typeof matched === 'string' && matched !== '' ? matched : null;
}

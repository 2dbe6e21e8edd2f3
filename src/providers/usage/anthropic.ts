/** Anthropic Messages API responses. */
import type { JsonObject } from '../../json.js';
import { asArray, asCount, asObj, nonEmptyString, parseJsonObject } from '../../json.js';
import { hasText } from './types.js';
import type { SseEvent } from '../../streaming/sse-decoder.js';
import type { EventResult } from './openai.js';
import type { ResponseFacts, Usage } from './types.js';
import { makeFacts } from './types.js';

/** Copies the Anthropic usage fields present in `u` onto `into` (fields absent in `u` are kept). */
function mergeAnthropicUsage(into: Partial<Usage>, u: JsonObject): boolean {
  let any = false;
  const input = asCount(u.input_tokens);
  if (input !== undefined) {
    into.promptTokens = input;
    any = true;
  }
  const output = asCount(u.output_tokens);
  if (output !== undefined) {
    into.completionTokens = output;
    any = true;
  }
  const cacheRead = asCount(u.cache_read_input_tokens);
  if (cacheRead !== undefined) into.cachedInputTokens = cacheRead;
  const cacheCreation = asCount(u.cache_creation_input_tokens);
  if (cacheCreation !== undefined) into.cacheCreationInputTokens = cacheCreation;
  return any;
}

function finishUsage(u: Partial<Usage>): Usage {
  const usage: Usage = { promptTokens: u.promptTokens ?? 0, completionTokens: u.completionTokens ?? 0 };
  if (u.cachedInputTokens !== undefined) usage.cachedInputTokens = u.cachedInputTokens;
  if (u.cacheCreationInputTokens !== undefined) usage.cacheCreationInputTokens = u.cacheCreationInputTokens;
  return usage;
}

export function anthropicUsage(v: unknown): Usage | undefined {
  const u = asObj(v);
  if (u === undefined) return undefined;
  const acc: Partial<Usage> = {};
  return mergeAnthropicUsage(acc, u) ? finishUsage(acc) : undefined;
}

/** Facts of a non-streaming Messages response. A tool call is a tool_use block with no text beside it. */
export function anthropicResponseFacts(body: JsonObject): ResponseFacts {
  let toolUse = false;
  let text = false;
  for (const b of asArray(body.content)) {
    const block = asObj(b);
    if (block === undefined) continue;
    if (block.type === 'tool_use') toolUse = true;
    else if (block.type === 'text' && hasText(block.text)) text = true;
  }
  const reason = nonEmptyString(body.stop_reason);
  return makeFacts(
    anthropicUsage(body.usage),
    nonEmptyString(body.model),
    reason === undefined ? [] : [reason],
    toolUse && !text,
  );
}

/** Accumulates facts over Messages API SSE events (message_start … message_stop). */
export class AnthropicStreamFacts {
  private readonly usage: Partial<Usage> = {};
  private hasUsage = false;
  private model: string | undefined;
  private stopReason: string | undefined;
  private toolUse = false;
  private text = false;
  done = false;

  onEvent(ev: SseEvent): EventResult {
    // Cheap pre-checks on the SSE event name: these events cannot change the facts.
    switch (ev.event ?? '') {
      case 'ping':
      case 'content_block_stop':
        return 'skipped';
      case 'content_block_delta':
        if (this.text || !ev.data.includes('text_delta')) return 'skipped';
        break;
      default:
        break;
    }
    const msg = parseJsonObject(ev.data);
    if (msg === undefined) return 'invalid';
    const type = typeof msg.type === 'string' ? msg.type : (ev.event ?? '');
    switch (type) {
      case 'message_start': {
        const message = asObj(msg.message);
        if (message === undefined) break;
        this.model ??= nonEmptyString(message.model);
        const u = asObj(message.usage);
        if (u !== undefined && mergeAnthropicUsage(this.usage, u)) this.hasUsage = true;
        break;
      }
      case 'message_delta': {
        const u = asObj(msg.usage);
        // output_tokens is cumulative: the last one wins; input/cache fields only when present.
        if (u !== undefined && mergeAnthropicUsage(this.usage, u)) this.hasUsage = true;
        const reason = nonEmptyString(asObj(msg.delta)?.stop_reason);
        if (reason !== undefined) this.stopReason = reason;
        break;
      }
      case 'content_block_start': {
        const block = asObj(msg.content_block);
        if (block?.type === 'tool_use') this.toolUse = true;
        else if (block?.type === 'text' && hasText(block.text)) this.text = true;
        break;
      }
      case 'content_block_delta': {
        const delta = asObj(msg.delta);
        if (delta?.type === 'text_delta' && hasText(delta.text)) this.text = true;
        break;
      }
      case 'message_stop':
        this.done = true;
        break;
      default:
        break;
    }
    return 'ok';
  }

  get facts(): ResponseFacts {
    return makeFacts(
      this.hasUsage ? finishUsage(this.usage) : undefined,
      this.model,
      this.stopReason === undefined ? [] : [this.stopReason],
      this.toolUse && !this.text,
    );
  }
}
